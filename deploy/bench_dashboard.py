"""The broker dashboard at scale (part of ``make bench``): a book of 10,000 groups over
nine brokers (broker1 holds 2,000) and 200,000 transactions, published as the group
system of record and the transactions service publish them, projected by the dashboard
from the topics like any other event; then p50 / p95 through the gateway, signed in as
broker1, with 8 concurrent readers, of:

- the dashboard home (Review Your Renewals and the recent transactions: GET /api/v1/dashboard),
- a renewals month (View More, page 2),
- a filtered and sorted book-of-business page (region CA, status Active, renewal date
  descending, page 3),
- a filtered history page (Quote, Completed, page 3).

Target: p95 ≤ 100 ms each. BENCH_GROUPS / BENCH_TRANSACTIONS change the sizes.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import httpx
from faststream.kafka import KafkaBroker

from shared.contracts.reference import GroupRegistered, Subgroup
from shared.contracts.topics import Topics
from shared.contracts.transactions import TRANSACTION_STATUSES, TransactionRecorded
from shared.kafka import PRODUCER_BATCH_BYTES

REGIONS = ("CA", "HI", "CO", "GA", "MAS", "NW", "WA")
TYPES = ("Quote", "Group Enrollment", "Renewal")
PREFIX = {"Quote": "QT", "Group Enrollment": "EN", "Renewal": "RN"}
BIG_BROKER, BIG_BOOK = "broker1", 2_000
READERS, ROUNDS = 8, 25
CHUNK = 500  # messages per publish_batch (~200 KB: inside the producer's 1 MB batch)


def _code(text: str) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest().upper()
    return f"{digest[:4]}-{digest[4:8]}"


def book(groups: int, today: date) -> list[GroupRegistered]:
    rng = random.Random(10_000)
    out = []
    for i in range(groups):
        broker = BIG_BROKER if i < BIG_BOOK else f"bench-broker-{2 + i % 8}"
        group_id = str(9_000_000 + i)
        out.append(
            GroupRegistered(
                event_id=f"bench:group:{group_id}",
                correlation_id="bench-dashboard",
                group_id=group_id,
                name=f"Bench {rng.choice(('Bakery', 'Clinic', 'Studio', 'Garage', 'Books', 'Cafe'))} {i:05d}",
                region=REGIONS[i % len(REGIONS)],
                broker_id=broker,
                subgroups=[Subgroup(subgroup_id="0001", name="All employees")],
                renewal_date=date(today.year, today.month, 1) + timedelta(days=rng.randint(0, 360)),
                acquired_on=today - timedelta(days=rng.randint(1, 2_000)),
                size=rng.randint(2, 180),
            )
        )
    return out


def transactions(groups: list[GroupRegistered], count: int, now: datetime) -> list[TransactionRecorded]:
    rng = random.Random(200_000)
    out = []
    for n in range(count):
        group = groups[rng.randrange(len(groups))]
        kind, status = rng.choice(TYPES), rng.choice(TRANSACTION_STATUSES)
        out.append(
            TransactionRecorded(
                event_id=f"bench:transaction:{n}",
                correlation_id="bench-dashboard",
                transaction_id=f"{PREFIX[kind]}-{_code(f'bench-{n}')}",
                transaction_type=kind,
                group_id=group.group_id,
                group_name=group.name,
                broker_id=group.broker_id,
                created_at=now - timedelta(seconds=rng.randint(0, 365 * 86_400)),
                created_by=group.broker_id,
                status=status,
                instructions="Send the signed application. Contact: KP Broker Services, 1-800-555-0134"
                if status == "Action Required"
                else None,
                revision=1,
            )
        )
    return out


async def publish(bootstrap: str, prefix: str, groups: list, recorded: list) -> float:
    topics = Topics(prefix)
    broker = KafkaBroker(bootstrap, acks="all", max_batch_size=PRODUCER_BATCH_BYTES)
    await broker.connect()
    started = time.monotonic()
    try:
        for messages, topic in ((groups, topics.group_registered), (recorded, topics.transaction_recorded)):
            for start in range(0, len(messages), CHUNK):
                chunk = messages[start : start + CHUNK]
                # One group per chunk key is not needed: ordering only matters per transaction (one event each).
                await broker.publish_batch(*chunk, topic=topic)
    finally:
        await broker.stop()
    return time.monotonic() - started


async def projected(client: httpx.AsyncClient, groups: int, recorded: int, timeout: float) -> float:
    """Waits until broker1's book and history hold what was published; how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        book_total = (await client.get("/api/v1/book", params={"page_size": 1})).json().get("total", 0)
        history_total = (await client.get("/api/v1/transactions", params={"page_size": 1})).json().get("total", 0)
        if book_total >= groups and history_total >= recorded:
            return time.monotonic() - started
        await asyncio.sleep(2)
    raise RuntimeError(
        f"the dashboard had not projected the bench book within {timeout:.0f} s "
        f"(book {book_total} of {groups}, history {history_total} of {recorded}): the run is void"
    )


