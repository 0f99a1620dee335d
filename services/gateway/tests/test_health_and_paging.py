"""/healthz as readiness (the gateway's database and the services it calls), and bounded paging."""

from __future__ import annotations

import pytest

from services.gateway.tests.conftest import SignIn
from services.gateway.tests.fakes import FakeServices, FakeUsers


async def test_ready_when_its_database_and_every_service_answer(sign_in: SignIn, fake: FakeServices):
    answer = await (await sign_in(None)).get("/healthz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    asked = sorted(request.url.host for request in fake.requests)
    assert asked == ["applications", "dashboard", "groups", "transactions", "upload"]
    assert {request.url.path for request in fake.requests} == {"/healthz"}


@pytest.mark.parametrize(
    ("break_it", "named"),
    [
        (lambda fake, users: fake.canned.update(upload=(503, {"detail": "Kafka is not answering."})), "upload"),
        (lambda fake, users: fake.down.add("dashboard"), "dashboard"),
        (lambda fake, users: fake.canned.update(applications=(404, "<html>")), "applications"),
        (lambda fake, users: setattr(users, "down", True), "the gateway's database"),
    ],
)
async def test_not_ready_names_what_does_not_answer(
    sign_in: SignIn, fake: FakeServices, users: FakeUsers, break_it, named
):
    break_it(fake, users)
    answer = await (await sign_in(None)).get("/healthz")
    assert answer.status_code == 503 and answer.json()["code"] == "not_ready"
    assert named in answer.json()["detail"] and answer.json()["detail"].count(" service") <= 1


async def test_the_answer_is_kept_a_second(sign_in: SignIn, fake: FakeServices):
    anonymous = await sign_in(None)
    for _ in range(5):
        assert (await anonymous.get("/healthz")).status_code == 200
    assert len(fake.requests) == 5  # one round of checks


@pytest.mark.parametrize("page", ["10001", "482002572616615947705031627737399296", "0"])
async def test_a_page_out_of_bounds_answers_422_and_reaches_no_service(sign_in: SignIn, fake: FakeServices, page):
    broker1 = await sign_in("broker1")
    fake.requests.clear()
    for path in ("/groups/G1/transactions", "/groups/G1/mass-enrollment/saved", "/uploads/U1/applications"):
        answer = await broker1.get(f"/api/v1{path}", params={"page": page})
        assert answer.status_code == 422 and answer.json()["code"] == "invalid_request", path
        assert answer.json()["detail"].startswith("page: ")
    # Only the tenancy checks (FastAPI solves every dependency before it answers 422) reached it: no list.
    assert {request.url.path for request in fake.requests} == {"/groups/G1", "/uploads/U1"}
    assert not [request for request in fake.requests if "page" in request.url.params]
    assert (await broker1.get("/api/v1/groups/G1/transactions", params={"page": 10_000})).status_code == 200
