"""Thin Kafka helpers: one way to build a broker, consume, publish and create topics."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.middlewares import BaseMiddleware

from .contracts.envelope import Envelope, partition_key
from .contracts.topics import DEAD_LETTER_SUFFIX, GROUP_REGISTERED, MEMBER_ENROLLED, TOPIC_OF
from .logs import batch_correlation, correlation_id
from .settings import InfraSettings

PARTITIONS = 6
JOIN_TIMEOUT_SECONDS = 120
# A file's messages (250 rows at most, under 1 MB) fit one record batch, so a
# consumer finds the whole file in one fetch instead of a first part that it
# must keep until the rest arrives. Kafka's default limit for a batch is 1 MB.
PRODUCER_BATCH_BYTES = 1_000_000
# Long enough for a file's messages to be appended before the batch is sent.
PRODUCER_LINGER_MS = 10

log = logging.getLogger(__name__)


def batch_subscription(settings: InfraSettings, group_id: str, reference: bool = False) -> dict:
    """How every subscriber here consumes: batches, from the earliest offset,
    committing only after the handler succeeded (a failed batch is sought back
    and redelivered), in a consumer group of its own.

    ``reference``: reference data (groups, enrolled members) arrives seldom
    and nobody waits on it, so its consumers ask less often (every fetch of
    an idle consumer costs the broker and the service a little CPU)."""
    wait = settings.kafka_reference_fetch_max_wait_ms if reference else settings.kafka_fetch_max_wait_ms
    return {
        "group_id": group_id,
        "title": group_id,
        "batch": True,
        "max_records": settings.kafka_max_batch,
        "fetch_max_wait_ms": wait,
        "auto_offset_reset": "earliest",
        "ack_policy": AckPolicy.NACK_ON_ERROR,
    }


class Correlated(BaseMiddleware):
    """Log lines written while a batch is handled carry its correlation id."""

    async def consume_scope(self, call_next, msg):
        headers = msg.batch_headers or [msg.headers]
        token = correlation_id.set(batch_correlation([h.get("correlation_id") for h in headers]))
        try:
            return await call_next(msg)
        finally:
            correlation_id.reset(token)


def dead_letters(attempts: int, backoff_seconds: float) -> type[BaseMiddleware]:
    """A middleware that stops one bad batch from holding up its partition forever.

    A failing batch is sought back and delivered again (NACK_ON_ERROR), after
    a growing pause, so a passing outage heals by itself. After ``attempts``
    failed deliveries of the batch that starts at the same record, its records
    are copied to ``<topic>.dead-letter`` (as they came: for inspection and
    replay) and the batch is acknowledged, so the partition moves on.
    """

    class DeadLetters(BaseMiddleware):
        failures: ClassVar[dict[tuple[str, int, int], int]] = {}

        async def consume_scope(self, call_next, msg):
            raw = msg.raw_message
            records = tuple(raw) if isinstance(raw, tuple | list) else (raw,)
            if not records:
                return await call_next(msg)
            first = (records[0].topic, records[0].partition, records[0].offset)
            try:
                result = await call_next(msg)
            except Exception:
                failed = self.failures[first] = self.failures.get(first, 0) + 1
                if failed < attempts:
                    log.warning("batch at %s[%d]@%d failed (attempt %d of %d)", *first, failed, attempts, exc_info=True)
                    await asyncio.sleep(min(backoff_seconds * 2 ** (failed - 1), 30))
                    raise
                del self.failures[first]
                # Only where the batch is, never its contents: they may hold personal data.
                log.error(
                    "batch at %s[%d]@%d failed %d times; %d record(s) moved to %s%s",
                    *first,
                    failed,
                    len(records),
                    first[0],
                    DEAD_LETTER_SUFFIX,
                )
                broker = self.context.get("broker")
                for record in records:
                    await broker.publish(
                        record.value, topic=record.topic + DEAD_LETTER_SUFFIX, key=record.key, headers=_headers(record)
                    )
                return None
            self.failures.pop(first, None)
            return result

    return DeadLetters


def _headers(record) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in record.headers or ()}


def make_broker(settings: InfraSettings, *routers: KafkaRouter) -> KafkaBroker:
    """The broker of a service, with its subscribers' routers included."""
    # Per-message logs go to DEBUG: at INFO they drown everything else.
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        acks="all",
        max_batch_size=PRODUCER_BATCH_BYTES,
        linger_ms=PRODUCER_LINGER_MS,
        log_level=logging.DEBUG,
        logger=logging.getLogger("faststream"),
        middlewares=[Correlated, dead_letters(settings.kafka_dead_letter_after, settings.kafka_retry_backoff_seconds)],
    )
    broker.include_routers(*routers)
    return broker


