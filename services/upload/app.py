"""Upload service: HTTP entry for files, Kafka publisher of their rows. Wiring only."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from shared.crypto import FieldCipher
from shared.kafka import kafka_router, make_broker
from shared.outbox import Relay
from shared.service import Service, create_service_app, periodically

from . import use_cases
from .adapters import MongoGroupStore, MongoUploadStore
from .api import routes
from .settings import UploadSettings as Settings
from .subscribers import PUBLICATIONS, SUBSCRIPTIONS
from .use_cases import Deps

NAME = "upload"


async def open_stores(deps: Deps, settings: Settings, db: AsyncDatabase) -> None:
    deps.store, deps.groups = await MongoUploadStore.open(db), await MongoGroupStore.open(db)
    grace = timedelta(seconds=settings.outbox_grace_seconds)
    deps.relay = Relay(deps.store, partial(use_cases.publish_stored, deps), grace, timeout=60)


async def health(deps: Deps) -> dict:
    """How many groups the templates' projection holds."""
    return {"groups": await deps.groups.count()}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    cipher = FieldCipher.from_setting(settings.pii_encryption_keys.get_secret_value())
    deps = Deps(max_bytes=settings.max_upload_bytes, max_members=settings.max_members_per_file, cipher=cipher)
    router, deps.outlet = kafka_router(settings, deps, SUBSCRIPTIONS, PUBLICATIONS)
    parts = Service(NAME, settings, deps, routes, router, partial(open_stores, deps, settings))
    relay = partial(periodically, settings.outbox_relay_seconds, lambda: deps.relay.round(), "upload relay")
    return create_service_app(parts, health=partial(health, deps), background=[relay])


def build_broker(settings: Settings) -> KafkaBroker:
    """The service's subscribers and publishers on a broker, unconnected (for the AsyncAPI document)."""
    return make_broker(settings, kafka_router(settings, Deps(), SUBSCRIPTIONS, PUBLICATIONS)[0])
