"""What the Mass Enrollment forms are made of: the template's columns and their rules."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from shared.contracts.columns import columns_for

from ..deps import CurrentUser

router = APIRouter(tags=["mass enrollment"])


@router.get("/mass-enrollment/columns")
async def columns(user: CurrentUser, region: Annotated[str, Query(pattern="^[A-Za-z]{2}$")]) -> list[dict]:
    """The columns of a member's row for a region, in the template's order: key, header, kind, which rows
    require it, its codes, its rule in words and its maximum length (the Enroll a Member and Edit forms)."""
    return [
        {k: v for k, v in asdict(column).items() if k not in ("width", "regions")}
        for column in columns_for(region.upper())
    ]
