"""One fixture layer picks the servers for integration and end-to-end tests:

1. KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI from the environment, when both are set;
2. else Apache Kafka and MongoDB containers (testcontainers) when a Docker engine answers;
3. else the embedded servers (Tansu, SecantusDB), as ``make run`` starts them.

Servers and services start once per test session: a consumer-group join
takes about five seconds on Tansu.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support import docker_engine_answers


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap: str
    mongodb_uri: str
    source: str


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("MONGODB_URI"):
        yield Infra(os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["MONGODB_URI"], "environment")
        return
    if docker_engine_answers():
        from testcontainers.kafka import KafkaContainer
        from testcontainers.mongodb import MongoDbContainer

        with KafkaContainer("confluentinc/cp-kafka:7.6.1") as kafka, MongoDbContainer("mongo:7.0") as mongo:
            yield Infra(kafka.get_bootstrap_server(), mongo.get_connection_url(), "testcontainers")
        return
    from deploy.local import servers

    embedded = servers.start(tmp_path_factory.mktemp("servers"))
    try:
        yield Infra(embedded.kafka_bootstrap, embedded.mongodb_uri, "embedded")
    finally:
        embedded.stop()


@pytest.fixture
def prefix() -> str:
    """A topic prefix and database suffix of this test's own."""
    return f"t{uuid.uuid4().hex[:8]}."
