"""Thin helpers every service's entry point uses: logging and the HTTP server."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import Header, HTTPException
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from .contracts.envelope import Actor, new_id
from .kafka import start_broker
from .mongo import make_client


def configure_logging() -> None:
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # FastStream logs each message at the broker's log_level (DEBUG); keep its
    # own logger at WARNING unless asked, and the kafka client quieter still.
    logging.getLogger("faststream").setLevel(os.environ.get("FASTSTREAM_LOG_LEVEL", "WARNING"))
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


def serve(app, host: str, port: int) -> None:
    import uvicorn

    configure_logging()
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)


async def caller(
    x_actor_id: str | None = Header(default=None),
    x_actor_role: str | None = Header(default=None),
) -> Actor:
    """The caller's identity, which the gateway sends with every command."""
    if not x_actor_id or not x_actor_role:
        raise HTTPException(401, "X-Actor-Id and X-Actor-Role headers are required")
    return Actor(user_id=x_actor_id, role=x_actor_role)


async def correlation(x_correlation_id: str | None = Header(default=None)) -> str:
    return x_correlation_id or new_id()


@asynccontextmanager
async def connected(
    broker: KafkaBroker, mongodb_uri: str, database: str, attach: Callable[[AsyncDatabase], Awaitable[None]]
) -> AsyncIterator[None]:
    """A service's lifespan: open its database, let ``attach`` build the stores
    its handlers use, then join Kafka; undo it all in reverse on the way out."""
    client = make_client(mongodb_uri)
    try:
        await attach(client[database])
        await start_broker(broker)
        try:
            yield
        finally:
            await broker.stop()
    finally:
        await client.close()


async def kafka_health(broker: KafkaBroker) -> dict:
    """The common part of a service's health answer: 503 while Kafka does not answer."""
    if not await broker.ping(timeout=2):
        raise HTTPException(503, "Kafka is not answering")
    return {"status": "ok", "kafka": True}
