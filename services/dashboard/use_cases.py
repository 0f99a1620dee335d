"""The dashboard's use cases: projections (what its subscribers call: events
into read models) and queries (what its HTTP routes call: read models only)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from cachetools import LRUCache

from shared.contracts.applications import (
    ApplicationLifecycleEvent,
    ApplicationRecorded,
    ApplicationSubmitted,
    LifecycleEvent,
    by_upload,
)
from shared.contracts.reference import GroupInformationUpdated, GroupRegistered, MemberEnrolled
from shared.contracts.transactions import TransactionRecorded
from shared.contracts.uploads import UploadAccepted
from shared.errors import must_exist
from shared.kafka import Outlet

from . import book, domain, group_page, history
from .adapters import ReadModelStore
from .book import BookQuery, Scope
from .history import HistoryQuery

log = logging.getLogger(__name__)


@dataclass
class Deps:
    """The read models: written by the projections, read by the queries (a
    fake in tests); the outlet for the uploads' progress notifications."""

    models: ReadModelStore | None = None
    outlet: Outlet | None = None
    # Today, for what depends on the date (a group's status, the renewal months): tests fix it.
    today: Callable[[], date] = lambda: datetime.now(UTC).date()
    # The business's time zone: the day a transaction is counted on and found by in the history.
    zone: tzinfo = UTC
    # Each scope's book as worked out for a day, kept while its summary is the same object (the
    # store hands out the same one until its version moves): (summary, day, book).
    books: LRUCache[str, tuple[Any, date, book.Book]] = field(default_factory=lambda: LRUCache(maxsize=500))


def business_today(zone: tzinfo) -> Callable[[], date]:
    """Today in the business's time zone (a setting): the renewal months and the 90-day rule turn
    over at its midnight, not at UTC's (late afternoon in California)."""
    return lambda: datetime.now(zone).date()


# --- projections ---------------------------------------------------------------


async def project_groups(deps: Deps, events: list[GroupRegistered]) -> None:
    """The book of business: each group's name, region, broker of record, subgroups and renewal."""
    await deps.models.set_groups([(e.group_id, domain.group_document(e)) for e in events])
    await deps.models.merge_group_details([(e.group_id, *group_page.registered(e)) for e in events])
    await deps.models.summarize_groups(sorted({e.group_id for e in events}))
    # A Mass Enrollment submission projected before its group (a replay runs both at once) had no
    # broker to be seen by: it takes the group's now, and is counted in its broker's history.
    await deps.models.adopt_transactions(await deps.models.groups_by_id(sorted({e.group_id for e in events})))


async def project_group_information(deps: Deps, events: list[GroupInformationUpdated]) -> None:
    """A group's own change of its contacts, mailing address, phone or e-mail
    (newer versions win), and a line of the audit trail."""
    await deps.models.merge_group_details([(e.group_id, *group_page.updated(e)) for e in events])
    await deps.models.add_audit([group_page.audit_entry(e) for e in events])


async def project_members(deps: Deps, events: list[MemberEnrolled]) -> None:
    """Enrolled members (names, relationship, subgroup and SSN last four) and each group's enrolled count."""
    await deps.models.set_members([(e.member_id, domain.member_document(e)) for e in events])
    await deps.models.summarize_counts(sorted({e.group_id for e in events}))


async def project_uploads(deps: Deps, events: list[UploadAccepted]) -> None:
    """A new upload: its group, file name and how many rows it has."""
    for event in events:
        await deps.models.set_upload(event.upload_id, domain.upload_document(event))
        log.info("upload %s of group %s: %d rows expected", event.upload_id, event.group_id, event.total_rows)
    await deps.models.add_audit([domain.audit_entry(e) for e in events])
    await _announce(deps, events)


async def project_recorded(deps: Deps, events: list[ApplicationRecorded]) -> None:
    """Verdicts fill an upload's Ready / Error / Rejected lists and its counts."""
    await _merge(deps, [(e.application_id, domain.upload_application_document(e)) for e in events], saved=False)
    await _announce(deps, events)


