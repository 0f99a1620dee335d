"""Issue 11's review loop through the gateway on the real servers: broker1 starts
a quote for a business that is no KP group yet, saves its steps, is refused an
incomplete submit, submits; KP's reviewer finds it in the queue, returns it with
instructions; the broker sees Action Required with them in the history,
continues, resubmits; the reviewer approves; the history says Completed. The
refusals: a broker approving, another broker continuing, cancelling a Completed
one (409 with the reason); another broker reading it (404); a broker's queue
(403). A cancelled quote leaves the history. A renewal for one of the broker's
groups carries the group's name and region."""

import pytest

from tests.support import eventually

pytestmark = pytest.mark.e2e

STEPS = {
    "census": {"zip": "94110", "members": [{"date_of_birth": "1980-05-01"}, {"date_of_birth": "2012-09-30"}]},
    "plans": {"plan_ids": ["CA-GLD-80"]},
    "coverage": {"effective_date": "2027-01-01"},
}


async def in_history(client, transaction_id: str, status: str | None):
    """The transaction's line in the caller's history once it shows ``status`` (None: once it left)."""

    async def shown():
        items = (await client.get("/api/v1/transactions", params={"page_size": 100})).json()["items"]
        found = [t for t in items if t["transaction_id"] == transaction_id]
        if status is None:
            return not found
        return found[0] if found and found[0]["status"] == status else None

    return await eventually(shown, timeout=60)


async def test_a_quote_goes_round_the_review_loop_to_completed(sign_in):
    broker, other, reviewer = await sign_in("broker1"), await sign_in("broker2"), await sign_in("reviewer1")
    started = await broker.post(
        "/api/v1/transactions",
        json={
            "kind": "Quote",
            "group_name": "Sunset Yoga Studio",
            "region": "CA",
            "steps": {"census": STEPS["census"]},
        },
    )
    assert started.status_code == 201, started.text
    tid = started.json()["transaction_id"]
    assert started.json()["status"] == "Open"
    assert (await in_history(broker, tid, "Open"))["group_name"] == "Sunset Yoga Studio"

    refused = await broker.post(f"/api/v1/transactions/{tid}/submit")
    assert refused.status_code == 409 and refused.json()["code"] == "incomplete_transaction"
    assert "plans" in refused.json()["detail"]
    saved = await broker.put(f"/api/v1/transactions/{tid}/steps", json={"steps": {"plans": STEPS["plans"]}})
    assert saved.status_code == 200, saved.text
    submitted = await broker.post(f"/api/v1/transactions/{tid}/submit", json={"steps": {"coverage": STEPS["coverage"]}})
    assert submitted.json()["status"] == "Pending KP Review"

    assert (await broker.post(f"/api/v1/transactions/{tid}/approve")).json()["code"] == "not_a_reviewer"
    assert (await broker.get("/api/v1/review-queue")).status_code == 403
    assert (await other.get(f"/api/v1/transactions/{tid}")).status_code == 404
    queue = (await reviewer.get("/api/v1/review-queue", params={"region": "CA", "kind": "Quote"})).json()
    assert tid in [i["transaction_id"] for i in queue["items"]]

    instructions = "Add the part-time employees to the census."
    returned = await reviewer.post(
        f"/api/v1/transactions/{tid}/return",
        json={"instructions": instructions, "contact_name": "Maria Lopez", "contact_phone": "800-555-0134"},
    )
    assert returned.status_code == 200, returned.text
    line = await in_history(broker, tid, "Action Required")
    assert line["instructions"].startswith(instructions) and "Maria Lopez" in line["instructions"]

    taken = await other.post(f"/api/v1/transactions/{tid}/continue")
    assert taken.status_code == 409 and taken.json()["code"] == "not_your_transaction"
    assert (await broker.post(f"/api/v1/transactions/{tid}/continue")).json()["status"] == "Open"
    assert (await broker.post(f"/api/v1/transactions/{tid}/submit")).json()["status"] == "Pending KP Review"
    assert (await reviewer.post(f"/api/v1/transactions/{tid}/approve")).json()["status"] == "Completed"
    await in_history(broker, tid, "Completed")
    record = (await broker.get(f"/api/v1/transactions/{tid}")).json()
    assert [h["to"] for h in record["history"]][-2:] == ["Pending KP Review", "Completed"]
    assert record["history"][-1]["by"] == "reviewer1"

    async def decided():
        trail = (await reviewer.get("/api/v1/audit", params={"page_size": 100})).json()["items"]
        found = [(e["action"], e["actor_id"]) for e in trail if e.get("transaction_id") == tid]
        return found if ("approved a transaction", "reviewer1") in found else None

    decisions = await eventually(decided, timeout=30)
    assert ("approved a transaction", "reviewer1") in decisions
    assert ("returned a transaction with instructions", "reviewer1") in decisions

    cancelling = await broker.post(f"/api/v1/transactions/{tid}/cancel")
    assert cancelling.status_code == 409 and "Completed" in cancelling.json()["detail"]


