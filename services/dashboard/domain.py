"""Pure pieces of the dashboard's projections."""

from __future__ import annotations

from typing import Any

from shared.contracts.applications import ApplicationRecorded
from shared.contracts.reference import GroupRegistered

STATUSES = ("ready", "error", "rejected")


def group_document(event: GroupRegistered) -> dict[str, Any]:
    return {
        "name": event.name,
        "region": event.region,
        "broker_id": event.broker_id,
        "subgroups": [s.model_dump() for s in event.subgroups],
        "renewal_date": event.renewal_date.isoformat(),
        "acquired_on": event.acquired_on.isoformat(),
        "can_enroll": event.can_enroll,
    }


def upload_application_document(event: ApplicationRecorded) -> dict[str, Any]:
    """A row of an upload's Ready/Error/Rejected lists. No SSN, no date of birth."""
    return {
        "upload_id": event.upload_id,
        "group_id": event.group_id,
        "row_number": event.row_number,
        "status": event.status,
        "issues": [i.model_dump() for i in event.issues],
        "member": event.member.model_dump(),
        "revision": event.revision,
    }


def upload_progress(doc: dict[str, Any]) -> dict[str, Any]:
    """The answer to "how far is this upload": counts, and complete once every row is classified.

    Computed at read time from the stored total and counts, which different
    handlers write independently, so neither can leave a stale verdict.
    """
    counts = {s: int(doc.get(s, 0)) for s in STATUSES}
    classified = sum(counts.values())
    total = doc.get("total_rows")
    complete = total is not None and classified >= total
    return {
        "upload_id": doc["_id"],
        "group_id": doc.get("group_id"),
        "file_name": doc.get("file_name"),
        "status": "complete" if complete else "processing",
        "total_rows": total,
        "classified": classified,
        **counts,
        "complete": complete,
    }
