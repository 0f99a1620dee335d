"""The home's renewals, the book of business and the transaction history: each
route asks the dashboard for the caller's own scope, whatever the caller sends."""

from __future__ import annotations

import httpx
import pytest

from services.gateway.tests.conftest import SignIn
from services.gateway.tests.fakes import FakeServices, json_answer

# The dashboard's transactions, by scope, as the fake answers them.
HISTORY = {"G1": ["QT-1"], "G2": ["RN-2"]}


@pytest.fixture
def fake(fake: FakeServices) -> FakeServices:
    """The fakes, with a dashboard that answers each list for the scope it is asked for."""
    answer = fake.answer

    def scoped(service: str, request: httpx.Request, *path: str) -> httpx.Response | None:
        params = request.url.params
        if service == "dashboard" and path and path[0] in ("renewals", "book", "transactions", "recent-transactions"):
            kind, _, who = params["scope"].partition(":")
            groups = [g for g, record in fake.groups.items() if kind == "all" or who in (g, record["broker_id"])]
            if "group_id" in params:
                groups = [g for g in groups if g == params["group_id"]]
            items = [{"transaction_id": t, "group_id": g} for g in groups for t in HISTORY.get(g, [])]
            if path[0] == "book":
                items = [{"group_id": g} for g in groups]
            return json_answer({"items": items, "total": len(items), "scope": params["scope"]})
        return answer(service, request, *path)

    fake.answer = scoped  # type: ignore[method-assign]
    return fake


def asked(fake: FakeServices, path: str) -> list[dict]:
    return [dict(r.url.params) for r in fake.sent("dashboard") if r.url.path == path]


@pytest.mark.parametrize(
    ("user", "scope", "groups"),
    [("broker1", "broker:broker1", ["G1"]), ("admin2", "group:G2", ["G2"]), ("reviewer1", "all", ["G1", "G2"])],
)
async def test_each_list_holds_the_callers_groups_only(sign_in: SignIn, fake: FakeServices, user, scope, groups):
    client = await sign_in(user)
    # A scope the caller names is not theirs to choose: the gateway sets it.
    book = await client.get("/api/v1/book", params={"scope": "all", "region": "CA", "sort": "-name"})
    assert book.status_code == 200 and [g["group_id"] for g in book.json()["items"]] == groups
    assert asked(fake, "/book") == [{"scope": scope, "region": "CA", "sort": "-name", "page": "1", "page_size": "25"}]
    history = await client.get("/api/v1/transactions", params={"status": "Open", "from": "2026-11-01", "page": 2})
    assert [t["group_id"] for t in history.json()["items"]] == groups
    assert asked(fake, "/transactions") == [
        {"scope": scope, "status": "Open", "from": "2026-11-01", "page": "2", "page_size": "25"}
    ]
    for path, service_path in (
        ("/api/v1/dashboard/renewals", "/renewals"),
        ("/api/v1/dashboard/recent-transactions", "/recent-transactions"),
        ("/api/v1/dashboard/renewals/2027-01", "/renewals/2027-01"),
    ):
        assert (await client.get(path)).status_code == 200
        assert asked(fake, service_path)[0]["scope"] == scope


async def test_another_tenants_group_id_finds_nothing_of_theirs(sign_in: SignIn, fake: FakeServices):
    for user, others in (("broker1", "G2"), ("admin2", "G1")):
        client = await sign_in(user)
        found = await client.get("/api/v1/transactions", params={"group_id": others})
        assert found.status_code == 200 and found.json()["items"] == []
        assert (await client.get(f"/api/v1/groups/{others}")).status_code == 404
    reviewer = await sign_in("reviewer1")
    theirs = await reviewer.get("/api/v1/transactions", params={"group_id": "G2"})
    assert [t["transaction_id"] for t in theirs.json()["items"]] == ["RN-2"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/dashboard/renewals/2027-13", {}),
        ("/api/v1/dashboard/renewals/next", {}),
        ("/api/v1/book", {"renewal_month": "January"}),
        ("/api/v1/book", {"q": "x" * 101}),
        ("/api/v1/transactions", {"type": "Refund"}),
        ("/api/v1/transactions", {"group_id": "../230001"}),
        ("/api/v1/transactions", {"from": "yesterday"}),
        ("/api/v1/transactions", {"page_size": 500}),
    ],
)
async def test_malformed_parameters_are_refused_before_any_service_is_asked(sign_in: SignIn, fake, path, params):
    client = await sign_in("broker1")
    fake.requests.clear()
    refused = await client.get(path, params=params)
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_request"
    assert not fake.sent("dashboard")


async def test_the_lists_need_a_session(sign_in: SignIn):
    anonymous = await sign_in(None)
    for path in ("/api/v1/book", "/api/v1/transactions", "/api/v1/dashboard/renewals"):
        assert (await anonymous.get(path)).status_code == 401
