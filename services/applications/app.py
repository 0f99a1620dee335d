"""Applications service: owns applications; records classified rows."""

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from shared.kafka import make_broker
from shared.service import connected, kafka_health

from .adapters import MongoApplicationStore
from .handlers import Deps, register
from .settings import ApplicationsSettings


def build_broker(settings: ApplicationsSettings, deps: Deps) -> KafkaBroker:
    broker = make_broker(settings)
    register(broker, settings, deps)
    return broker


def create_app(settings: ApplicationsSettings | None = None) -> FastAPI:
    settings = settings or ApplicationsSettings()
    deps = Deps()
    broker = build_broker(settings, deps)

    async def attach(db: AsyncDatabase) -> None:
        deps.store = MongoApplicationStore(db)
        await deps.store.create_indexes()

    app = FastAPI(
        title="applications service",
        lifespan=lambda _: connected(broker, settings.mongodb_uri, settings.database, attach),
    )

    @app.get("/healthz")
    async def health() -> dict:
        """Liveness and readiness: the Kafka connection answers."""
        return await kafka_health(broker)

    app.state.broker = broker
    app.state.deps = deps
    return app
