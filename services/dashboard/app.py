"""Dashboard service: read models fed by events, and the queries over them. Wiring only."""

from __future__ import annotations

from functools import partial
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from shared.kafka import kafka_router, make_broker
from shared.service import Service, create_service_app

from .adapters import MongoReadModels
from .api import routes
from .settings import DashboardSettings as Settings
from .subscribers import PUBLICATIONS, SUBSCRIPTIONS
from .use_cases import Deps, business_today

NAME = "dashboard"


async def open_stores(deps: Deps, db: AsyncDatabase) -> None:
    deps.models = await MongoReadModels.open(db)


async def health(deps: Deps) -> dict:
    """How many groups the book of business holds."""
    return {"groups": await deps.models.group_count()}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    zone = ZoneInfo(settings.business_time_zone)
    deps = Deps(today=business_today(zone), zone=zone)
    router, deps.outlet = kafka_router(settings, deps, SUBSCRIPTIONS, PUBLICATIONS)
    parts = Service(NAME, settings, deps, routes, router, partial(open_stores, deps))
    return create_service_app(parts, health=partial(health, deps))


def build_broker(settings: Settings) -> KafkaBroker:
    """The service's subscribers and publisher on a broker, unconnected (for the AsyncAPI document)."""
    return make_broker(settings, kafka_router(settings, Deps(), SUBSCRIPTIONS, PUBLICATIONS)[0])
