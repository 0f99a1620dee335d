"""An upload: its progress, its tabs, its error report, and the actions on all its applications."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from ..deps import Enroller, Paging, ServicesDep, VisibleUpload

router = APIRouter(tags=["uploads"])


@router.get("/uploads/{upload_id}")
async def upload_status(upload: VisibleUpload) -> dict:
    """Progress of an upload: counts ready / error / rejected, complete when every row is classified."""
    return upload


@router.get("/uploads/{upload_id}/applications")
async def upload_applications(
    upload: VisibleUpload, services: ServicesDep, paging: Paging, status: str | None = None
) -> Response:
    """One tab of an upload (status ready, error, rejected, saved, submitted...), a page at a time."""
    params = paging | ({"status": status} if status else {})
    return await services.forward("dashboard", "GET", "uploads", upload["upload_id"], "applications", params=params)


@router.get("/uploads/{upload_id}/error-report")
async def error_report(upload: VisibleUpload, user: Enroller, services: ServicesDep) -> Response:
    """Download the Error tab as an .xlsx in template format, each bad cell highlighted and commented."""
    # The upload service makes the workbook of the error applications the
    # gateway hands it, as the applications service shows them to this
    # enroller (who fixes them: SSNs in full).
    upload_id = upload["upload_id"]
    path = ("uploads", upload_id, "applications")
    answer = await services.send("applications", "GET", *path, params={"status": "error"}, actor=user)
    if answer.status_code != 200:  # its refusal, passed on: never an empty workbook in its place
        return Response(answer.content, status_code=answer.status_code, media_type="application/json")
    body = {"applications": answer.json()}
    return await services.forward("upload", "POST", "uploads", upload_id, "error-report", json=body, actor=user)


@router.post("/uploads/{upload_id}/{action}")
async def act_on_upload(
    upload: VisibleUpload, actor: Enroller, services: ServicesDep, action: Literal["submit-ready", "delete-errors"]
) -> Response:
    """Submit Ready Applications (answers how many, with their confirmation IDs) or Delete All Error Applications."""
    return await services.forward("applications", "POST", "uploads", upload["upload_id"], action, actor=actor)
