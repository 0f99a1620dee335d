"""Live upload progress pushed to the pages watching (server-sent events).

The dashboard publishes ``UploadProgressed`` after each batch it projected
(see shared/contracts/uploads.py). Each gateway reads that topic with one
consumer of its own, in no consumer group (every gateway instance sees every
partition, from the latest message on, and commits nothing), and hands each
event to the pages watching that upload, in memory. So N pages watching cost
one consumer and N open connections, not N polls each a gateway → dashboard →
database round trip.

The events are hints: a page's stream starts with the upload's progress as
the API answers it, and is read again every ``refresh_seconds`` while
nothing comes (an event lost in a restart is healed then).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import contextmanager
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from pydantic import ValidationError

from shared.contracts.topics import Topics
from shared.contracts.uploads import UploadProgressed
from shared.errors import DomainError

log = logging.getLogger(__name__)

COUNTS = ("upload_id", "group_id", "total_rows", "classified", "ready", "error", "rejected", "complete")


class ProgressFeed:
    """Pages watching uploads, and the events that concern them."""

    def __init__(self) -> None:
        self._watchers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self.closing = asyncio.Event()  # set when the gateway stops: every open stream ends

    def close(self) -> None:
        self.closing.set()

    @property
    def watching(self) -> int:
        return sum(len(queues) for queues in self._watchers.values())

    @contextmanager
    def watch(self, upload_id: str):
        # One slot: a page that falls behind gets the newest counts, not a backlog.
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1)
        self._watchers[upload_id].add(queue)
        try:
            yield queue
        finally:
            self._watchers[upload_id].discard(queue)
            if not self._watchers[upload_id]:
                del self._watchers[upload_id]

    def deliver(self, event: UploadProgressed) -> None:
        queues = self._watchers.get(event.upload_id)
        if not queues:
            return
        counts = event.model_dump(include=set(COUNTS))
        counts["status"] = "complete" if event.complete else "processing"
        for queue in queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(counts)

    async def consume(self, bootstrap: str, prefix: str, fetch_max_wait_ms: int, retry_seconds: float = 2.0) -> None:
        """Reads the dashboard's progress events until cancelled (a background job of the gateway)."""
        topic = Topics(prefix).upload_progressed
        while True:
            # fetch_max_wait_ms as the services': the embedded broker answers a fetch only when the wait ends.
            consumer = AIOKafkaConsumer(
                topic,
                bootstrap_servers=bootstrap,
                group_id=None,
                auto_offset_reset="latest",
                enable_auto_commit=False,
                fetch_max_wait_ms=fetch_max_wait_ms,
            )
            try:
                await consumer.start()
                while True:
                    batches = await consumer.getmany(timeout_ms=1000, max_records=500)
                    for records in batches.values():
                        for record in records:
                            self._deliver_raw(record.value)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker away: pages fall back to re-reading meanwhile
                log.warning("upload progress feed: %s; trying again in %.0f s", type(exc).__name__, retry_seconds)
            finally:
                await consumer.stop()
            await asyncio.sleep(retry_seconds)

    def _deliver_raw(self, value: bytes | None) -> None:
        if not value:
            return
        try:
            self.deliver(UploadProgressed.model_validate_json(value))
        except ValidationError:
            log.warning("upload progress feed: a message that is not an UploadProgressed was skipped")


async def progress_stream(
    first: dict[str, Any],
    feed: ProgressFeed,
    read_again: Callable[[], Awaitable[dict[str, Any] | None]],
    refresh_seconds: float = 15.0,
    max_seconds: float = 600.0,
) -> AsyncIterator[str]:
    """The text/event-stream of one page watching one upload: its progress now, then each change.

    Ends after ``max_seconds`` (the browser's EventSource connects again by
    itself), so no connection is held for ever by a page left open.
    """
    latest = dict(first)
    upload_id = latest["upload_id"]
    with feed.watch(upload_id) as queue:
        yield f"retry: 3000\nevent: progress\ndata: {json.dumps(latest)}\n\n"
        loop = asyncio.get_running_loop()
        ends = loop.time() + max_seconds
        while loop.time() < ends and not feed.closing.is_set():
            try:
                change = await _next(queue, feed.closing, min(refresh_seconds, ends - loop.time()))
            except TimeoutError:
                try:
                    change = await read_again()  # nothing heard for a while: ask, in case an event was lost
                except (DomainError, httpx.HTTPError) as exc:
                    # A service away for a moment: the page keeps what it has, and the stream stays open.
                    log.info("upload progress stream: re-reading failed (%s); still watching", type(exc).__name__)
                    yield ": still watching\n\n"
                    continue
                if change is None:
                    return
            if change is _CLOSING:
                return
            merged = latest | change
            if merged != latest:
                latest = merged
                yield f"event: progress\ndata: {json.dumps(latest)}\n\n"
            else:
                yield ": still watching\n\n"  # keeps proxies from closing an idle connection


_CLOSING: dict[str, Any] = {}


async def _next(queue: asyncio.Queue[dict[str, Any]], closing: asyncio.Event, timeout: float) -> dict[str, Any]:
    """The next change for this page, or _CLOSING when the gateway stops; TimeoutError when neither comes."""
    getting = asyncio.ensure_future(queue.get())
    stopping = asyncio.ensure_future(closing.wait())
    try:
        done, _ = await asyncio.wait({getting, stopping}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (getting, stopping):
            if not task.done():
                task.cancel()
    if getting in done:
        return getting.result()
    if stopping in done:
        return _CLOSING
    raise TimeoutError
