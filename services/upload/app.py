"""Upload service: HTTP entry for files, Kafka publisher of their rows. Wiring only."""

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
from .adapters import MongoGroupStore, MongoUploadStore
from .api import routes
from .settings import UploadSettings as Settings
from .subscribers import build_router
from .use_cases import Deps

NAME = "upload"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    deps = Deps(max_bytes=settings.max_upload_bytes, max_members=settings.max_members_per_file)

    async def open_stores(db: AsyncDatabase) -> None:
        deps.store, deps.groups = MongoUploadStore(db), MongoGroupStore(db)
        await deps.store.create_indexes()
        grace = timedelta(seconds=settings.outbox_grace_seconds)
        deps.relay = Relay(deps.store, partial(use_cases.publish_stored, deps), grace)

    async def health() -> dict:
        """How many groups the template projection holds."""
        return {"groups": await deps.groups.count()}

    return create_service_app(
        Service(
            name=NAME,
            settings=settings,
            deps=deps,
            routes=routes,
            subscribers=build_router(settings, deps),
            open=open_stores,
            background=[lambda: periodically(settings.outbox_relay_seconds, deps.relay.round, "upload relay")],
            health=health,
        )
    )


def build_broker(settings: Settings) -> KafkaBroker:
    """The service's subscribers and publishers on a broker, unconnected (for the AsyncAPI document)."""
    return make_broker(settings, build_router(settings, Deps()))
