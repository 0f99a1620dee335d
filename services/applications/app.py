"""Applications service: owns applications; records classified rows and
carries out the users' actions on them. Wiring only."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from shared.kafka import make_broker
from shared.outbox import Relay
from shared.service import Service, create_service_app, periodically

from . import use_cases
from .adapters import MongoApplicationStore
from .api import routes
from .settings import ApplicationsSettings as Settings
from .subscribers import build_router
from .use_cases import Deps

NAME = "applications"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    deps = Deps(
        save_for=timedelta(seconds=settings.save_for_later_seconds), max_agreement_bytes=settings.max_agreement_bytes
    )

    async def open_stores(db: AsyncDatabase) -> None:
        deps.store = MongoApplicationStore(db)
        await deps.store.create_indexes()
        deps.relay = Relay(
            deps.store, partial(use_cases.publish_outbox, deps), timedelta(seconds=settings.outbox_grace_seconds)
        )

    return create_service_app(
        Service(
            name=NAME,
            settings=settings,
            deps=deps,
            routes=routes,
            subscribers=build_router(settings, deps),
            open=open_stores,
            background=[
                lambda: periodically(settings.outbox_relay_seconds, deps.relay.round, "outbox relay"),
                lambda: periodically(
                    settings.expiry_sweep_seconds, partial(use_cases.expire_due, deps), "expiry sweep"
                ),
            ],
        )
    )


def build_broker(settings: Settings) -> KafkaBroker:
    """The service's subscribers and publishers on a broker, unconnected (for the AsyncAPI document)."""
    return make_broker(settings, build_router(settings, Deps()))
