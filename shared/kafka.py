"""Thin Kafka helpers: one way to build a broker, one way to create topics."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Iterable

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.publisher.usecase import DefaultPublisher
from pydantic import BaseModel

from .settings import InfraSettings

PARTITIONS = 6


def batch_subscription(settings: InfraSettings, group_id: str) -> dict:
    """How every subscriber here consumes: batches, from the earliest offset,
    committing only after the handler succeeded (a failed batch is sought back
    and redelivered), in a consumer group of its own."""
    return {
        "group_id": group_id,
        "title": group_id,
        "batch": True,
        "max_records": settings.kafka_max_batch,
        "fetch_max_wait_ms": settings.kafka_fetch_max_wait_ms,
        "auto_offset_reset": "earliest",
        "ack_policy": AckPolicy.NACK_ON_ERROR,
    }


def make_broker(settings: InfraSettings) -> KafkaBroker:
    # Per-message logs go to DEBUG: at INFO they drown everything else.
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        acks="all",
        log_level=logging.DEBUG,
        logger=logging.getLogger("faststream"),
    )


async def start_broker(broker: KafkaBroker) -> None:
    """``broker.start()``, but joining the subscribers' consumer groups concurrently.

    FastStream starts subscribers one after another, and each group join takes
    about 5 s on Tansu: a service with four subscribers would need 20 s.
    """
    await broker.connect()
    await asyncio.gather(*(subscriber.start() for subscriber in broker.subscribers))
    for publisher in broker.publishers:
        await publisher.start()
    broker.running = True


async def publish_many(publisher: DefaultPublisher, messages: Iterable[tuple[BaseModel, str]]) -> None:
    """Publish (message, key) pairs without waiting for each acknowledgement in
    turn, then wait for all: the producer batches them."""
    pending = [await publisher.publish(m, key=key.encode(), no_confirm=True) for m, key in messages]
    # The in-memory test broker confirms at once and returns no future.
    await asyncio.gather(*(p for p in pending if inspect.isawaitable(p)))


async def ensure_topics(bootstrap: str, names: list[str], partitions: int = PARTITIONS) -> None:
    """Create the topics that do not exist yet (idempotent)."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(n, partitions, 1) for n in names if n not in existing]
        if missing:
            await admin.create_topics(missing)
    finally:
        await admin.close()
