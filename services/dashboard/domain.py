"""Pure pieces of the dashboard's projections: the documents events become,
how an upload's rows merge and count, and the shapes of the answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shared.contracts.applications import (
    STATUSES,
    ApplicationDeleted,
    ApplicationEdited,
    ApplicationLifecycleEvent,
    ApplicationRecorded,
    ApplicationSavedForLater,
    ApplicationSubmitted,
    ArbitrationAgreementAttached,
    LifecycleEvent,
)
from shared.contracts.envelope import Actor, Envelope
from shared.contracts.reference import GroupRegistered, MemberEnrolled
from shared.contracts.uploads import UploadAccepted, UploadProgressed
from shared.errors import BadInput
from shared.revisions import Rows


def group_document(event: GroupRegistered) -> dict[str, Any]:
    return {
        "name": event.name,
        "region": event.region,
        "broker_id": event.broker_id,
        "subgroups": [s.model_dump() for s in event.subgroups],
        "renewal_date": event.renewal_date.isoformat(),
        "acquired_on": event.acquired_on.isoformat(),
        "can_enroll": event.can_enroll,
        # Eligible employees (the book's size and Small Business tab); None from producers before it.
        "size": event.size,
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
    } | ({"replaced_application_id": event.replaced_application_id} if event.replaced_application_id else {})


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


def replaced_count(rows: Rows) -> int:
    """How many of an upload's rows (a fixed error report's) replaced an error application."""
    return sum(1 for row in rows.values() if row.get("replaced_application_id"))


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


# A line of a group's transaction history: the same fields for every kind of
# transaction (None where one has none: a quote has no upload).
TRANSACTION_FIELDS = (
    "type",
    "group_id",
    "group_name",
    "created_at",
    "created_by",
    "status",
    "instructions",
    "application_id",
    "upload_id",
    "kind",
    "source",
    "member_name",
    "ssn_last4",
)


def transaction_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {"transaction_id": doc["_id"]} | {k: doc.get(k) for k in TRANSACTION_FIELDS}


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
    """An enrolled member as the dashboard keeps it: names, relationship,
    subgroup and last four only. ``sort_key`` orders a group's members by last
    name, then first name (then id, so pages never overlap); ``search_name`` is
    what a name search looks in. Both in lower case: the server compares bytes."""
    return {
        "group_id": event.group_id,
        "subgroup_id": event.subgroup_id,
        "relationship": event.relationship,
        "ssn_last4": event.ssn_last4,
        "first_name": event.first_name,
        "last_name": event.last_name,
        "sort_key": "\x1f".join((event.last_name.casefold(), event.first_name.casefold(), event.member_id)),
        "search_name": f"{event.first_name} {event.last_name}".casefold(),
    }


LAST_FOUR = re.compile(r"\d{4}")


@dataclass(frozen=True)
class MemberSearch:
    """What a Manage Members search asks for: the members whose SSN ends in
    ``last4``, or whose name holds each of ``words`` (lower case); nothing: all."""

    last4: str | None = None
    words: tuple[str, ...] = ()

    def matches(self, member: dict[str, Any]) -> bool:
        if self.last4 is not None and member["ssn_last4"] != self.last4:
            return False
        return all(word in member["search_name"] for word in self.words)

    @property
    def everyone(self) -> bool:
        return self.last4 is None and not self.words


def member_search(q: str | None) -> MemberSearch:
    """A search as typed: four digits are an SSN's last four, anything else
    words of a name. Other digits are refused: only the last four are kept
    here, and a full SSN typed in the box is not searched for."""
    text = (q or "").strip()
    if LAST_FOUR.fullmatch(text):
        return MemberSearch(last4=text)
    if any(c.isdigit() for c in text):
        raise BadInput(
            "bad_member_search",
            "Search by a member's first or last name, or by the last four digits of their SSN (four digits only).",
        )
    # Nothing unprintable reaches the database's pattern (MongoDB refuses a NUL in one).
    printable = "".join(c if c.isprintable() else " " for c in text)
    return MemberSearch(words=tuple(printable.casefold().split()))


def member_view(doc: dict[str, Any], subgroups: dict[str, str]) -> dict[str, Any]:
    """One line of Manage Members: no SSN but its last four digits."""
    return {
        "member_id": doc["_id"],
        "first_name": doc.get("first_name"),
        "last_name": doc.get("last_name"),
        "relationship": doc.get("relationship", "Subscriber"),
        "subgroup_id": doc.get("subgroup_id"),
        "subgroup_name": subgroups.get(doc.get("subgroup_id")),
        "ssn_last4": doc.get("ssn_last4"),
    }


def subgroup_names(group: dict[str, Any] | None) -> dict[str, str]:
    return {s["subgroup_id"]: s["name"] for s in (group or {}).get("subgroups", [])}


def upload_document(event: UploadAccepted) -> dict[str, Any]:
    return {
        "group_id": event.group_id,
        "file_name": event.file_name,
        "total_rows": event.total_rows,
        "accepted_at": event.occurred_at,
        "uploaded_by": event.actor.user_id,
        "replaces_upload_id": event.replaces_upload_id,
        "replaces_applications": event.replaces_applications,
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
        # A fixed error report: the upload whose error applications it names, and how many it replaced so far.
        "replaces_upload_id": doc.get("replaces_upload_id"),
        "replaces_applications": int(doc.get("replaces_applications", 0)),
        "replaced_applications": int(doc.get("replaced", 0)),
    }


def upload_line(doc: dict[str, Any]) -> dict[str, Any]:
    """One line of a group's uploads: its progress, when and by whom it was uploaded."""
    return {**upload_progress(doc), "uploaded_at": doc.get("accepted_at"), "uploaded_by": doc.get("uploaded_by")}


