"""Pure pieces of the transaction history: the documents transactions become,
the monthly counts kept for each scope, and how a page is found from them.

On SecantusDB a page sorted newest first, or a count, over a broker's tens of
thousands of transactions reads every one of them; a range of days on the
index (scope + created_at) reads only those days (../shared/DESIGN.md). So
each scope (``all``, ``broker:<id>``, ``group:<id>``) has one small summary
document per calendar month: for the month and for each of its days, how many
transactions it has of each (type, status, creator). A write changes them by
the difference between a transaction's state before and after it, in the same
multi-document transaction as the write (so a redelivery, which finds the
transaction as it already is, changes nothing). A query reads the scope's
month documents, takes the total and the facets from them, and finds which
days hold the page asked for: the page is read from those days only.

Days are the business's days (``BUSINESS_TIME_ZONE``), as the date filter is."""

from __future__ import annotations

import hashlib
import json
from calendar import monthrange
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from shared.contracts.applications import ApplicationSubmitted
from shared.contracts.transactions import CANCELLED, TransactionRecorded
from shared.errors import BadInput

from .book import Scope
from .domain import audit_line

MASS_ENROLLMENT = "Mass Enrollment"
PENDING_KP_REVIEW = "Pending KP Review"
FACETS = ("type", "status", "created_by")
Summary = dict[str, Any]  # one (scope, month): {"_id", "scope", "month", "labels", "total", "days"}


def recorded_document(event: TransactionRecorded, zone: tzinfo) -> dict[str, Any]:
    """A quote, group enrollment or renewal as a line of the history; one the broker cancelled
    keeps its document (a late copy of an older revision must not bring it back) but has no
    day: it is neither counted nor found by any page."""
    return {
        "day": None if event.status == CANCELLED else day_of(event.created_at, zone),
        "type": event.transaction_type,
        "group_id": event.group_id,
        "group_name": event.group_name,
        "broker_id": event.broker_id,
        "created_at": event.created_at,
        "created_by": event.created_by,
        "status": event.status,
        "instructions": event.instructions,
        "revision": event.revision,
    }


def submitted_document(event: ApplicationSubmitted, group: dict[str, Any] | None, zone: tzinfo) -> dict[str, Any]:
    """A submitted Mass Enrollment application as a line of the history
    (Pending KP Review); its group's name and broker of record from the book."""
    name = " ".join(p for p in (event.member.first_name, event.member.last_name) if p)
    return {
        "type": MASS_ENROLLMENT,
        "day": day_of(event.occurred_at, zone),
        "group_id": event.group_id,
        "group_name": (group or {}).get("name"),
        "broker_id": (group or {}).get("broker_id"),
        "created_at": event.occurred_at,
        "created_by": event.actor.user_id if event.actor else None,
        "status": PENDING_KP_REVIEW,
        "instructions": None,
        "revision": 1,
        # What the group's own history (GET /groups/{id}/transactions) has always shown.
        "application_id": event.application_id,
        "upload_id": event.upload_id,
        "kind": "Enrollment",
        "source": MASS_ENROLLMENT,
        "member_name": name,
        "ssn_last4": event.member.ssn_last4,
    }


def day_of(at: datetime, zone: tzinfo) -> str:
    """The business day a transaction was created on (times without a zone are UTC)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(zone).date().isoformat()


def scopes_of(doc: dict[str, Any]) -> list[str]:
    """The scopes a transaction is seen in: every reviewer's, its broker's, its group's (a quote for
    a business that is no KP group yet has none)."""
    group = [f"group:{doc['group_id']}"] if doc.get("group_id") else []
    return ["all", *group] + ([f"broker:{doc['broker_id']}"] if doc.get("broker_id") else [])


def key_of(labels: list[Any]) -> str:
    """A (type, status, creator)'s key in a summary: names may hold dots and dollars, which keys may not."""
    return hashlib.sha256(json.dumps(labels).encode()).hexdigest()[:16]


def summary_id(scope: str, month: str) -> str:
    return f"{scope}|{month}"


def tallies(doc: dict[str, Any] | None) -> Counter[tuple[str, str, str, str]]:
    """Where a transaction is counted: (scope, month, day of the month, key), once each."""
    if not doc or not doc.get("day"):
        return Counter()
    key = key_of([doc.get(f) for f in FACETS])
    month, day = doc["day"][:7], doc["day"][8:]
    return Counter((scope, month, day, key) for scope in scopes_of(doc))


