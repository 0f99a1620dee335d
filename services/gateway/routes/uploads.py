"""An upload: its progress, its tabs, its error report, and the actions on all its applications."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from shared.errors import DomainError

from ..deps import Enroller, FeedDep, Paging, ServicesDep, VisibleUpload
from ..live import progress_stream
from ..progress import upload_progress

router = APIRouter(tags=["uploads"])
log = logging.getLogger(__name__)


@router.get("/uploads/{upload_id}")
async def upload_status(upload: VisibleUpload) -> dict:
    """Progress of an upload: counts ready / error / rejected, complete when every row is classified."""
    return upload


@router.get(
    "/uploads/{upload_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}},
)
async def upload_events(upload: VisibleUpload, services: ServicesDep, feed: FeedDep) -> StreamingResponse:
    """Live progress of an upload as server-sent events: an event "progress" (data as GET /uploads/{id}
    answers) at once, then at each change, until the page closes (the stream ends after 10 minutes;
    EventSource connects again by itself)."""
    stream = progress_stream(upload, feed, lambda: upload_progress(upload["upload_id"], services))
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


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


# Before the route of the other actions: its {action} would take this path too.
@router.post("/uploads/{upload_id}/withdraw")
async def withdraw_upload(upload: VisibleUpload, actor: Enroller, services: ServicesDep) -> Response:
    """Withdraw an upload before submitting: its open applications are deleted, submitted ones kept; answers
    {"withdrawn": n, "kept_submitted": m}. The same file may then be uploaded again."""
    upload_id = upload["upload_id"]
    answer = await services.send("applications", "POST", "uploads", upload_id, "withdraw", actor=actor)
    if answer.status_code == 200:
        # Withdrawn: the upload service forgets the file's digest, so the same file is not refused as a
        # duplicate. Best effort: the withdrawal stands whatever this answers; withdrawing again retries it.
        try:
            await services.send("upload", "DELETE", "uploads", upload_id, "fingerprint", actor=actor)
        except DomainError as exc:
            log.warning("upload %s withdrawn, but its file is still remembered (%s)", upload_id, exc.code)
    return Response(answer.content, status_code=answer.status_code, media_type="application/json")


@router.post("/uploads/{upload_id}/{action}")
async def act_on_upload(
    upload: VisibleUpload, actor: Enroller, services: ServicesDep, action: Literal["submit-ready", "delete-errors"]
) -> Response:
    """Submit Ready Applications (answers how many, with their confirmation IDs) or Delete All Error Applications."""
    return await services.forward("applications", "POST", "uploads", upload["upload_id"], action, actor=actor)
