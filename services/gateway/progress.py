"""How far an upload is, as the gateway answers it: the dashboard's counts,
or, until the dashboard has projected the upload, the upload service's own
record (a masked record both: no member's data)."""

from __future__ import annotations

import asyncio

from .forward import Services


async def upload_progress(upload_id: str, services: Services) -> dict | None:
    """The upload's counts from the dashboard; until the dashboard has projected
    the upload, the upload service's record with the counts heard so far."""
    progress = await services.read("dashboard", "uploads", upload_id)
    if progress is not None and progress.get("total_rows") is not None:
        if not progress.get("complete") and await _given_up(upload_id, services):
            # The upload event went out, the rows did not, and the upload service gave up.
            return progress | {"status": "failed"}
        return progress
    record = await services.read("upload", "uploads", upload_id)
    if record is None:
        return None
    heard = {k: v for k, v in (progress or {}).items() if k in ("ready", "error", "rejected", "classified")}
    failed = record.get("status") == "failed"  # the upload service gave up publishing it: upload again
    return {
        "upload_id": upload_id,
        "group_id": record["group_id"],
        "file_name": record["file_name"],
        "status": "failed" if failed else "processing",
        "total_rows": record["total_rows"],
        "classified": 0,
        "ready": 0,
        "error": 0,
        "rejected": 0,
        "complete": False,
        # A fixed error report: which upload's error applications it replaces, how many it names.
        "replaces_upload_id": record.get("replaces_upload_id"),
        "replaces_applications": record.get("replaces_applications") or 0,
        "replaced_applications": 0,
    } | heard


async def with_failures(listed: dict, services: Services) -> dict:
    """A page of a group's uploads from the dashboard, where each one still
    processing that the upload service gave up publishing says ``failed``
    (as :func:`upload_progress` says it of one)."""
    unfinished = [item for item in listed["items"] if not item.get("complete")]
    given_up = await asyncio.gather(*(_given_up(item["upload_id"], services) for item in unfinished))
    failed = {item["upload_id"] for item, gave_up in zip(unfinished, given_up, strict=True) if gave_up}
    items = [item | {"status": "failed"} if item["upload_id"] in failed else item for item in listed["items"]]
    return listed | {"items": items}


async def _given_up(upload_id: str, services: Services) -> bool:
    """Whether the upload service gave up publishing the upload (asked at most
    every few seconds per upload: a page polls often)."""
    record = await services.read_cached("upload", "uploads", upload_id)
    return record is not None and record.get("status") == "failed"