async def project_lifecycle(deps: Deps, events: list[LifecycleEvent]) -> None:
    """Edited, saved, deleted, expired and submitted applications change
    their lists and counts; submitted ones enter the transaction history."""
    changes = [e for e in events if isinstance(e, ApplicationLifecycleEvent)]  # an attachment changes no status
    await _merge(deps, [(e.application_id, domain.lifecycle_document(e)) for e in changes], saved=True)
    submitted = [e for e in events if isinstance(e, ApplicationSubmitted)]
    if submitted:
        groups = await deps.models.groups_by_id(sorted({e.group_id for e in submitted}))
        await deps.models.record_transactions(
            [(e.confirmation_id, history.submitted_document(e, groups.get(e.group_id), deps.zone)) for e in submitted]
        )
        # A group projected meanwhile (its subscriber runs beside this one) looked for orphans before
        # these were written: look for the group again now. Each side writes first and reads after,
        # so one of the two always sees the other.
        if missing := sorted({e.group_id for e in submitted if not (groups.get(e.group_id) or {}).get("broker_id")}):
            arrived = {g: doc for g, doc in (await deps.models.groups_by_id(missing)).items() if doc.get("broker_id")}
            if arrived:
                await deps.models.adopt_transactions(arrived)
    await deps.models.add_audit([domain.audit_entry(e) for e in events])
    await _announce(deps, changes)


async def project_transactions(deps: Deps, events: list[TransactionRecorded]) -> None:
    """Quotes, group enrollments and renewals enter the transaction history (a newer revision wins);
    each decision on them (started, submitted, approved, returned, continued, cancelled) the audit trail."""
    await deps.models.record_transactions([(e.transaction_id, history.recorded_document(e, deps.zone)) for e in events])
    await deps.models.add_audit([entry for e in events if (entry := history.audit_entry(e))])


async def _merge(deps: Deps, changes: list[tuple[str, dict[str, Any]]], saved: bool) -> None:
    """Each upload's rows changed in one write, then its counts (recounted,
    never incremented); lifecycle changes also move rows into or out of the
    saved-for-later list."""
    for upload_id, incoming in by_upload(changes).items():
        group_id = incoming[0][1]["group_id"]
        rows, version = await deps.models.merge_rows(upload_id, group_id, incoming)
        log.debug("upload %s: %d change(s), rows at version %d", upload_id, len(incoming), version)
        counts = domain.status_counts(rows) | {"replaced": domain.replaced_count(rows)}
        await deps.models.set_counts(upload_id, group_id, counts, version)
        if saved:
            await deps.models.keep_saved(*domain.saved_changes(rows, [a for a, _ in incoming]))


async def _announce(deps: Deps, events: list[UploadAccepted | ApplicationRecorded | ApplicationLifecycleEvent]) -> None:
    """One UploadProgressed for each upload these events concerned, with its
    counts as stored after the batch's writes (coalesced: one per upload, not
    per event).

    A notification: published right after the write, without an outbox. Should
    the service stop in between, the batch's offset is not committed, so the
    batch comes again and publishes it then; should it still be lost, readers
    re-read the upload's progress when they connect."""
    correlations = {e.upload_id: e.correlation_id for e in events}
    stored = [await deps.models.upload(upload_id) for upload_id in correlations]
    progressed = [domain.upload_progressed(doc, correlations[doc["_id"]]) for doc in stored if doc]
    try:
        await deps.outlet.send([p for p in progressed if p is not None])
    except Exception as exc:  # best effort: a notification topic in trouble never holds up the read models
        log.warning("upload progress not announced for %d upload(s): %s", len(progressed), type(exc).__name__)


# --- queries -------------------------------------------------------------------


async def groups(deps: Deps, broker_id: str | None, group_ids: list[str] | None) -> list[dict[str, Any]]:
    return [domain.group_view(d) for d in await deps.models.groups(broker_id, group_ids)]


async def group(deps: Deps, group_id: str) -> dict[str, Any]:
    found = must_exist(await deps.models.group(group_id), "group_not_found", f"Group {group_id} not found.")
    return domain.group_view(found) | group_page.view(await deps.models.group_details(group_id))


async def upload_progress(deps: Deps, upload_id: str) -> dict[str, Any]:
    found = must_exist(await deps.models.upload(upload_id), "upload_not_found", f"Upload {upload_id} not found.")
    return domain.upload_progress(found)


async def group_uploads(deps: Deps, group_id: str, page: int, page_size: int) -> dict[str, Any]:
    """A group's uploads, newest first, with their counts and who uploaded them."""
    items, total = await deps.models.uploads_page(group_id, page, page_size)
    return domain.paged([domain.upload_line(d) for d in items], total, page, page_size)


async def members(deps: Deps, group_id: str, q: str | None, page: int, page_size: int) -> dict[str, Any]:
    """A group's enrolled members by last name, then first name (masked: SSN
    last four only); ``q`` finds them by name or by an SSN's last four digits."""
    items, total = await deps.models.members_page(group_id, domain.member_search(q), page, page_size)
    subgroups = domain.subgroup_names(await deps.models.group(group_id))
    return domain.paged([domain.member_view(d, subgroups) for d in items], total, page, page_size)