async def test_a_cancelled_quote_leaves_the_history(sign_in):
    broker = await sign_in("broker1")
    tid = (
        await broker.post(
            "/api/v1/transactions", json={"kind": "Quote", "group_name": "Short Lived LLC", "region": "HI"}
        )
    ).json()["transaction_id"]
    await in_history(broker, tid, "Open")
    assert (await broker.post(f"/api/v1/transactions/{tid}/cancel")).json()["status"] == "Cancelled"
    assert await in_history(broker, tid, None)


async def test_a_renewal_is_for_one_of_the_brokers_groups(sign_in):
    broker, other = await sign_in("broker1"), await sign_in("broker2")
    group = (await broker.get("/api/v1/groups")).json()[0]
    body = {"kind": "Renewal", "group_id": group["group_id"], "steps": {}}
    assert (await other.post("/api/v1/transactions", json=body)).status_code == 404
    started = await broker.post("/api/v1/transactions", json=body)
    assert started.status_code == 201, started.text
    record = started.json()
    assert (record["group_id"], record["group_name"], record["region"]) == (
        group["group_id"],
        group["name"],
        group["region"],
    )
    assert record["transaction_id"].startswith("RN-")


async def test_a_quote_is_priced_through_the_gateway(sign_in):
    broker = await sign_in("broker1")
    plans = (await broker.get("/api/v1/plans", params={"region": "CA"})).json()
    assert "Illustrative" in plans["notice"] and plans["plans"]
    census = {
        "region": "CA",
        "zip": "94110",
        "effective_date": "2027-01-01",
        "employees": [
            {"date_of_birth": "1980-05-01", "dependents": [{"relationship": "child", "date_of_birth": "2012-09-30"}]}
        ],
        "plan_ids": [plans["plans"][0]["plan_id"]],
    }
    answer = await broker.post("/api/v1/quotes", json=census)
    assert answer.status_code == 200, answer.text
    (plan,) = answer.json()["plans"]
    assert [m["age"] for m in plan["members"]] == [46, 14]
    bad = await broker.post("/api/v1/quotes", json=census | {"effective_date": "2027-01-15"})
    assert bad.status_code == 422 and ("1st" in bad.text or "first" in bad.text), bad.text


async def test_the_demos_transactions_are_the_transactions_services_own(sign_in):
    """The demo's quotes, enrollments and renewals are kept by the transactions service: they open by
    ID (an Action Required one with KP's instructions), and the seeded Pending ones wait in the queue."""
    from datetime import date

    from deploy.local.demo import demo_book, demo_transactions

    groups, _ = demo_book(date.today(), "k")
    seeded = [t for t in demo_transactions(date.today(), groups) if t.broker_id == "broker1"]
    returned = next(t for t in seeded if t.status == "Action Required")
    broker = await sign_in("broker1")
    record = (await broker.get(f"/api/v1/transactions/{returned.transaction_id}")).json()
    assert record["status"] == "Action Required" and record["reviewer_contact"]["name"]
    assert record["history"][-1]["by"] == "reviewer1"
    queue = (await (await sign_in("reviewer1")).get("/api/v1/review-queue", params={"page_size": 100})).json()
    waiting = {t.transaction_id for t in seeded if t.status == "Pending KP Review"}
    assert waiting <= {i["transaction_id"] for i in queue["items"]}
