from contextlib import asynccontextmanager

import httpx
import pytest
from faststream.kafka import KafkaBroker

from shared.contracts.topics import Topics
from shared.identity import SERVICE_ROLE, sign
from shared.kafka import ensure_topics
from shared.settings import DEMO_SECRET


@asynccontextmanager
async def running(app):
    """Run a service app in this process (lifespan and all) and talk HTTP to it,
    as the gateway does: every request signed (the gateway's own identity,
    unless a test signs one for a user with :func:`as_user`)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        auth = Signed(app.state.service_name)
        async with httpx.AsyncClient(transport=transport, base_url="http://service", auth=auth) as client:
            yield client


class Signed(httpx.Auth):
    """A fresh short-lived token on each request (a test may run longer than one lives),
    the gateway's own unless the request carries a user's (:func:`as_user`)."""

    def __init__(self, service: str) -> None:
        self.service = service

    def auth_flow(self, request):
        if user := request.headers.pop("x-test-user", None):
            user_id, role = user.split(":")
            request.headers["Authorization"] = f"Bearer {sign(DEMO_SECRET, self.service, user_id, role)}"
        elif "authorization" not in request.headers:
            request.headers["Authorization"] = f"Bearer {sign(DEMO_SECRET, self.service, 'gateway', SERVICE_ROLE)}"
        yield request


def as_user(user_id: str, role: str) -> dict[str, str]:
    """Headers of a request the test client signs for a user, as the gateway signs commands."""
    return {"X-Test-User": f"{user_id}:{role}"}


@pytest.fixture
async def topics(infra, prefix) -> Topics:
    topics = Topics(prefix)
    await ensure_topics(infra.kafka_bootstrap, topics.all())
    return topics


@pytest.fixture
def common(infra, prefix) -> dict:
    """Settings for a service under test: real servers, its own topics and database."""
    return {
        "app_env": "test",
        "kafka_bootstrap_servers": infra.kafka_bootstrap,
        "mongodb_uri": infra.mongodb_uri,
        "topic_prefix": prefix,
    }


def db_name(prefix: str, service: str) -> str:
    return f"{prefix}{service}".replace(".", "_")


async def publish(infra, topic: str, *messages) -> None:
    """Messages on a topic as another service would publish them (keyed by group)."""
    broker = KafkaBroker(infra.kafka_bootstrap)
    await broker.connect()
    try:
        for m in messages:
            await broker.publish(m, topic, key=m.group_id.encode(), correlation_id=m.correlation_id)
    finally:
        await broker.stop()
