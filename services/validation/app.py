"""Validation service: classifies rows using its projection of reference data."""

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from shared.kafka import make_broker
from shared.service import connected, kafka_health

from .adapters import MongoReferenceStore
from .handlers import Deps, register
from .settings import ValidationSettings


def build_broker(settings: ValidationSettings, deps: Deps) -> KafkaBroker:
    broker = make_broker(settings)
    register(broker, settings, deps)
    return broker


def create_app(settings: ValidationSettings | None = None) -> FastAPI:
    settings = settings or ValidationSettings()
    deps = Deps()
    broker = build_broker(settings, deps)

    async def attach(db: AsyncDatabase) -> None:
        deps.store = MongoReferenceStore(db)
        await deps.store.create_indexes()

    app = FastAPI(
        title="validation service",
        lifespan=lambda _: connected(broker, settings.mongodb_uri, settings.database, attach),
    )

    @app.get("/healthz")
    async def health() -> dict:
        """Liveness and readiness: the Kafka connection answers; how many groups
        the reference projection holds."""
        return {**await kafka_health(broker), "groups": await deps.store.group_count()}

    app.state.broker = broker
    app.state.deps = deps
    return app
