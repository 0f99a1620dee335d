"""The transactions routes: a guard and a forward. A transaction is read by its broker, its
group's administrator and KP reviewers (anyone else: 404, the service's record never shown); an
administrator moves their own group's only (409); a malformed ID is refused before any service
is asked; the review queue is KP reviewers' (403); a new transaction for a group carries the
group's name, broker and region as the gateway found them, never the caller's."""

from __future__ import annotations

import json

import pytest

from services.gateway.tests.conftest import SignIn
from services.gateway.tests.fakes import FakeServices, identity

TID = "QT-7K3M-2P9X"


@pytest.fixture
def quote(fake: FakeServices) -> dict:
    record = {"transaction_id": TID, "kind": "Quote", "broker_id": "broker1", "group_id": "G1", "status": "Open"}
    fake.transactions[TID] = record
    return record


async def test_a_transaction_is_read_by_whoever_sees_it_and_no_one_else(sign_in: SignIn, fake: FakeServices, quote):
    for user_id in ("broker1", "reviewer1"):
        answer = await (await sign_in(user_id)).get(f"/api/v1/transactions/{TID}")
        assert answer.status_code == 200 and answer.json()["transaction_id"] == TID, user_id
    for user_id in ("broker2", "admin2"):
        answer = await (await sign_in(user_id)).get(f"/api/v1/transactions/{TID}")
        assert (answer.status_code, answer.json()["code"]) == (404, "transaction_not_found"), user_id
    quote["group_id"] = "G2"  # admin2's group
    assert (await (await sign_in("admin2")).get(f"/api/v1/transactions/{TID}")).status_code == 200
    before = len(fake.requests)
    answer = await (await sign_in("broker1")).get("/api/v1/transactions/QT-1234")
    assert answer.status_code == 400 and len(fake.requests) == before


async def test_moves_go_to_the_service_with_the_callers_identity(sign_in: SignIn, fake: FakeServices, quote):
    broker2 = await sign_in("broker2")  # the service, not the gateway, refuses another broker (409)
    assert (await broker2.post(f"/api/v1/transactions/{TID}/continue")).status_code == 200
    request = fake.sent("transactions")[-1]
    assert (request.method, request.url.path, identity(request)) == (
        "POST",
        f"/transactions/{TID}/continue",
        ("broker2", "broker"),
    )
    admin2 = await sign_in("admin2")
    refused = await admin2.post(f"/api/v1/transactions/{TID}/cancel")
    assert (refused.status_code, refused.json()["code"]) == (409, "not_your_transaction")
    assert fake.sent("transactions")[-1].method == "GET"  # read to check, never moved


async def test_the_review_queue_is_kp_reviewers(sign_in: SignIn, fake: FakeServices):
    assert (await (await sign_in("broker1")).get("/api/v1/review-queue")).status_code == 403
    answer = await (await sign_in("reviewer1")).get("/api/v1/review-queue", params={"region": "CA"})
    assert answer.status_code == 200 and fake.sent("transactions")[-1].url.params["region"] == "CA"


async def test_a_transaction_for_a_group_takes_the_groups_facts(sign_in: SignIn, fake: FakeServices):
    broker1 = await sign_in("broker1")
    body = {"kind": "Renewal", "group_id": "G1", "group_name": "Not The Name", "broker_id": "broker2", "steps": {}}
    assert (await broker1.post("/api/v1/transactions", json=body)).status_code == 200
    sent = json.loads(fake.sent("transactions")[-1].content)
    assert (sent["group_name"], sent["broker_id"], sent["region"]) == ("Group G1", "broker1", "CA")
    assert (await broker1.post("/api/v1/transactions", json=body | {"group_id": "G2"})).status_code == 404
