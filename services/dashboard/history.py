"""Pure pieces of the transaction history: the documents transactions become,
the daily counts kept for each scope, and how a page is found from them.

On SecantusDB a page sorted newest first, or a count, over a broker's tens of
thousands of transactions reads every one of them; a range of days on the
index (scope + created_at) reads only those days (../shared/DESIGN.md). So
each scope (``all``, ``broker:<id>``, ``group:<id>``) has a summary document
holding, for each day, how many transactions it has of each type, status and
creator, recounted from the transactions of that day after each write (never
incremented: a redelivery cannot count twice). A query reads the summary by
id, takes the total and the facets from it, and finds which days hold the page
asked for: the page is read from those days only, newest first."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from shared.contracts.applications import ApplicationSubmitted
from shared.contracts.transactions import TransactionRecorded
from shared.errors import BadInput

from .book import Scope

MASS_ENROLLMENT = "Mass Enrollment"
PENDING_KP_REVIEW = "Pending KP Review"
FACETS = ("type", "status", "created_by")
# A day's counts: [type, status, created_by, how many] (a list: names may hold dots, which keys may not).
Count = list[Any]
Days = dict[str, list[Count]]


def recorded_document(event: TransactionRecorded) -> dict[str, Any]:
    """A quote, group enrollment or renewal as a line of the history."""
    return {
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


def submitted_document(event: ApplicationSubmitted, group: dict[str, Any] | None) -> dict[str, Any]:
    """A submitted Mass Enrollment application as a line of the history
    (Pending KP Review); its group's name and broker of record from the book."""
    name = " ".join(p for p in (event.member.first_name, event.member.last_name) if p)
    return {
        "type": MASS_ENROLLMENT,
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


def day_of(at: datetime) -> str:
    """The UTC day a transaction was created on: the unit of the summaries."""
    return (at.astimezone(UTC) if at.tzinfo else at).date().isoformat()


def scopes_of(doc: dict[str, Any]) -> list[str]:
    """The scopes a transaction is seen in: every reviewer's, its broker's, its group's."""
    return ["all", f"group:{doc['group_id']}"] + ([f"broker:{doc['broker_id']}"] if doc.get("broker_id") else [])


def day_counts(docs: list[dict[str, Any]]) -> list[Count]:
    """One day's transactions counted by type, status and creator."""
    counts: dict[tuple[str, str, str], int] = {}
    for d in docs:
        key = (d.get("type"), d.get("status"), d.get("created_by"))
        counts[key] = counts.get(key, 0) + 1
    return [[*key, n] for key, n in sorted(counts.items(), key=lambda kv: tuple(str(k) for k in kv[0]))]


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

    def takes_day(self, day: str) -> bool:
        return (self.date_from is None or day >= self.date_from.isoformat()) and (
            self.date_to is None or day <= self.date_to.isoformat()
        )


def _matches(count: Count, filters: dict[str, str], leave_out: str | None = None) -> bool:
    values = dict(zip(FACETS, count[:3], strict=True))
    return all(values[k] == v for k, v in filters.items() if k != leave_out)


@dataclass(frozen=True)
class Window:
    """The days that hold a page (``first`` to ``last``, newest first) and how
    many of the first day's matching transactions come before it."""

    first: str
    last: str
    skip: int

    def bounds(self) -> tuple[datetime, datetime]:
        """created_at from the start of the oldest day to the end of the newest."""
        low = datetime.combine(date.fromisoformat(self.last), time(), UTC)
        high = datetime.combine(date.fromisoformat(self.first), time(), UTC) + timedelta(days=1)
        return low, high


@dataclass(frozen=True)
class Plan:
    total: int
    facets: dict[str, dict[str, int]]
    window: Window | None  # None: the page is past the end


def plan(days: Days, query: HistoryQuery, page: int, page_size: int) -> Plan:
    """From a scope's daily counts: the total the filters find, the facets (each
    drop-down's values counted with the other filters applied, within the
    date range) and the days to read for this page."""
    filters = query.column_filters()
    facets: dict[str, dict[str, int]] = {f: {} for f in FACETS}
    per_day: list[tuple[str, int]] = []
    for day in sorted(days, reverse=True):
        if not query.takes_day(day):
            continue
        found = 0
        for count in days[day]:
            for i, facet in enumerate(FACETS):
                if count[i] is not None and _matches(count, filters, leave_out=facet):
                    facets[facet][count[i]] = facets[facet].get(count[i], 0) + count[3]
            if _matches(count, filters):
                found += count[3]
        if found:
            per_day.append((day, found))
    total = sum(n for _, n in per_day)
    return Plan(total, {f: dict(sorted(v.items())) for f, v in facets.items()}, _window(per_day, page, page_size))


def _window(per_day: list[tuple[str, int]], page: int, page_size: int) -> Window | None:
    start, end = (page - 1) * page_size, page * page_size
    seen, first, skip, last = 0, None, 0, None
    for day, n in per_day:
        if first is None and seen + n > start:
            first, skip = day, start - seen
        seen += n
        if first is not None:
            last = day
            if seen >= end:
                break
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
    with each drop-down's counts under the other filters: what the daily counts give for a scope."""
    filters = query.column_filters()

    def in_range(doc: dict[str, Any]) -> bool:
        created = doc.get("created_at")
        return created is not None and query.takes_day(created.date().isoformat())

    dated = [d for d in docs if in_range(d)]

    def keeps(doc: dict[str, Any], leave_out: str | None = None) -> bool:
        return all(doc.get(k) == v for k, v in filters.items() if k != leave_out)

    facets = {
        facet: dict(sorted(Counter(d.get(facet) for d in dated if keeps(d, facet) and d.get(facet)).items()))
        for facet in FACETS
    }
    kept = sorted((d for d in dated if keeps(d)), key=lambda d: (d["created_at"], d["_id"]), reverse=True)
    start = (page - 1) * page_size
    return kept[start : start + page_size], len(kept), facets
