"""The transactions service's use cases on FastStream's in-memory broker and the
in-memory store: the review loop, each change announced once as
TransactionRecorded through the outbox, refusals that change nothing, the
review queue and the quote."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest
from faststream.kafka import TestKafkaBroker
from pydantic import ValidationError

from services.transactions import subscribers, use_cases
from services.transactions.api import QuoteIn
from services.transactions.settings import TransactionsSettings
from services.transactions.tests.fakes import InMemoryTransactionStore
from services.transactions.use_cases import Deps
from shared.contracts.envelope import Actor
from shared.contracts.transactions import TransactionRecorded
from shared.errors import Conflict, Invalid, NotFound
from shared.outbox import Relay
from tests.support import collect, service_broker

BROKER1 = Actor(user_id="broker1", role="broker")
BROKER2 = Actor(user_id="broker2", role="broker")
REVIEWER = Actor(user_id="reviewer1", role="kp_reviewer")
QUOTE_STEPS = {
    "census": {"zip": "94110", "members": [{"date_of_birth": "1980-05-01"}]},
    "plans": {"plan_ids": ["CA-GLD-80"]},
    "coverage": {"effective_date": "2027-01-01"},
}


@pytest.fixture
async def service():
    store = InMemoryTransactionStore()
    clock = [datetime(2026, 11, 25, 17, tzinfo=UTC)]

    def now() -> datetime:
        clock[0] += timedelta(minutes=1)
        return clock[0]

    deps = Deps(store=store, now=now)
    deps.relay = Relay(store, partial(use_cases.publish_outbox, deps))
    broker = service_broker(TransactionsSettings(app_env="test"), deps, subscribers)
    published = collect(broker, recorded=("transactions.transaction-recorded.v1", TransactionRecorded))
    async with TestKafkaBroker(broker):
        yield deps, store, published


async def start_quote(deps: Deps, steps: dict | None = None, region: str = "CA") -> dict:
    body = {"kind": "Quote", "group_name": "Sunset Yoga", "region": region, "steps": steps or {}}
    return await use_cases.start(deps, BROKER1, body, "c-1")


async def test_the_review_loop_each_change_announced_once(service):
    deps, store, published = service
    started = await start_quote(deps, {"census": QUOTE_STEPS["census"]})
    tid = started["transaction_id"]
    assert tid.startswith("QT-") and started["status"] == "Open" and started["group_id"] is None
    with pytest.raises(Conflict) as incomplete:
        await use_cases.submit(deps, tid, BROKER1, "c-2", None)
    assert incomplete.value.code == "incomplete_transaction" and "plans" in incomplete.value.detail
    await use_cases.save(deps, tid, BROKER1, "c-3", {"plans": QUOTE_STEPS["plans"]})
    submitted = await use_cases.submit(deps, tid, BROKER1, "c-4", {"coverage": QUOTE_STEPS["coverage"]})
    assert submitted["status"] == "Pending KP Review"
    returned = await use_cases.return_for_action(
        deps,
        tid,
        REVIEWER,
        "c-5",
        {"instructions": "Add the part-time employees.", "contact_name": "Maria Lopez", "contact_phone": "8005550134"},
    )
    assert returned["status"] == "Action Required"
    await use_cases.continue_(deps, tid, BROKER1, "c-6")
    await use_cases.submit(deps, tid, BROKER1, "c-7", None)
    done = await use_cases.approve(deps, tid, REVIEWER, "c-8", None)
    assert done["status"] == "Completed"

    statuses = [(m.revision, m.status) for m in published["recorded"]]
    assert statuses == [
        (1, "Open"),
        (2, "Open"),
        (3, "Pending KP Review"),
        (4, "Action Required"),
        (5, "Open"),
        (6, "Pending KP Review"),
        (7, "Completed"),
    ]
    assert [(m.change, m.actor.user_id) for m in published["recorded"]][2:5] == [
        ("TransactionSubmitted", "broker1"),
        ("TransactionReturned", "reviewer1"),
        ("TransactionContinued", "broker1"),
    ]
    action = published["recorded"][3]
    assert action.instructions.startswith("Add the part-time employees.") and "Maria Lopez" in action.instructions
    assert all(m.transaction_id == tid and m.broker_id == "broker1" for m in published["recorded"])
    assert store.docs[tid]["outbox"] == []  # all published, then cleared
    assert [h["to"] for h in done["history"]] == [
        "Open",
        "Pending KP Review",
        "Action Required",
        "Open",
        "Pending KP Review",
        "Completed",
    ]


async def test_refused_moves_answer_conflict_and_change_nothing(service):
    deps, store, published = service
    tid = (await start_quote(deps, QUOTE_STEPS))["transaction_id"]
    with pytest.raises(Conflict) as approving:
        await use_cases.approve(deps, tid, BROKER1, "c", None)
    assert approving.value.code == "not_a_reviewer"
    with pytest.raises(Conflict) as others:
        await use_cases.save(deps, tid, BROKER2, "c", {"plans": {"plan_ids": ["CA-SLV-70"]}})
    assert others.value.code == "not_your_transaction"
    await use_cases.submit(deps, tid, BROKER1, "c", None)
    await use_cases.approve(deps, tid, REVIEWER, "c", None)
    with pytest.raises(Conflict) as cancelling:
        await use_cases.cancel(deps, tid, BROKER1, "c")
    assert "Completed" in cancelling.value.detail
    assert (await use_cases.view(deps, tid))["status"] == "Completed"
    assert [m.status for m in published["recorded"]] == ["Open", "Pending KP Review", "Completed"]
    spoken = tid.lower().replace("0", "o").replace("1", "l")  # as someone types it after hearing it
    assert (await use_cases.view(deps, spoken))["transaction_id"] == tid
    with pytest.raises(NotFound):
        await use_cases.view(deps, "QT-0000-0000")
    with pytest.raises(NotFound):
        await use_cases.cancel(deps, "not an id", BROKER1, "c")


async def test_a_transaction_in_no_known_region_is_refused(service):
    deps, store, _ = service
    with pytest.raises(Invalid) as refused:
        await start_quote(deps, region="Atlantis")
    assert refused.value.code == "unknown_region" and "CA" in refused.value.detail and not store.docs


async def test_a_cancelled_transaction_is_announced_as_cancelled(service):
    deps, _, published = service
    tid = (await start_quote(deps))["transaction_id"]
    assert (await use_cases.cancel(deps, tid, BROKER1, "c"))["status"] == "Cancelled"
    assert [m.status for m in published["recorded"]] == ["Open", "Cancelled"]


async def test_the_review_queue_is_oldest_first_by_kind_and_region(service):
    deps, _, _ = service
    first = (await start_quote(deps, QUOTE_STEPS, region="CA"))["transaction_id"]
    second = (await start_quote(deps, QUOTE_STEPS, region="HI"))["transaction_id"]
    open_one = (await start_quote(deps, QUOTE_STEPS, region="CA"))["transaction_id"]
    await use_cases.submit(deps, second, BROKER1, "c", None)
    await use_cases.submit(deps, first, BROKER1, "c", None)
    everything = await use_cases.review_queue(deps, None, None, 1, 25)
    assert [i["transaction_id"] for i in everything["items"]] == [second, first] and open_one not in str(everything)
    assert [i["transaction_id"] for i in (await use_cases.review_queue(deps, None, "CA", 1, 25))["items"]] == [first]
    assert (await use_cases.review_queue(deps, "Renewal", None, 1, 25))["total"] == 0


def test_a_quote_through_the_route_model_and_its_refusals():
    body = {
        "region": "CA",
        "zip": "94110",
        "effective_date": "2027-01-01",
        "employees": [
            {"date_of_birth": "1985-06-15", "dependents": [{"relationship": "child", "date_of_birth": "2015-02-01"}]}
        ],
        "plan_ids": ["CA-GLD-80"],
    }
    asked = QuoteIn.model_validate(body)
    result = use_cases.quote(asked.census(), asked.plan_ids, date(2026, 11, 25))
    (plan,) = result["plans"]
    assert plan["plan_id"] == "CA-GLD-80" and [m["age"] for m in plan["members"]] == [41, 11]
    assert sum(Decimal(m["premium"]) for m in plan["members"]) == Decimal(plan["monthly_total"])
    with pytest.raises(ValidationError):
        QuoteIn.model_validate(body | {"effective_date": "next year"})
    with pytest.raises(Invalid) as not_first:
        later = QuoteIn.model_validate(body | {"effective_date": "2027-01-15"})
        use_cases.quote(later.census(), later.plan_ids, date(2026, 11, 25))
    assert "1st" in str(not_first.value.extra) + not_first.value.detail
    assert [p["plan_id"] for p in use_cases.plans("HI")["plans"]]
    with pytest.raises(NotFound):
        use_cases.plans("XX")
