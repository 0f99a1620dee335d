"""Validation service: classifies rows using its projection of reference data."""


from contextlib import asynccontextmanager

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from shared.kafka import make_broker, start_broker
from shared.mongo import make_client

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

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        client = make_client(settings.mongodb_uri)
        store = MongoReferenceStore(client[settings.database])
        await store.create_indexes()
        deps.store = store
        await start_broker(broker)
        try:
            yield
        finally:
            await broker.stop()
            await client.close()

    app = FastAPI(title="validation service", lifespan=lifespan)

    @app.get("/healthz")
    async def health() -> dict:
        """Liveness and readiness: the Kafka connection answers; how many groups
        the reference projection holds."""
        return {"status": "ok", "kafka": await broker.ping(timeout=2), "groups": await deps.store.group_count()}

    app.state.broker = broker
    app.state.deps = deps
    return app
