"""The groups service's HTTP routes: each decodes the request, calls one use
case and shapes the answer. The gateway checked the caller's tenancy; the
caller's identity comes signed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from shared.service import CallerDep, CorrelationDep, deps_of

from . import use_cases
from .use_cases import Deps

routes = APIRouter()
ServiceDeps = Annotated[Deps, Depends(deps_of)]


@routes.get("/groups/{group_id}")
async def get_group(group_id: str, deps: ServiceDeps) -> dict:
    """One group's record (with its version)."""
    return await use_cases.view(deps, group_id)


@routes.patch("/groups/{group_id}")
async def update_group(
    group_id: str,
    actor: CallerDep,
    body: Annotated[dict[str, Any], Body()],
    deps: ServiceDeps,
    correlation_id: CorrelationDep,
) -> dict:
    """Change the group's contacts, mailing address, phone or e-mail; answers the record as stored."""
    return await use_cases.update(deps, group_id, body, actor, correlation_id)
