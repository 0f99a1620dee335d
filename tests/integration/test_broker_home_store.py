"""The renewals, book of business and transaction history on the real
MongoDB-protocol server: the same answers as the in-memory read models for
the same events, and every query on an index that leads with the tenant."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from services.dashboard import use_cases
from services.dashboard.adapters import MongoReadModels
from services.dashboard.book import BookQuery, Scope
from services.dashboard.history import HistoryQuery, Window
from services.dashboard.tests.fakes import InMemoryReadModels, SentMessages
from services.dashboard.tests.test_broker_home import TODAY, registered, transaction
from services.dashboard.use_cases import Deps
from shared.contracts.applications import ApplicationSubmitted
from shared.mongo import make_client
from tests.messages import MEMBER, lifecycle, member_enrolled

pytestmark = pytest.mark.integration

SUBMITTED = lifecycle(ApplicationSubmitted, 4, 2, confirmation_id="ME-ABCD-EF12", member=MEMBER)
SCOPES = (Scope("broker", "broker1"), Scope("broker", "broker2"), Scope("group", "230003"), Scope("all"))


@pytest.fixture
async def stores(infra, prefix):
    client = make_client(infra.mongodb_uri)
    name = f"{prefix}dashboard_home".replace(".", "_")
    models = await MongoReadModels.open(client[name])
    yield (
        Deps(models=models, outlet=SentMessages(), today=lambda: TODAY),
        Deps(models=InMemoryReadModels(), outlet=SentMessages(), today=lambda: TODAY),
    )
    await client.drop_database(name)
    await client.close()


def book_events():
    regions = ("CA", "HI", "CO", "GA", "MAS", "NW", "WA")
    return [
        registered(
            f"2300{i:02d}",
            f"{('Golden Gate', 'Aloha', 'Aspen', 'Peachtree')[i % 4]} {('Bakery', 'Florist', 'Plumbing')[i % 3]} {i}",
            date(2026, 11, 1) + timedelta(days=9 * i),
            acquired_days_ago=(30, 89, 90, 400)[i % 4],
            broker_id=f"broker{1 + i % 2}",
            region=regions[i % 7],
            size=(5, 30, 75, 140, None)[i % 5],
        )
        for i in range(1, 41)
    ]


def history_events():
    start = datetime(2026, 8, 1, 8, tzinfo=UTC)
    kinds = ("Quote", "Group Enrollment", "Renewal")
    statuses = ("Open", "Pending KP Review", "Action Required", "Completed")
    return [
        transaction(
            f"QT-{i:04d}",
            start + timedelta(hours=11 * i),
            kinds[i % 3],
            statuses[i % 4],
            group_id=f"2300{1 + i % 40:02d}",
            broker_id=f"broker{1 + (1 + i % 40) % 2}",
            by=("broker1", "broker2", "admin1")[i % 3],
        )
        for i in range(240)
    ]


async def feed(deps: Deps) -> None:
    await use_cases.project_groups(deps, book_events())
    moved = book_events()[2].model_copy(update={"broker_id": "broker1", "name": "Moved Bakery 3"})  # from broker 2
    await use_cases.project_groups(deps, [moved])
    await use_cases.project_members(deps, [member_enrolled(f"22345{i:04d}", "k", f"M{i}", "230003") for i in range(4)])
    events = history_events()
    for at in range(0, len(events), 70):  # in batches, as the subscriber gets them
        await use_cases.project_transactions(deps, events[at : at + 70])
    await use_cases.project_lifecycle(deps, [SUBMITTED])


async def test_the_real_store_answers_as_the_in_memory_one(stores):
    real, fake = stores
    for deps in stores:
        await feed(deps)

    asked = [
        (use_cases.renewals, ()),
        (use_cases.renewal_month, ("2026-12", 1, 3)),
        (use_cases.renewal_month, ("2027-04", 1, 25)),
        (use_cases.book_of_business, (BookQuery(), 2, 7)),
        (use_cases.book_of_business, (BookQuery(q="aloha", sort="-renewal_date"), 1, 25)),
        (use_cases.book_of_business, (BookQuery(region="CA", status="Active", segment="small_business"), 1, 25)),
        (use_cases.book_of_business, (BookQuery(size="100+", sort="-enrolled_count"), 1, 25)),
        (use_cases.transaction_history, (HistoryQuery(), 1, 25)),
        (use_cases.transaction_history, (HistoryQuery(), 4, 13)),
        (use_cases.transaction_history, (HistoryQuery(type="Renewal", status="Completed"), 2, 5)),
        (use_cases.transaction_history, (HistoryQuery(created_by="admin1", date_from=date(2026, 9, 1)), 1, 25)),
        (use_cases.transaction_history, (HistoryQuery(group_id="230003"), 1, 25)),
        (use_cases.recent_transactions, ()),
    ]
    for scope in SCOPES:
        for query, args in asked:
            expected = to_the_millisecond(await query(fake, scope, *args))
            assert to_the_millisecond(await query(real, scope, *args)) == expected, (query.__name__, scope, args)
    book = await use_cases.book_of_business(real, SCOPES[0], BookQuery(q="moved"), 1, 25)
    assert [(g["group_id"], g["broker_id"], g["enrolled_count"]) for g in book["items"]] == [("230003", "broker1", 4)]
    assert not (await use_cases.book_of_business(real, SCOPES[1], BookQuery(q="230003"), 1, 25))["items"]
    mine = await use_cases.transaction_history(real, SCOPES[0], HistoryQuery(), 1, 250)
    assert mine["total"] == 120 and len(mine["items"]) == 120  # the even groups' (the submission is broker 2's)
    stamps = [(t["created_at"], t["transaction_id"]) for t in mine["items"]]
    assert stamps == sorted(stamps, reverse=True)


def to_the_millisecond(answer: dict) -> dict:
    """The answer with its times as the database keeps them (to the millisecond)."""
    for item in answer.get("items", []):
        if isinstance(item.get("created_at"), datetime):
            at = item["created_at"]
            item["created_at"] = at.replace(microsecond=at.microsecond // 1000 * 1000)
    return answer


def ixscan(plan: dict) -> dict:
    """The index scan under a winning plan."""
    stage = plan["queryPlanner"]["winningPlan"]
    while stage.get("stage") != "IXSCAN":
        stage = stage["inputStage"]
    return stage


async def test_every_query_reads_an_index_that_leads_with_the_tenant(stores, capsys):
    real, _ = stores
    await feed(real)
    models: MongoReadModels = real.models  # type: ignore[assignment]
    window = Window("2026-10-02", "2026-09-28", 0)
    broker1, group3, everyone = Scope("broker", "broker1"), Scope("group", "230003"), Scope("all")
    plans = {
        "book summary of broker1 (renewals, book, facets)": (models.book_summaries.find({"_id": "broker1"}), "_id"),
        "book version of broker1 (read on every request)": (
            models.versions.find({"_id": "book:broker:broker1"}),
            "_id",
        ),
        "history summaries of broker1 (totals, facets, windows)": (
            models.months.find({"scope": broker1.key}),
            "scope",
        ),
        "history page of broker1 (a window of days)": (models.window_cursor(broker1, window), "broker_id"),
        "history page of broker1, Quote + Completed (one read)": (
            models.window_cursors(broker1, HistoryQuery(type="Quote", status="Completed"), window)[0],
            "broker_id",
        ),
        "history page of every group, Quote (one read per status)": (
            models.window_cursors(everyone, HistoryQuery(type="Quote"), window)[-1],
            "type",
        ),
        "history page of group 230003": (models.window_cursor(group3, window), "group_id"),
        "history page of every group (reviewer)": (models.window_cursor(everyone, window), "day"),
        "a group's own (a broker's history searched by group)": (models.group_cursor("230003"), "group_id"),
    }
    for name, (cursor, leading) in plans.items():
        plan = await cursor.explain()
        with capsys.disabled():
            print(f"\n{name}: {json.dumps(plan['queryPlanner']['winningPlan'], default=str)}")
        scan = ixscan(plan)
        assert next(iter(scan["keyPattern"])) == leading, name
        if "Quote" in name:  # the (type, status) equalities are on the index, not filtered after
            assert {"type", "status"} <= set(scan["keyPattern"]), name


async def test_a_submission_before_its_group_is_adopted_on_the_real_server(stores):
    """The replay order in which a Mass Enrollment submission comes before its group: once the group
    arrives the broker sees it, on the real server as in the in-memory store."""
    for deps in stores:
        await use_cases.project_lifecycle(deps, [SUBMITTED])
        assert (await use_cases.transaction_history(deps, SCOPES[0], HistoryQuery(), 1, 25))["total"] == 0
        if deps is stores[0]:  # noted apart on the real server, so the group's arrival finds it without a scan
            assert await deps.models.orphans.count_documents({}) == 1
        await use_cases.project_groups(deps, [registered(SUBMITTED.group_id, "Late Arrival Co", date(2027, 1, 1))])
        mine = await use_cases.transaction_history(deps, SCOPES[0], HistoryQuery(), 1, 25)
        assert [(t["transaction_id"], t["group_name"]) for t in mine["items"]] == [("ME-ABCD-EF12", "Late Arrival Co")]
        assert mine["total"] == 1
        if deps is stores[0]:
            assert await deps.models.orphans.count_documents({}) == 0


async def test_counts_stay_exact_with_two_writers_at_once_and_a_redelivery(stores):
    """Two subscribers write the same months at once (their multi-document transactions conflict and
    the driver retries); a batch delivered again changes nothing; on the real server as in memory."""
    events = history_events()
    real, fake = stores
    for deps in stores:
        await use_cases.project_groups(deps, book_events())
    await asyncio.gather(
        use_cases.project_transactions(real, events[0::2]),
        use_cases.project_transactions(real, events[1::2]),
        use_cases.project_lifecycle(real, [SUBMITTED]),
    )
    await use_cases.project_transactions(real, events[100:180])  # redelivered
    completed = [e.model_copy(update={"status": "Completed", "revision": 2}) for e in events[:30]]
    await use_cases.project_transactions(real, completed)
    for deps in (fake,):
        await use_cases.project_transactions(deps, events)
        await use_cases.project_lifecycle(deps, [SUBMITTED])
        await use_cases.project_transactions(deps, completed)
    for scope in SCOPES:
        for query in (HistoryQuery(), HistoryQuery(status="Completed"), HistoryQuery(type="Quote")):
            expected = to_the_millisecond(await use_cases.transaction_history(fake, scope, query, 2, 10))
            got = to_the_millisecond(await use_cases.transaction_history(real, scope, query, 2, 10))
            assert got == expected, (scope, query)
    everyone = await use_cases.transaction_history(real, Scope("all"), HistoryQuery(), 1, 1)
    assert everyone["total"] == 241 and everyone["facets"]["status"]["Completed"] == 60 + 30 - 7


async def test_a_book_read_again_after_a_change_shows_the_change(stores):
    """The broker's book is kept in the service between requests: a change of it (an enrolled count,
    a group moving to another broker) is seen by the next request all the same."""
    real, _ = stores
    await use_cases.project_groups(real, book_events())
    before = await use_cases.book_of_business(real, SCOPES[0], BookQuery(q="230004"), 1, 25)
    assert [g["enrolled_count"] for g in before["items"]] == [0]
    await use_cases.project_members(real, [member_enrolled(f"32345{i:04d}", "k", f"M{i}", "230004") for i in range(3)])
    after = await use_cases.book_of_business(real, SCOPES[0], BookQuery(q="230004"), 1, 25)
    assert [g["enrolled_count"] for g in after["items"]] == [3]
    moved = book_events()[3].model_copy(update={"broker_id": "broker2"})
    await use_cases.project_groups(real, [moved])
    assert not (await use_cases.book_of_business(real, SCOPES[0], BookQuery(q="230004"), 1, 25))["items"]
    assert (await use_cases.book_of_business(real, SCOPES[1], BookQuery(q="230004"), 1, 25))["total"] == 1


async def test_a_history_read_again_after_a_write_shows_it(stores):
    """The scope's monthly summaries are kept between requests: a transaction recorded after a read
    is counted and listed by the next read all the same."""
    real, _ = stores
    await use_cases.project_groups(real, book_events())
    events = history_events()
    await use_cases.project_transactions(real, events[:10])
    first = await use_cases.transaction_history(real, Scope("all"), HistoryQuery(), 1, 25)
    await use_cases.project_transactions(real, events[10:12])
    again = await use_cases.transaction_history(real, Scope("all"), HistoryQuery(), 1, 25)
    assert (first["total"], again["total"]) == (10, 12)
    assert {t["transaction_id"] for t in again["items"]} >= {e.transaction_id for e in events[10:12]}


async def test_the_home_kept_between_requests_follows_every_change(stores):
    """The home's answer is kept until the scope's book or history changes: a change of a
    transaction's instructions alone (no count moves) and a group's new enrolled count are both
    seen by the next home."""
    real, _ = stores
    await use_cases.project_groups(real, book_events())
    noon = datetime(2026, 11, 24, 12, tzinfo=UTC)
    await use_cases.project_transactions(real, [transaction("QT-0001", noon, "Quote", "Action Required")])
    first = await use_cases.home(real, SCOPES[0])
    assert first["recent"]["items"][0]["instructions"] is None
    again = transaction("QT-0001", noon, "Quote", "Action Required", revision=2, instructions="Call Maria.")
    await use_cases.project_transactions(real, [again])
    assert (await use_cases.home(real, SCOPES[0]))["recent"]["items"][0]["instructions"] == "Call Maria."
    months = (await use_cases.home(real, SCOPES[0]))["renewals"]["months"]
    counts = {g["group_id"]: g["enrolled_count"] for m in months for g in m["groups"]}
    group_id = next(iter(counts))
    await use_cases.project_members(real, [member_enrolled(f"42345{i:04d}", "k", f"M{i}", group_id) for i in range(2)])
    months = (await use_cases.home(real, SCOPES[0]))["renewals"]["months"]
    assert {g["group_id"]: g["enrolled_count"] for m in months for g in m["groups"]}[group_id] == counts[group_id] + 2
