"""Pure pieces of the dashboard's projections: the documents events become,
how an upload's rows merge and count, and the shapes of the answers."""

from __future__ import annotations

from typing import Any

from shared.contracts.applications import (
    STATUSES,
    ApplicationEdited,
    ApplicationLifecycleEvent,
    ApplicationRecorded,
    ApplicationSavedForLater,
    ApplicationSubmitted,
    ArbitrationAgreementAttached,
    LifecycleEvent,
)
from shared.contracts.reference import GroupRegistered, MemberEnrolled
from shared.contracts.uploads import UploadAccepted
from shared.revisions import Rows

PENDING_KP_REVIEW = "Pending KP Review"


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
        # The verdict on an edit carries the edit's revision: it comes after it.
        "step": 1,
    }


def lifecycle_document(event: ApplicationLifecycleEvent) -> dict[str, Any]:
    """What a lifecycle event changes in an upload's application row."""
    doc: dict[str, Any] = {
        "upload_id": event.upload_id,
        "group_id": event.group_id,
        "row_number": event.row_number,
        "status": event.status,
        "revision": event.revision,
        "step": 0,
    }
    if isinstance(event, ApplicationSavedForLater):
        doc["expires_at"] = event.expires_at
    if isinstance(event, ApplicationEdited):
        doc["member"] = event.member.model_dump()
        doc["issues"] = []
    if isinstance(event, ApplicationSubmitted):
        doc["confirmation_id"] = event.confirmation_id
        doc["member"] = event.member.model_dump()
    return doc


def status_counts(rows: Rows) -> dict[str, int]:
    """How many of an upload's rows are in each status: counted, never incremented."""
    counts = dict.fromkeys(STATUSES, 0)
    for row in rows.values():
        counts[row["status"]] += 1
    return counts


def saved_changes(rows: Rows, application_ids: list[str]) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """Of these changed rows, which belong in the saved-for-later list and which no longer do."""
    saved = [(a, rows[a]) for a in application_ids if rows[a]["status"] == "saved"]
    gone = sorted(a for a in application_ids if rows[a]["status"] != "saved")
    return saved, gone


def upload_tab(rows: Rows, status: str | None, page: int, page_size: int) -> dict[str, Any]:
    """One tab of an upload (or all its rows), by row number, a page at a time."""
    found = [application_row({"_id": a, **r}) for a, r in rows.items() if status in (None, r["status"])]
    return page_of(sorted(found, key=lambda r: r["row_number"]), page, page_size)


def paged(items: list[dict[str, Any]], total: int, page: int, page_size: int) -> dict[str, Any]:
    """The answer every list query gives: a page of items and the total."""
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def page_of(items: list[dict[str, Any]], page: int, page_size: int) -> dict[str, Any]:
    """A page of a list held whole (an upload's rows: 250 at most)."""
    start = (page - 1) * page_size
    return paged(items[start : start + page_size], len(items), page, page_size)


def transaction_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {"transaction_id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}


def group_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "group_id": doc["_id"],
        "name": doc.get("name"),
        "region": doc.get("region"),
        "broker_id": doc.get("broker_id"),
        "subgroups": doc.get("subgroups", []),
        "renewal_date": doc.get("renewal_date"),
        "acquired_on": doc.get("acquired_on"),
        "enrolled_count": doc.get("enrolled_count", 0),
    }


def member_document(event: MemberEnrolled) -> dict[str, Any]:
    """An enrolled member as the dashboard keeps it: names and last four only."""
    return {
        "group_id": event.group_id,
        "subgroup_id": event.subgroup_id,
        "ssn_last4": event.ssn_last4,
        "first_name": event.first_name,
        "last_name": event.last_name,
    }


def upload_document(event: UploadAccepted) -> dict[str, Any]:
    return {
        "group_id": event.group_id,
        "file_name": event.file_name,
        "total_rows": event.total_rows,
        "accepted_at": event.occurred_at,
    }


def transaction_document(event: ApplicationSubmitted) -> dict[str, Any]:
    """A submitted application as a row of the group's transaction history."""
    name = " ".join(p for p in (event.member.first_name, event.member.last_name) if p)
    return {
        "group_id": event.group_id,
        "application_id": event.application_id,
        "upload_id": event.upload_id,
        "kind": "Enrollment",
        "source": "Mass Enrollment",
        "status": PENDING_KP_REVIEW,
        "member_name": name,
        "ssn_last4": event.member.ssn_last4,
        "created_at": event.occurred_at,
        "created_by": event.actor.user_id if event.actor else None,
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


def application_row(doc: dict[str, Any]) -> dict[str, Any]:
    """One line of a Ready / Error / Rejected / saved list."""
    return {
        "application_id": doc["_id"],
        "upload_id": doc.get("upload_id"),
        "group_id": doc.get("group_id"),
        "row_number": doc.get("row_number"),
        "status": doc.get("status"),
        "issues": doc.get("issues", []),
        "member": doc.get("member"),
        "confirmation_id": doc.get("confirmation_id"),
        "expires_at": doc.get("expires_at"),
    }


AUDIT_ACTIONS = {
    "UploadAccepted": "uploaded",
    "ApplicationEdited": "edited",
    "ApplicationSavedForLater": "saved for later",
    "ApplicationDeleted": "deleted",
    "ApplicationSubmitted": "submitted",
    "ApplicationExpired": "expired",
    "ArbitrationAgreementAttached": "attached an arbitration agreement to",
}


def audit_entry(event: UploadAccepted | LifecycleEvent) -> tuple[str, dict[str, Any]]:
    """Who did what to which upload or application, and when: one line of the
    audit trail (by event id, so a redelivered event is one line). Never a
    member's SSN or date of birth: the application is named by its id."""
    entry: dict[str, Any] = {
        "at": event.occurred_at,
        "action": AUDIT_ACTIONS[event.type],
        "event": event.type,
        "group_id": event.group_id,
        "upload_id": event.upload_id,
        "application_id": getattr(event, "application_id", None),
        "actor_id": event.actor.user_id if event.actor else "system",
        "actor_role": event.actor.role if event.actor else None,
    }
    if isinstance(event, UploadAccepted):
        entry["detail"] = f"{event.file_name}, {event.total_rows} row(s)"
    elif isinstance(event, ApplicationSubmitted):
        entry["detail"] = f"confirmation {event.confirmation_id}"
    elif isinstance(event, ArbitrationAgreementAttached):
        entry["detail"] = f"{event.file_name}, {event.size:,} bytes"
    return event.event_id, entry


def audit_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {"entry_id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}
