"""The caller's groups, and what is done for one: template, upload, saved list, history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, Query, Response, UploadFile
from pydantic import BaseModel

from ..deps import CurrentUser, Enroller, GroupEditor, Paging, ServicesDep, VisibleGroup
from ..policy import can_see_group, group_filter
from ..progress import with_failures

router = APIRouter(tags=["groups"])


@router.get("/groups")
async def list_groups(user: CurrentUser, services: ServicesDep) -> list[dict]:
    """The caller's groups: a broker's book of business, an administrator's own group."""
    groups = await services.read("dashboard", "groups", params=group_filter(user)) or []
    return [group for group in groups if can_see_group(user, group)]


@router.get("/groups/{group_id}")
async def get_group(group: VisibleGroup) -> dict:
    """One of the caller's groups."""
    return group


@router.patch("/groups/{group_id}")
async def update_group(
    group: VisibleGroup, actor: GroupEditor, services: ServicesDep, body: Annotated[dict[str, Any], Body()]
) -> Response:
    """Change the group's contacts, mailing address, phone or email (any of them); other fields are refused
    (422 field_not_updatable). Answers the group's record as the groups service stored it, with its version."""
    return await services.forward("groups", "PATCH", "groups", group["group_id"], json=body, actor=actor)


@router.get("/groups/{group_id}/mass-enrollment/template")
async def download_template(group: VisibleGroup, actor: Enroller, services: ServicesDep, region: str) -> Response:
    """The Excel template for one of the caller's groups and its region."""
    return await services.forward("upload", "GET", "templates", group["group_id"], params={"region": region})


class MembersForm(BaseModel):
    """The upload form's fields beside the file."""

    region: str
    group_name: str = ""


@router.post("/groups/{group_id}/mass-enrollment/uploads", status_code=202)
async def upload_members(
    group: VisibleGroup, actor: Enroller, services: ServicesDep, form: Annotated[MembersForm, Form()], file: UploadFile
) -> Response:
    """Upload a mass-enrollment workbook for one of the caller's groups; answers its upload_id."""
    # Passed on as it is: the upload service decides what it accepts.
    fields = {"group_id": group["group_id"], **form.model_dump()}
    workbook = (file.filename or "upload.xlsx", file.file, file.content_type or "application/octet-stream")
    return await services.forward("upload", "POST", "uploads", data=fields, files={"file": workbook}, actor=actor)


class MemberFormBody(BaseModel):
    """Enroll a Member: one member's cells, keyed as the template's columns (its column keys)."""

    region: str
    cells: dict[str, str | None]


@router.post("/groups/{group_id}/members", status_code=202)
async def enroll_member(group: VisibleGroup, actor: Enroller, services: ServicesDep, body: MemberFormBody) -> Response:
    """Enroll a Member (one person in a form): validated as a file's row; answers its upload_id and application_id."""
    form = {"group_id": group["group_id"], **body.model_dump()}
    return await services.forward("upload", "POST", "uploads", "form", json=form, actor=actor)


@router.get("/groups/{group_id}/mass-enrollment/saved")
async def saved_applications(group: VisibleGroup, services: ServicesDep, paging: Paging) -> Response:
    """The group's applications saved for later, with the day each expires."""
    return await services.forward("dashboard", "GET", "groups", group["group_id"], "saved-applications", params=paging)


@router.get("/groups/{group_id}/transactions")
async def group_transactions(group: VisibleGroup, services: ServicesDep, paging: Paging) -> Response:
    """The group's transaction history (submitted applications: Pending KP Review)."""
    return await services.forward("dashboard", "GET", "groups", group["group_id"], "transactions", params=paging)


@router.get("/groups/{group_id}/members")
async def group_members(
    group: VisibleGroup,
    services: ServicesDep,
    paging: Paging,
    q: Annotated[str | None, Query(max_length=100, description="A name, or an SSN's last four digits")] = None,
) -> Response:
    """Manage Members: the group's enrolled members by last name, then first name (SSN last four only)."""
    params = paging | ({"q": q} if q else {})
    return await services.forward("dashboard", "GET", "groups", group["group_id"], "members", params=params)


@router.get("/groups/{group_id}/uploads")
async def group_uploads(group: VisibleGroup, services: ServicesDep, paging: Paging) -> dict:
    """My uploads: the group's uploads, newest first, with when, by whom, their counts and status."""
    listed = await services.read("dashboard", "groups", group["group_id"], "uploads", params=paging)
    return await with_failures(listed, services)
