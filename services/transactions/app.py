"""Transactions service: the system of record for the broker portal's quotes,
small-group enrollments and renewals, and the KP review that settles them.
Wiring only."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from shared.kafka import kafka_router, make_broker
from shared.outbox import Relay
from shared.service import Service, create_service_app, periodically

from . import use_cases
from .adapters import MongoTransactionStore
from .api import routes
from .settings import TransactionsSettings as Settings
from .subscribers import PUBLICATIONS, SUBSCRIPTIONS
from .use_cases import Deps

NAME = "transactions"


async def open_stores(deps: Deps, settings: Settings, db: AsyncDatabase) -> None:
    deps.store = await MongoTransactionStore.open(db)
    grace = timedelta(seconds=settings.outbox_grace_seconds)
    deps.relay = Relay(deps.store, partial(use_cases.publish_outbox, deps), grace)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    deps = Deps()
    router, deps.outlet = kafka_router(settings, deps, SUBSCRIPTIONS, PUBLICATIONS)
    parts = Service(NAME, settings, deps, routes, router, partial(open_stores, deps, settings))
    jobs = [partial(periodically, settings.outbox_relay_seconds, lambda: deps.relay.round(), "outbox relay")]
    return create_service_app(parts, background=jobs)


def build_broker(settings: Settings) -> KafkaBroker:
    """The service's publisher on a broker, unconnected (for the AsyncAPI document)."""
    return make_broker(settings, kafka_router(settings, Deps(), SUBSCRIPTIONS, PUBLICATIONS)[0])