@dataclass(frozen=True)
class On:
    """One subscription: batches of ``message`` from ``topic``, each handed to
    ``use_case(deps, messages)``, in the consumer group ``<service>.<name>``.
    The use case's docstring describes the subscription in AsyncAPI."""

    topic: str  # without the deployment's prefix (shared.contracts.topics)
    name: str
    message: Any  # a contract: a pydantic model, or an annotated union of them
    use_case: Callable[[Any, list[Any]], Awaitable[None]]
    reference: bool = False  # reference data: fetched less often (see batch_subscription)


@dataclass(frozen=True)
class Publication:
    """A topic a service writes to, and what it writes there (for AsyncAPI)."""

    topic: str  # without the deployment's prefix
    message: Any
    description: str


def reference_data(
    groups: Callable[[Any, list[Any]], Awaitable[None]], members: Callable[[Any, list[Any]], Awaitable[None]]
) -> tuple[On, On]:
    """The subscriptions of a service that keeps its own projection of the
    group system of record's reference data: groups and enrolled members."""
    from .contracts.reference import GroupRegistered, MemberEnrolled

    return (
        On(GROUP_REGISTERED, "groups", GroupRegistered, groups, reference=True),
        On(MEMBER_ENROLLED, "members", MemberEnrolled, members, reference=True),
    )


def kafka_router(
    settings: Any, deps: Any, subscriptions: Iterable[On], publications: Iterable[Publication] = ()
) -> tuple[KafkaRouter, Outlet]:
    """A service's Kafka side from its table: a subscriber per subscription
    (each decodes a batch into its contract and calls one use case with the
    service's dependencies) and the outlet its use cases publish through."""
    router = KafkaRouter()
    prefix = settings.topic_prefix
    for on in subscriptions:
        group = f"{settings.consumer_group}.{on.name}"
        router.subscriber(prefix + on.topic, **batch_subscription(settings, group, on.reference))(_handler(on, deps))
    publishers = [router.publisher(prefix + p.topic, schema=p.message, description=p.description) for p in publications]
    return router, Outlet(prefix, publishers)


def _handler(on: On, deps: Any) -> Callable[[list[Any]], Awaitable[None]]:
    async def handler(messages: list[Any]) -> None:
        await on.use_case(deps, messages)

    # FastStream decodes a message into the type its handler's signature names.
    handler.__annotations__ = {"messages": list[on.message], "return": None}
    handler.__name__ = handler.__qualname__ = f"on_{on.name}"
    handler.__doc__ = on.use_case.__doc__
    return handler


async def start_broker(broker: KafkaBroker) -> None:
    """What ``broker.start()`` does, but joining the subscribers' consumer groups concurrently.

    FastStream starts subscribers one after another, and each group join takes
    about 5 s on Tansu: a service with four subscribers would need 20 s.
    """
    await broker.connect()
    try:
        await asyncio.wait_for(
            asyncio.gather(*(subscriber.start() for subscriber in broker.subscribers)), JOIN_TIMEOUT_SECONDS
        )
    except TimeoutError as exc:
        raise RuntimeError(
            f"Kafka consumer groups did not join within {JOIN_TIMEOUT_SECONDS} s; is the broker overloaded?"
        ) from exc
    for publisher in broker.publishers:
        await publisher.start()


class Outlet:
    """The topics a service writes to: one declared publisher per topic, picked
    by the message's type (``shared.contracts.topics.TOPIC_OF``), every message
    keyed by its group so that a group's messages stay in order on one
    partition, with its correlation id in the record's headers.

    Messages go out without waiting for each acknowledgement in turn; ``send``
    returns once all are acknowledged (``acks=all``), so the producer batches
    them."""

    def __init__(self, prefix: str, publishers: Iterable[Any]) -> None:
        self._prefix = prefix
        self._by_topic = {p.topic: p for p in publishers}

    async def send(self, messages: Iterable[Envelope]) -> None:
        await self._send(
            (TOPIC_OF[m.type], m, partition_key(m), m.correlation_id)
            for m in messages  # type: ignore[attr-defined]
        )

    async def send_entries(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Messages kept as outbox entries (``shared.outbox.entry``)."""
        await self._send((e["topic"], e["message"], e["key"], e["correlation_id"]) for e in entries)

    async def _send(self, items: Iterable[tuple[str, Any, str, str]]) -> None:
        pending = [
            await self._by_topic[self._prefix + topic].publish(
                message, key=key.encode(), correlation_id=correlation, no_confirm=True
            )
            for topic, message, key, correlation in items
        ]
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


async def partitions_of(bootstrap: str, topic: str) -> set[int]:
    """The partition numbers of a topic (empty when it does not exist)."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        # Asked by name only once it exists: Tansu creates a topic it is asked about.
        if topic not in await admin.list_topics():
            return set()
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return {p["partition"] for p in described["partitions"]}
