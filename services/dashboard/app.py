"""Dashboard service: read models fed by events, and the queries over them."""

from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException, Query
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from shared.kafka import make_broker
from shared.service import connected, kafka_health

from .adapters import ReadModels
from .domain import STATUSES, upload_progress
from .handlers import Deps, register
from .settings import DashboardSettings


def build_broker(settings: DashboardSettings, deps: Deps) -> KafkaBroker:
    broker = make_broker(settings)
    register(broker, settings, deps)
    return broker


def create_app(settings: DashboardSettings | None = None) -> FastAPI:
    settings = settings or DashboardSettings()
    deps = Deps()
    broker = build_broker(settings, deps)

    async def attach(db: AsyncDatabase) -> None:
        deps.models = ReadModels(db)
        await deps.models.create_indexes()

    app = FastAPI(
        title="dashboard service", lifespan=lambda _: connected(broker, settings.mongodb_uri, settings.database, attach)
    )

    @app.get("/healthz")
    async def health() -> dict:
        """Liveness and readiness: the Kafka connection answers; read model sizes."""
        return {**await kafka_health(broker), **await deps.models.counts()}

    @app.get("/groups")
    async def groups(broker_id: str | None = None, group_id: list[str] | None = Query(default=None)) -> list[dict]:
        """Book of business, filtered by broker of record and/or group ids."""
        return await deps.models.list_groups(broker_id=broker_id, group_ids=group_id)

    @app.get("/groups/{group_id}")
    async def group(group_id: str) -> dict:
        """One group of the book of business."""
        found = await deps.models.get_group(group_id)
        if found is None:
            raise HTTPException(404, "group not found")
        return found

    @app.get("/uploads/{upload_id}/applications")
    async def upload_applications(
        upload_id: str,
        status: Literal[STATUSES] | None = None,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=250)] = 25,
    ) -> dict:
        """One tab of an upload (ready, error, rejected, ...), a page at a time, by row."""
        return await deps.models.upload_page(upload_id, status, page, page_size)

    @app.get("/groups/{group_id}/saved-applications")
    async def saved_applications(
        group_id: str, page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=250)] = 25
    ) -> dict:
        """The group's applications saved for later."""
        return await deps.models.saved_page(group_id, page, page_size)

    @app.get("/groups/{group_id}/transactions")
    async def transactions(
        group_id: str, page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=250)] = 25
    ) -> dict:
        """The group's transaction history, newest first."""
        return await deps.models.page_of_transactions(group_id, page, page_size)

    @app.get("/applications/{application_id}")
    async def application(application_id: str) -> dict:
        """One application's list line (no personal data)."""
        found = await deps.models.get_application(application_id)
        if found is None:
            raise HTTPException(404, "application not found")
        return found

    @app.get("/uploads/{upload_id}")
    async def upload(upload_id: str) -> dict:
        """Progress and counts of one upload."""
        doc = await deps.models.get_upload(upload_id)
        if doc is None:
            raise HTTPException(404, "upload not found")
        return upload_progress(doc)

    app.state.broker = broker
    app.state.deps = deps
    return app
