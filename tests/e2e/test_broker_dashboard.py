"""The broker's home through the gateway on the whole stack: the demo data's
renewals, book of business and transaction history give known answers; and
the read models are built from events only: a new dashboard with a new
database and a new consumer group, reading the topics from their start, gives
the same answers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from deploy.local.demo import DEMO_TRANSACTIONS, demo_book, demo_transactions
from services.dashboard.app import create_app
from services.dashboard.settings import DashboardSettings
from tests.integration.conftest import running
from tests.support import eventually

pytestmark = pytest.mark.e2e


def today():
    return datetime.now(UTC).date()


def books():
    groups, _ = demo_book(today(), "unused: members are not needed here")
    return groups


def listed_in_renewals(group) -> bool:
    return (today() - group.acquired_on).days >= 90


async def test_renewals_list_six_months_without_groups_acquired_within_90_days(sign_in):
    broker1 = await sign_in("broker1")
    answer = (await broker1.get("/api/v1/dashboard/renewals")).json()
    months = [m["month"] for m in answer["months"]]
    assert len(months) == 6 and months[0] == today().isoformat()[:7] and months == sorted(months)
    mine = [g for g in books() if g.broker_id == "broker1"]
    for month in answer["months"]:
        expected = sorted(
            (g for g in mine if g.renewal_date.isoformat()[:7] == month["month"] and listed_in_renewals(g)),
            key=lambda g: (g.renewal_date, g.name.casefold(), g.group_id),
        )
        assert month["total"] == len(expected) > 0, month
        assert [g["group_id"] for g in month["groups"]] == [g.group_id for g in expected[:4]]
    new = [g.group_id for g in mine if not listed_in_renewals(g)]
    assert new and not {g["group_id"] for m in answer["months"] for g in m["groups"]} & set(new)

    # View More: the whole month, paged; a group acquired within 90 days is still in the book.
    busiest = max(answer["months"], key=lambda m: m["total"])
    pages = [
        (await broker1.get(f"/api/v1/dashboard/renewals/{busiest['month']}", params={"page": p, "page_size": 2})).json()
        for p in (1, 2, 3)
    ]
    seen = [g["group_id"] for page in pages for g in page["items"]]
    assert len(seen) == len(set(seen)) == min(busiest["total"], 6)
    found = (await broker1.get("/api/v1/book", params={"q": new[0]})).json()
    assert [(g["group_id"], g["status"]) for g in found["items"]] == [(new[0], "New")]


async def test_a_filtered_sorted_book_page_and_its_counts(sign_in):
    broker1 = await sign_in("broker1")
    mine = [g for g in books() if g.broker_id == "broker1"]
    california = sorted(
        (g for g in mine if g.region == "CA"),
        key=lambda g: (g.renewal_date, g.name.casefold(), g.group_id),
        reverse=True,
    )
    page = (
        await broker1.get("/api/v1/book", params={"region": "CA", "sort": "-renewal_date", "page": 2, "page_size": 3})
    ).json()
    assert page["total"] == len(california)
    assert [g["group_id"] for g in page["items"]] == [g.group_id for g in california[3:6]]
    assert page["facets"]["region"]["CA"] == len(california) and sum(page["facets"]["region"].values()) == len(mine)
    assert set(page["items"][0]) == {
        "group_id",
        "name",
        "region",
        "renewal_date",
        "enrolled_count",
        "status",
        "size",
        "broker_id",
    }
    small = (await broker1.get("/api/v1/book", params={"segment": "small_business", "page_size": 100})).json()
    assert small["total"] == len([g for g in mine if g.size < 100]) < len(mine)
    big = (await broker1.get("/api/v1/book", params={"size": "100+"})).json()
    assert {g["group_id"] for g in big["items"]} == {g.group_id for g in mine if g.size >= 100}
    # An administrator's book is their group; a reviewer's, every group.
    admin1 = await sign_in("admin1")
    assert [g["group_id"] for g in (await admin1.get("/api/v1/book")).json()["items"]] == ["230001"]
    reviewer = await sign_in("reviewer1")
    assert (await reviewer.get("/api/v1/book", params={"page_size": 1})).json()["total"] == len(books())


async def history(client, **params) -> dict:
    answer = await client.get("/api/v1/transactions", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_filtered_history_page_newest_first_for_the_callers_groups_only(sign_in):
    broker1 = await sign_in("broker1")
    seeded = [t for t in demo_transactions(today(), books()) if t.broker_id == "broker1"]
    renewals = [
        t.transaction_id
        for t in sorted(seeded, key=lambda t: t.created_at, reverse=True)
        if t.transaction_type == "Renewal"
    ]
    # The seeded transactions may come after the groups. Other tests may have added broker1's own
    # (quotes, renewals): the seeded ones are compared, in the order the history gives them.
    ids = {t.transaction_id for t in seeded}

    async def all_renewals() -> dict | None:
        found = await history(broker1, type="Renewal", page_size=100)
        return found if sum(t["transaction_id"] in ids for t in found["items"]) == len(renewals) else None

    found = await eventually(all_renewals, timeout=60)
    assert [t["transaction_id"] for t in found["items"] if t["transaction_id"] in ids] == renewals
    assert set(found["facets"]) == {"type", "status", "created_by"}
    assert found["facets"]["type"]["Quote"] >= len([t for t in seeded if t.transaction_type == "Quote"])

    action = await history(broker1, status="Action Required", page_size=100)
    mine = [t for t in action["items"] if t["transaction_id"] in ids]
    assert len(mine) == len([s for s in DEMO_TRANSACTIONS if s[1] == "Action Required"])
    assert all("Contact:" in t["instructions"] for t in action["items"])
    completed = await history(broker1, status="Completed", page_size=2, page=2)
    assert completed["total"] >= 4 and len(completed["items"]) == 2
    assert {t["type"] for t in (await history(broker1, status="Completed"))["items"]} >= {"Mass Enrollment", "Quote"}

    # Another broker's group finds nothing; the administrator sees their group's; the reviewer may ask for any.
    theirs = next(t for t in demo_transactions(today(), books()) if t.broker_id == "broker2")
    assert (await history(broker1, group_id=theirs.group_id))["items"] == []
    admin2 = await sign_in("admin2")
    assert {t["group_id"] for t in (await history(admin2))["items"]} == {"230002"}
    reviewer = await sign_in("reviewer1")
    assert theirs.transaction_id in [
        t["transaction_id"] for t in (await history(reviewer, group_id=theirs.group_id))["items"]
    ]
    recent = (await broker1.get("/api/v1/dashboard/recent-transactions")).json()["items"]
    stamps = [t["created_at"] for t in recent]
    assert len(recent) == 10 and stamps == sorted(stamps, reverse=True)


async def test_a_replay_from_the_topics_rebuilds_the_same_answers(ready_stack, infra, sign_in):
    """A dashboard with an empty database and a consumer group of its own reads
    every topic from its start and answers as the running one does."""
    replay = f"replay_{uuid.uuid4().hex[:8]}"
    settings = DashboardSettings(
        app_env="test",
        kafka_bootstrap_servers=infra.kafka_bootstrap,
        mongodb_uri=infra.mongodb_uri,
        topic_prefix="e2e.",
        database=f"dashboard_{replay}",
        consumer_group=f"dashboard-{replay}",
    )
    broker1 = await sign_in("broker1")
    asked = [
        ("/api/v1/dashboard/renewals", "renewals", {}),
        ("/api/v1/book", "book", {"region": "CA", "sort": "-renewal_date", "page_size": 50}),
        ("/api/v1/transactions", "transactions", {"type": "Renewal"}),
    ]
    async with running(create_app(settings)) as dashboard:

        async def same() -> bool:
            for path, service_path, params in asked:
                live = (await broker1.get(path, params=params)).json()
                rebuilt = await dashboard.get(f"/{service_path}", params={"scope": "broker:broker1", **params})
                if rebuilt.status_code != 200 or rebuilt.json() != live:
                    return False
            return True

        assert await eventually(same, timeout=90, interval=1)
    from shared.mongo import make_client

    client = make_client(infra.mongodb_uri)
    await client.drop_database(settings.database)
    await client.close()