PROGRESS_FIELDS = ("upload_id", "group_id", "total_rows", "classified", "ready", "error", "rejected", "complete")


def upload_progressed(doc: dict[str, Any], correlation_id: str) -> UploadProgressed | None:
    """The notification of an upload's progress as stored (none until its
    total is known); its id names the state, so a copy is recognisable."""
    progress = upload_progress(doc)
    if progress["total_rows"] is None or progress["group_id"] is None:
        return None
    return UploadProgressed(
        event_id=f"{doc['_id']}:progressed:{doc.get('rows_version', 0)}",
        correlation_id=correlation_id,
        **{k: progress[k] for k in PROGRESS_FIELDS},
    )


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


def audit_line(
    event: Envelope, action: str, group_id: str | None, actor: Actor | None, **refs: Any
) -> tuple[str, dict[str, Any]]:
    """One line of the audit trail, by event id (a redelivered event is one line): when, what, whose
    group, who (``system`` when no one), what it concerns (``refs``: upload, application, transaction,
    ``detail``). Every line has the same fields, so the trail is one list whatever made it."""
    return event.event_id, {
        "at": event.occurred_at,
        "action": action,
        "event": event.type,
        "group_id": group_id,
        "upload_id": None,
        "application_id": None,
        "actor_id": actor.user_id if actor else "system",
        "actor_role": actor.role if actor else None,
    } | refs


def audit_entry(event: UploadAccepted | LifecycleEvent) -> tuple[str, dict[str, Any]]:
    """Who did what to which upload or application, and when: one line of the
    audit trail. Never a member's SSN or date of birth: the application is named by its id."""
    _, entry = audit_line(
        event,
        AUDIT_ACTIONS[event.type],
        event.group_id,
        event.actor,
        upload_id=event.upload_id,
        application_id=getattr(event, "application_id", None),
    )
    if isinstance(event, UploadAccepted):
        entry["detail"] = f"{event.file_name}, {event.total_rows} row(s)"
        if event.replaces_upload_id:
            entry["detail"] += f", replacing error applications of upload {event.replaces_upload_id}"
    elif isinstance(event, ApplicationDeleted) and event.reason:
        entry["detail"] = f"{event.reason} (application {event.replaced_by_application_id})"
    elif isinstance(event, ApplicationSubmitted):
        entry["detail"] = f"confirmation {event.confirmation_id}"
    elif isinstance(event, ArbitrationAgreementAttached):
        entry["detail"] = f"{event.file_name}, {event.size:,} bytes"
    return event.event_id, entry


def audit_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {"entry_id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}
