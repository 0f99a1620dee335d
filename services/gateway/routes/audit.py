"""The audit trail, for KP reviewers: who did what and when."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shared.errors import NotPermitted

from ..deps import CurrentUser, Paging, ServicesDep
from ..users import User

router = APIRouter(tags=["audit"])


async def require_reviewer(user: CurrentUser) -> User:
    """The caller, when they review for KP: the trail spans every group."""
    if user.role != "kp_reviewer":
        raise NotPermitted("reviewers_only", "The audit trail is for KP reviewers.")
    return user


Reviewer = Annotated[User, Depends(require_reviewer)]


@router.get("/audit")
async def audit_trail(
    reviewer: Reviewer, services: ServicesDep, paging: Paging, group_id: str | None = None
) -> Response:
    """Uploads and the actions on applications (edit, save, delete, submit, attach), newest first."""
    params = paging | ({"group_id": group_id} if group_id else {})
    return await services.forward("dashboard", "GET", "audit", params=params, actor=reviewer)


@router.get("/audit/sign-ins")
async def sign_ins(reviewer: Reviewer, paging: Paging, request: Request) -> dict:
    """Sign-ins, failed sign-ins and lockouts, newest first (user name as typed, address; never a password)."""
    items, total = await request.app.state.deps.guard.audit.page(paging["page"], paging["page_size"])
    return {"items": items, "total": total, **paging}