async def measure(
    gateway: str,
    groups: int = 10_000,
    count: int = 200_000,
    bootstrap: str = "",
    prefix: str = "",
    mongo_uri: str = "",
    database: str = "dashboard",
) -> dict:
    today = date.today()
    book_ = book(groups, today)
    recorded = transactions(book_, count, datetime.now(UTC))
    mine_groups = sum(1 for g in book_ if g.broker_id == BIG_BROKER)
    mine_recorded = sum(1 for t in recorded if t.broker_id == BIG_BROKER)
    limits = httpx.Limits(max_connections=READERS + 4)
    async with httpx.AsyncClient(base_url=gateway, timeout=60, limits=limits) as client:
        signed = await client.post("/api/v1/session", json={"username": BIG_BROKER, "password": "demo-password"})
        signed.raise_for_status()
        before_groups = (await client.get("/api/v1/book", params={"page_size": 1})).json()["total"]
        before_recorded = (await client.get("/api/v1/transactions", params={"page_size": 1})).json()["total"]
        published_in = await publish(bootstrap, prefix, book_, recorded)
        projected_in = await projected(
            client,
            before_groups + mine_groups,
            before_recorded + mine_recorded,
            timeout=float(os.environ.get("BENCH_PROJECTION_TIMEOUT", "1800")),
        )
        month = (date(today.year, today.month, 1) + timedelta(days=32)).strftime("%Y-%m")
        queries = {
            "dashboard home": [("/api/v1/dashboard", {})],
            "renewals month (View More)": [(f"/api/v1/dashboard/renewals/{month}", {"page": 2, "page_size": 25})],
            "book of business, filtered and sorted": [
                ("/api/v1/book", {"region": "CA", "status": "Active", "sort": "-renewal_date", "page": 3})
            ],
            "history, filtered": [("/api/v1/transactions", {"type": "Quote", "status": "Completed", "page": 3})],
        }
        timings: dict[str, list[float]] = {name: [] for name in queries}

        async def reader() -> None:
            for _ in range(ROUNDS):
                for name, calls in queries.items():
                    started = time.monotonic()
                    answers = await asyncio.gather(*(client.get(path, params=params) for path, params in calls))
                    for answer in answers:
                        answer.raise_for_status()
                    timings[name].append(time.monotonic() - started)

        await asyncio.gather(*(reader() for _ in range(READERS)))
    plans = await query_plans(mongo_uri, database) if mongo_uri else []
    return {
        "plans": plans,
        "groups": groups,
        "transactions": count,
        "broker1_groups": mine_groups,
        "broker1_transactions": mine_recorded,
        "published_s": published_in,
        "projected_s": projected_in,
        "queries": {
            name: (statistics.median(t), statistics.quantiles(t, n=20)[18], len(t)) for name, t in timings.items()
        },
    }


async def query_plans(mongo_uri: str, database: str) -> list[tuple[str, str, int, int, int]]:
    """How the database answers each read of the measured pages, at the benchmark's size: the index,
    keys and documents examined, documents returned (SecantusDB's explain with execution stats)."""
    from services.dashboard import history
    from services.dashboard.adapters import MongoReadModels
    from services.dashboard.book import Scope
    from shared.mongo import make_client

    client = make_client(mongo_uri)
    try:
        models = MongoReadModels(client[database])
        broker = Scope("broker", BIG_BROKER)
        query = history.HistoryQuery(type="Quote", status="Completed")
        window = history.plan(await models.transaction_months(broker.key), query, 3, 25).window
        newest = history.plan(await models.transaction_months(broker.key), history.HistoryQuery(), 1, 10).window
        cursors = {
            "book version (every book, renewals request)": models.versions.find({"_id": f"book:broker:{BIG_BROKER}"}),
            "book summary (when the version moved)": models.book_summaries.find({"_id": BIG_BROKER}),
            "history month summaries (every history request)": models.months.find({"scope": broker.key}),
            "history page 3, Quote + Completed (its window of days)": models.window_cursors(broker, query, window)[0],
            "recent transactions (the newest days)": models.window_cursor(broker, newest),
        }
        found = []
        for name, cursor in cursors.items():
            plan = await cursor.explain()
            stage = plan["queryPlanner"]["winningPlan"]
            while stage.get("stage") not in ("IXSCAN", "COLLSCAN", None) and "inputStage" in stage:
                stage = stage["inputStage"]
            stats = plan.get("executionStats", {})
            index = stage.get("indexName") or stage.get("stage", "?")
            found.append(
                (
                    name,
                    index,
                    stats.get("totalKeysExamined", -1),
                    stats.get("totalDocsExamined", -1),
                    stats.get("nReturned", -1),
                )
            )
        return found
    finally:
        await client.close()


def report(result: dict) -> None:
    print(
        f"\nBroker dashboard at scale: {result['groups']:,} groups and {result['transactions']:,} transactions "
        f"(broker1: {result['broker1_groups']:,} groups, {result['broker1_transactions']:,} transactions); "
        f"published in {result['published_s']:.0f} s, projected {result['projected_s']:.0f} s after that"
    )
    print(f"through the gateway as broker1, {READERS} concurrent readers:")
    for name, (p50, p95, n) in result["queries"].items():
        verdict = "met" if p95 <= 0.1 else "NOT met"
        print(f"  {name:<40} p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  ({n} calls; p95 ≤ 100 ms: {verdict})")
    if result.get("plans"):
        print("query plans (index, keys examined, documents examined, returned):")
        for name, index, keys, docs, returned in result["plans"]:
            print(f"  {name:<56} {index:<22} keys {keys:>6}  docs {docs:>6}  returned {returned:>5}")
