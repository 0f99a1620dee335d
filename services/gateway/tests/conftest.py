"""The gateway app with fakes behind it, and clients signed in as its users.

Broker 1 has group G1 with upload U1 (application U1-0004, and U1-0005 in
error); broker 2 has G2 with U2 (U2-0004), administered by admin2.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from services.gateway.app import create_app
from services.gateway.deps import GatewayDeps
from services.gateway.forward import Services
from services.gateway.settings import GatewaySettings
from services.gateway.signin import SignInGuard, rules
from services.gateway.tests.fakes import URLS, FakeAttempts, FakeAudit, FakeServices, FakeUsers
from services.gateway.users import User

PASSWORD = "right-password"
USERS = (
    User("broker1", "broker", "Broker One"),
    User("broker2", "broker", "Broker Two"),
    User("admin2", "group_admin", "Admin Two", group_id="G2"),
    User("reviewer1", "kp_reviewer", "Reviewer One"),
)
SignIn = Callable[[str | None], Awaitable[httpx.AsyncClient]]


class Clock:
    """The sign-in guard's clock, moved on by the tests."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def fake() -> FakeServices:
    fake = FakeServices()
    for group_id, broker_id, upload_id in (("G1", "broker1", "U1"), ("G2", "broker2", "U2")):
        fake.add_group(group_id, broker_id)
        fake.add_upload(upload_id, group_id)
        fake.add_application(f"{upload_id}-0004")
    fake.add_application("U1-0005", status="error")
    return fake


@pytest.fixture
def users() -> FakeUsers:
    return FakeUsers(*USERS, password=PASSWORD)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def audit() -> FakeAudit:
    return FakeAudit()


@pytest.fixture
async def gateway(fake: FakeServices, users: FakeUsers, clock: Clock, audit: FakeAudit) -> AsyncIterator[FastAPI]:
    settings = GatewaySettings(app_env="test", **URLS)
    app = create_app(settings)
    # ASGITransport runs no lifespan: the fakes stand where ``open`` puts the real ones.
    services = Services(settings, transport=httpx.MockTransport(fake))
    guard = SignInGuard(FakeAttempts(), audit, rules(settings), clock, known=users.known)
    app.state.deps = GatewayDeps(settings, users, services, guard)
    yield app
    await services.close()


@pytest.fixture
async def sign_in(gateway: FastAPI) -> AsyncIterator[SignIn]:
    """A client of the gateway signed in as this user through POST /session (None: not signed in)."""
    clients: list[httpx.AsyncClient] = []

    async def signed_in(user_id: str | None) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway.test")
        clients.append(client)
        if user_id is not None:
            answer = await client.post("/api/v1/session", json={"username": user_id, "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        return client

    yield signed_in
    for client in clients:
        await client.aclose()
