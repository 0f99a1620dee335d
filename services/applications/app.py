"""Applications service: owns applications; records classified rows."""


from contextlib import asynccontextmanager

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from shared.kafka import make_broker, start_broker
from shared.mongo import make_client

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

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        client = make_client(settings.mongodb_uri)
        store = MongoApplicationStore(client[settings.database])
        await store.create_indexes()
        deps.store = store
        await start_broker(broker)
        try:
            yield
        finally:
            await broker.stop()
            await client.close()

    app = FastAPI(title="applications service", lifespan=lifespan)

    @app.get("/healthz")
    async def health() -> dict:
        """Liveness and readiness: the Kafka connection answers."""
        return {"status": "ok", "kafka": await broker.ping(timeout=2)}

    app.state.broker = broker
    app.state.deps = deps
    return app
