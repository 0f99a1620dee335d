"""Validation service: classifies rows using its projection of reference data. Wiring only."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from shared.crypto import FieldCipher
from shared.kafka import kafka_router, make_broker
from shared.service import Service, create_service_app

from .adapters import MongoReferenceStore
from .settings import ValidationSettings as Settings
from .subscribers import PUBLICATIONS, SUBSCRIPTIONS
from .use_cases import Deps

NAME = "validation"


async def open_stores(deps: Deps, db: AsyncDatabase) -> None:
    deps.store = await MongoReferenceStore.open(db)


async def health(deps: Deps) -> dict:
    """How many groups the reference projection holds."""
    return {"groups": await deps.store.group_count()}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    cipher = FieldCipher.from_setting(settings.pii_encryption_keys.get_secret_value())
    deps = Deps(pii_key=settings.pii_hash_key.get_secret_value(), cipher=cipher)
    router, deps.outlet = kafka_router(settings, deps, SUBSCRIPTIONS, PUBLICATIONS)
    parts = Service(NAME, settings, deps, None, router, partial(open_stores, deps))
    return create_service_app(parts, health=partial(health, deps))


def build_broker(settings: Settings) -> KafkaBroker:
    """The service's subscribers and publisher on a broker, unconnected (for the AsyncAPI document)."""
    return make_broker(settings, kafka_router(settings, Deps(), SUBSCRIPTIONS, PUBLICATIONS)[0])
