from contextlib import asynccontextmanager

import httpx
import pytest
from faststream.kafka import KafkaBroker

from shared.contracts.topics import Topics
from shared.kafka import ensure_topics


@asynccontextmanager
async def running(app):
    """Run a service app in this process (lifespan and all) and talk HTTP to it."""
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
            yield client


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