async def upload_tab(deps: Deps, upload_id: str, status: str | None, page: int, page_size: int) -> dict[str, Any]:
    return domain.upload_tab(await deps.models.upload_rows(upload_id), status, page, page_size)


async def application(deps: Deps, application_id: str) -> dict[str, Any]:
    found = await deps.models.application(application_id)
    return domain.application_row(
        must_exist(found, "application_not_found", f"Application {application_id} not found.")
    )


async def saved(deps: Deps, group_id: str, page: int, page_size: int) -> dict[str, Any]:
    items, total = await deps.models.saved_page(group_id, page, page_size)
    return domain.paged([domain.application_row(d) for d in items], total, page, page_size)


async def audit(deps: Deps, group_id: str | None, page: int, page_size: int) -> dict[str, Any]:
    """The audit trail, newest first: of one group, or of all."""
    items, total = await deps.models.audit_page(group_id, page, page_size)
    return domain.paged([domain.audit_view(d) for d in items], total, page, page_size)


async def transactions(deps: Deps, group_id: str, page: int, page_size: int) -> dict[str, Any]:
    items, total = await deps.models.transactions_page(group_id, page, page_size)
    return domain.paged([domain.transaction_view(d) for d in items], total, page, page_size)


async def _book(deps: Deps, scope: Scope, today: date) -> book.Book:
    """The scope's book for today, worked out once per version of its summary and day."""
    entries = await deps.models.book_entries(scope)
    held = deps.books.get(scope.key)
    if held is not None and held[0] is entries and held[1] == today:
        return held[2]
    found = book.book_of(entries, today)
    deps.books[scope.key] = (entries, today, found)
    return found


async def renewals(deps: Deps, scope: Scope) -> dict[str, Any]:
    """Review Your Renewals: the scope's groups renewing in each of six months from this one."""
    return book.renewals(await _book(deps, scope, deps.today()))


async def renewal_month(deps: Deps, scope: Scope, month: str, page: int, page_size: int) -> dict[str, Any]:
    """View More: one of those months' renewing groups, a page at a time."""
    today = deps.today()
    return book.renewal_month(await _book(deps, scope, today), month, today, page, page_size)


async def book_of_business(deps: Deps, scope: Scope, query: BookQuery, page: int, page_size: int) -> dict[str, Any]:
    """The scope's book: searched, filtered, sorted, a page at a time, with the filters' counts."""
    return book.book_page(await _book(deps, scope, deps.today()), query, page, page_size)


async def transaction_history(
    deps: Deps, scope: Scope, query: HistoryQuery, page: int, page_size: int
) -> dict[str, Any]:
    """The scope's transaction history, newest first, filtered; total and facets from its monthly counts."""
    summary = scope
    if query.group_id:
        group = (await deps.models.groups_by_id([query.group_id])).get(query.group_id)
        if not history.scope_sees_group(scope, group):  # another tenant's group: nothing, as for an unknown one
            return domain.paged([], 0, page, page_size) | {"facets": {f: {} for f in history.FACETS}}
        if scope.kind == "broker":
            # A broker sees the group's transactions of their own only (the group may have had
            # another broker before): read those few and filter them here; the group's counts
            # hold every broker's.
            docs = await deps.models.group_transactions(query.group_id, scope.id)
            found_items, total, facets = history.filter_in_memory(docs, query, page, page_size)
            return domain.paged([history.history_item(d) for d in found_items], total, page, page_size) | {
                "facets": facets
            }
        summary = Scope("group", query.group_id)
    found = history.plan(await deps.models.transaction_months(summary.key), query, page, page_size)
    items = []
    if found.window is not None:
        items = await deps.models.transactions_window(summary, query, found.window, page_size)
    return domain.paged([history.history_item(d) for d in items], found.total, page, page_size) | {
        "facets": found.facets
    }


async def recent_transactions(deps: Deps, scope: Scope) -> dict[str, Any]:
    """The home page's ten newest transactions."""
    found = await transaction_history(deps, scope, HistoryQuery(), 1, 10)
    return {"items": found["items"]}


async def home(deps: Deps, scope: Scope) -> dict[str, Any]:
    """The home page's two lists in one answer (one request instead of two for every home), kept
    until the scope's book or history changes or the day turns (opened on every visit to Home)."""

    async def make() -> dict[str, Any]:
        return {"renewals": await renewals(deps, scope), "recent": await recent_transactions(deps, scope)}

    return await deps.models.kept("home", scope, deps.today(), make)
