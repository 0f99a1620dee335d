"""Validation service: classifies rows using its projection of reference data. Wiring only."""

from __future__ import annotations

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from shared.kafka import make_broker
from shared.service import Service, create_service_app

from .adapters import MongoReferenceStore
from .settings import ValidationSettings as Settings
from .subscribers import build_router
from .use_cases import Deps

NAME = "validation"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    deps = Deps(pii_key=settings.pii_hash_key.get_secret_value())

    async def open_stores(db: AsyncDatabase) -> None:
        deps.store = MongoReferenceStore(db)
        await deps.store.create_indexes()

    async def health() -> dict:
        """How many groups the reference projection holds."""
        return {"groups": await deps.store.group_count()}

    return create_service_app(
        Service(
            name=NAME,
            settings=settings,
            deps=deps,
            subscribers=build_router(settings, deps),
            open=open_stores,
            health=health,
        )
    )


def build_broker(settings: Settings) -> KafkaBroker:
    """The service's subscribers and publishers on a broker, unconnected (for the AsyncAPI document)."""
    return make_broker(settings, build_router(settings, Deps()))