def count_changes(changes: list[tuple[dict[str, Any] | None, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """What (before, after) pairs of transactions change in the monthly summaries: for each summary
    id, the update (``$inc`` of the month's and the day's counts, ``$set`` of the labels and of what
    the summary is). Nothing for a transaction counted the same before and after."""
    delta: Counter[tuple[str, str, str, str]] = Counter()
    labels: dict[str, list[Any]] = {}
    for before, after in changes:
        delta.subtract(tallies(before))
        delta.update(tallies(after))
        labels[key_of([after.get(f) for f in FACETS])] = [after.get(f) for f in FACETS]
    updates: dict[str, dict[str, Any]] = {}
    for (scope, month, day, key), n in sorted(delta.items()):
        if n == 0:
            continue
        update = updates.setdefault(summary_id(scope, month), {"$inc": {}, "$set": {"scope": scope, "month": month}})
        update["$inc"][f"total.{key}"] = update["$inc"].get(f"total.{key}", 0) + n
        update["$inc"][f"days.{day}.{key}"] = update["$inc"].get(f"days.{day}.{key}", 0) + n
        if key in labels:
            update["$set"][f"labels.{key}"] = labels[key]
    return updates


def apply_update(summary: Summary, update: dict[str, Any]) -> Summary:
    """An update of :func:`count_changes` applied to a summary held in memory (the unit tests' store)."""
    for path, value in update["$set"].items():
        _put(summary, path, value)
    for path, n in update["$inc"].items():
        *parents, last = path.split(".")
        holder = summary
        for part in parents:
            holder = holder.setdefault(part, {})
        holder[last] = holder.get(last, 0) + n
    return summary


def _put(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
    doc[last] = value


@dataclass(frozen=True)
class HistoryQuery:
    """The history's drop-down filters, group-ID search and created-date range."""

    type: str | None = None
    status: str | None = None
    created_by: str | None = None
    group_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise BadInput("bad_date_range", "The 'from' date is after the 'to' date: swap them.")

    def column_filters(self) -> dict[str, str]:
        return {k: v for k, v in (("type", self.type), ("status", self.status), ("created_by", self.created_by)) if v}

    def overlaps(self, first: str, last: str) -> bool:
        """Whether the days ``first`` to ``last`` meet the date range."""
        return (self.date_from is None or last >= self.date_from.isoformat()) and (
            self.date_to is None or first <= self.date_to.isoformat()
        )

    def takes_day(self, day: str) -> bool:
        return (self.date_from is None or day >= self.date_from.isoformat()) and (
            self.date_to is None or day <= self.date_to.isoformat()
        )


def _matches(values: dict[str, Any], filters: dict[str, str], leave_out: str | None = None) -> bool:
    return all(values.get(k) == v for k, v in filters.items() if k != leave_out)


@dataclass(frozen=True)
class Window:
    """The days that hold a page (``first`` to ``last``, newest first) and how
    many of the first day's matching transactions come before it."""

    first: str
    last: str
    skip: int


def window_page(docs: list[dict[str, Any]], query: HistoryQuery, window: Window, limit: int) -> list[dict[str, Any]]:
    """The page from the window's transactions (read by scope and day only: SecantusDB scans when a
    query names a field its index lacks): the ones the filters find, newest first, after the skip."""
    filters = query.column_filters()
    kept = _newest_first(d for d in docs if _matches(d, filters) and query.group_id in (None, d.get("group_id")))
    return kept[window.skip : window.skip + limit]


def _newest_first(docs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history's one order: newest first, ties by transaction ID (pages never overlap nor skip)."""
    return sorted(docs, key=lambda d: (d["created_at"], d["_id"]), reverse=True)


@dataclass(frozen=True)
class Plan:
    total: int
    facets: dict[str, dict[str, int]]
    window: Window | None  # None: the page is past the end


def _month_days(month: str) -> tuple[str, str]:
    year, number = (int(p) for p in month.split("-"))
    return f"{month}-01", f"{month}-{monthrange(year, number)[1]:02d}"


def plan(summaries: list[Summary], query: HistoryQuery, page: int, page_size: int) -> Plan:
    """From a scope's monthly summaries: the total the filters find, the facets (each
    drop-down's values counted with the other filters applied, within the date
    range) and the days to read for this page. A month wholly inside the date range
    is counted from its month's counts; only the months at the range's ends, and
    the months that hold the page, are looked at day by day."""
    filters = query.column_filters()
    facets: dict[str, Counter[str]] = {f: Counter() for f in FACETS}
    months: list[tuple[Summary, int, bool]] = []
    for summary in sorted(summaries, key=lambda s: s["month"], reverse=True):
        first, last = _month_days(summary["month"])
        if not query.overlaps(first, last):
            continue
        whole = query.takes_day(first) and query.takes_day(last)
        counts = summary.get("total", {}) if whole else _days_total(summary, query)
        found = 0
        for key, n in counts.items():
            if n <= 0:
                continue
            values = dict(zip(FACETS, summary["labels"][key], strict=True))
            for facet in FACETS:
                if values[facet] is not None and _matches(values, filters, leave_out=facet):
                    facets[facet][values[facet]] += n
            if _matches(values, filters):
                found += n
        if found:
            months.append((summary, found, whole))
    total = sum(n for _, n, _ in months)
    window = _window(months, query, filters, page, page_size)
    return Plan(total, {f: dict(sorted(v.items())) for f, v in facets.items()}, window)


def _days_total(summary: Summary, query: HistoryQuery) -> Counter[str]:
    counts: Counter[str] = Counter()
    for day, keys in summary.get("days", {}).items():
        if query.takes_day(f"{summary['month']}-{day}"):
            counts.update({k: n for k, n in keys.items() if n > 0})
    return counts


def _window(
    months: list[tuple[Summary, int, bool]], query: HistoryQuery, filters: dict[str, str], page: int, page_size: int
) -> Window | None:
    """The days holding items ``start`` to ``end`` (newest first): months before the page are
    skipped on their totals; the page's months are walked day by day."""
    start, end = (page - 1) * page_size, page * page_size
    seen, first, skip, last = 0, None, 0, None
    for summary, found, _ in months:
        if first is None and seen + found <= start:
            seen += found
            continue
        for day in sorted(summary.get("days", {}), reverse=True):
            stamp = f"{summary['month']}-{day}"
            if not query.takes_day(stamp):
                continue
            n = sum(
                count
                for key, count in summary["days"][day].items()
                if count > 0 and _matches(dict(zip(FACETS, summary["labels"][key], strict=True)), filters)
            )
            if not n:
                continue
            if first is None and seen + n > start:
                first, skip = stamp, start - seen
            seen += n
            if first is not None:
                last = stamp
                if seen >= end:
                    return Window(first, last, skip)
    return Window(first, last, skip) if first is not None else None


def history_item(doc: dict[str, Any]) -> dict[str, Any]:
    """One line of the transaction history."""
    return {
        "transaction_id": doc["_id"],
        "type": doc.get("type"),
        "group_id": doc.get("group_id"),
        "group_name": doc.get("group_name"),
        "created_at": doc.get("created_at"),
        "created_by": doc.get("created_by"),
        "status": doc.get("status"),
        "instructions": doc.get("instructions"),
        "application_id": doc.get("application_id"),
    }


def scope_sees_group(scope: Scope, group: dict[str, Any] | None) -> bool:
    """Whether a history searched by group ID may show that group's transactions to this scope."""
    if group is None:
        return False
    if scope.kind == "broker":
        return group.get("broker_id") == scope.id
    if scope.kind == "group":
        return group.get("_id", group.get("group_id")) == scope.id
    return True


def filter_in_memory(
    docs: list[dict[str, Any]], query: HistoryQuery, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int, dict[str, dict[str, int]]]:
    """A page of a small set of transactions (one group's of one broker), filtered, newest first,
    with each drop-down's counts under the other filters: what the monthly counts give for a scope."""
    filters = query.column_filters()

    def in_range(doc: dict[str, Any]) -> bool:
        return doc.get("day") is not None and query.takes_day(doc["day"])

    dated = [d for d in docs if in_range(d)]
    facets = {
        facet: Counter(d.get(facet) for d in dated if _matches(d, filters, facet) and d.get(facet)) for facet in FACETS
    }
    kept = _newest_first(d for d in dated if _matches(d, filters))
    start = (page - 1) * page_size
    return kept[start : start + page_size], len(kept), {f: dict(sorted(c.items())) for f, c in facets.items()}


AUDIT_CHANGES = {
    "TransactionStarted": "started a transaction",
    "TransactionSubmitted": "submitted a transaction for KP review",
    "TransactionApproved": "approved a transaction",
    "TransactionReturned": "returned a transaction with instructions",
    "TransactionContinued": "continued a transaction",
    "TransactionCancelled": "cancelled a transaction",
}


def audit_entry(event: TransactionRecorded) -> tuple[str, dict[str, Any]] | None:
    """A transaction's move as a line of the audit trail: who, which role, when, what (a save is not a
    decision: none; nor is history published before changes were named)."""
    if event.actor is None or event.change not in AUDIT_CHANGES:
        return None
    detail = f"{event.transaction_type} {event.transaction_id}: {event.status}"
    if event.change == "TransactionReturned" and event.instructions:
        detail += f" ({event.instructions})"
    _, line = audit_line(
        event, AUDIT_CHANGES[event.change], event.group_id, event.actor, transaction_id=event.transaction_id
    )
    return event.event_id, line | {"event": event.change, "detail": detail}
