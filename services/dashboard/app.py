"""Dashboard service: read models fed by events, and the queries over them. Wiring only."""

from __future__ import annotations

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from shared.kafka import make_broker
from shared.service import Service, create_service_app

from .adapters import MongoReadModels
from .api import routes
from .settings import DashboardSettings as Settings
from .subscribers import build_router
from .use_cases import Deps

NAME = "dashboard"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    deps = Deps()

    async def open_stores(db: AsyncDatabase) -> None:
        deps.models = MongoReadModels(db)
        await deps.models.create_indexes()

    async def health() -> dict:
        """How many groups the book of business holds."""
        return {"groups": await deps.models.group_count()}

    return create_service_app(
        Service(
            name=NAME,
            settings=settings,
            deps=deps,
            routes=routes,
            subscribers=build_router(settings, deps),
            open=open_stores,
            health=health,
        )
    )


def build_broker(settings: Settings) -> KafkaBroker:
    """The service's subscribers on a broker, unconnected (for the AsyncAPI document)."""
    return make_broker(settings, build_router(settings, Deps()))
