"""A transactional outbox: a service that changes its state and then
announces the change keeps the announcement *in the same write* as the
change, and a relay publishes it afterwards and clears it.

So a change is never announced without having happened (the write comes
first) nor left unannounced (the relay finds what a crash or an outage left
behind, periodically). An entry may be published twice (the process stopped
after publishing, before clearing), never lost: event ids are deterministic,
so consumers recognise the second copy.

A service's store says where its outboxes are (:class:`OutboxStore`): the
applications service keeps the entries in the upload's document beside the
applications they describe; the upload service's outbox is the stored file
of an upload not yet published.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from .contracts.envelope import Envelope, partition_key, utcnow
from .contracts.topics import TOPIC_OF

log = logging.getLogger(__name__)


def entry(message: Envelope) -> dict[str, Any]:
    """A message as an outbox keeps it: ready to publish, by topic (without
    the deployment's prefix) and key, as JSON-able data."""
    return {
        "event_id": message.event_id,
        "topic": TOPIC_OF[message.type],
        "key": partition_key(message),
        "correlation_id": message.correlation_id,
        "message": message.model_dump(mode="json"),
    }


class OutboxStore(Protocol):
    async def outboxes_waiting(self, older_than: datetime) -> list[str]:
        """Ids of the outboxes that have held entries since before ``older_than``."""
        ...


class EntryOutbox(Protocol):
    """An outbox that keeps entries (``entry``) by id: what ``publish_waiting`` reads and clears."""

    async def outbox(self, outbox_id: str) -> list[dict[str, Any]]: ...
    async def clear_outbox(self, outbox_id: str, event_ids: set[str]) -> None: ...


async def publish_waiting(
    store: EntryOutbox,
    outlet: Any,
    outbox_id: str,
    prepare: Callable[[list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]] | None = None,
) -> None:
    """What a relay does for one outbox: publish its waiting entries (through ``prepare`` first, when a
    service completes them at the last moment), then clear those it published. ``outlet`` is the
    service's ``shared.kafka.Outlet``."""
    entries = await store.outbox(outbox_id)
    if not entries:
        return
    if prepare is not None:
        entries = await prepare(entries)
    await outlet.send_entries(entries)
    await store.clear_outbox(outbox_id, {e["event_id"] for e in entries})


class Relay:
    """Publishes outboxes: right after a use case wrote one (``flush``), and
    whatever is left over (``round``, which the service runs periodically:
    outboxes older than ``grace``, so a flush in progress is left alone).

    ``deliver(outbox_id)`` publishes one outbox's entries and clears them. One
    delivery of an outbox runs at a time in a process, so a document's
    entries go out in the order they were written; different outboxes go out
    side by side. A delivery that takes longer than ``timeout`` (Kafka is
    away) is given up and left for a later round: the caller is not held."""

    def __init__(
        self,
        store: OutboxStore,
        deliver: Callable[[str], Awaitable[Any]],
        grace: timedelta = timedelta(seconds=10),
        timeout: float = 5.0,
    ) -> None:
        self.store = store
        self.deliver = deliver
        self.grace = grace
        self.timeout = timeout
        self._locks: dict[str, asyncio.Lock] = {}
        self._holders: Counter[str] = Counter()

    async def flush(self, outbox_id: str) -> bool:
        """Publish one outbox now. A failure is logged and left for a later
        round (the change itself is durable); returns whether it went out."""
        lock = self._locks.setdefault(outbox_id, asyncio.Lock())
        self._holders[outbox_id] += 1
        try:
            async with lock:
                await asyncio.wait_for(self.deliver(outbox_id), self.timeout)
            return True
        except Exception as exc:  # TimeoutError too: given up, the relay retries
            log.warning("outbox %s not published yet (%s); the relay will retry", outbox_id, type(exc).__name__)
            return False
        finally:
            self._holders[outbox_id] -= 1
            if not self._holders[outbox_id]:
                del self._holders[outbox_id], self._locks[outbox_id]

    async def round(self) -> int:
        """Publish every outbox left over; how many went out."""
        waiting = await self.store.outboxes_waiting(utcnow() - self.grace)
        delivered = [await self.flush(outbox_id) for outbox_id in waiting]
        if waiting:
            log.info("relay published %d of %d waiting outbox(es)", sum(delivered), len(waiting))
        return sum(delivered)
