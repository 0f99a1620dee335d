"""Upload service: HTTP entry for files, Kafka publisher of their rows."""

import asyncio
import logging
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, FastAPI, File, Form, HTTPException, UploadFile
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker

from shared.contracts.envelope import Actor
from shared.contracts.topics import Topics
from shared.kafka import make_broker, start_broker
from shared.mongo import make_client
from shared.service import caller, correlation, kafka_health

from .adapters import MongoUploadStore, UploadStore
from .domain import UploadRefused
from .handlers import Publishers, UploadRequest, accept_upload, republish_unfinished
from .settings import UploadSettings

log = logging.getLogger(__name__)


def build_broker(settings: UploadSettings) -> tuple[KafkaBroker, Publishers]:
    broker = make_broker(settings)
    return broker, Publishers.declare(broker, Topics(settings.topic_prefix))


def create_app(settings: UploadSettings | None = None, store: UploadStore | None = None) -> FastAPI:
    settings = settings or UploadSettings()
    broker, publishers = build_broker(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        client = None
        if store is None:
            client = make_client(settings.mongodb_uri)
            app.state.store = MongoUploadStore(client[settings.database])
        else:
            app.state.store = store
        await start_broker(broker)
        recovery = asyncio.create_task(
            republish_unfinished(app.state.store, publishers, settings.max_members_per_file, timedelta(minutes=1))
        )
        try:
            yield
        finally:
            recovery.cancel()
            await broker.stop()
            if client is not None:
                await client.close()

    app = FastAPI(title="upload service", lifespan=lifespan)

    @app.get("/healthz")
    async def health() -> dict:
        """Liveness and readiness: the Kafka connection answers."""
        return await kafka_health(broker)

    @app.post("/uploads", status_code=202)
    async def upload(
        actor: Annotated[Actor, Depends(caller)],
        correlation_id: Annotated[str, Depends(correlation)],
        file: Annotated[UploadFile, File()],
        group_id: Annotated[str, Form()],
        region: Annotated[str, Form()],
        group_name: Annotated[str, Form()] = "",
    ):
        """Store a mass-enrollment workbook and publish its rows."""
        # Read one byte past the limit: enough to know the file is too large.
        data = await file.read(settings.max_upload_bytes + 1)
        request = UploadRequest(group_id, region, group_name, file.filename or "upload.xlsx", actor, correlation_id)
        try:
            accepted = await accept_upload(
                request, data, app.state.store, publishers, settings.max_upload_bytes, settings.max_members_per_file
            )
        except UploadRefused as refused:
            return JSONResponse({"detail": refused.message, "code": refused.code}, status_code=refused.status_code)
        return {"upload_id": accepted.upload_id, "total_rows": accepted.total_rows}

    @app.get("/uploads/{upload_id}")
    async def get_upload(upload_id: str) -> dict:
        """The upload record (who, which group, how many rows)."""
        record = await app.state.store.get(upload_id)
        if record is None:
            raise HTTPException(404, "upload not found")
        return {
            "upload_id": record["_id"],
            "group_id": record["group_id"],
            "region": record["region"],
            "file_name": record["file_name"],
            "total_rows": record["total_rows"],
            "received_at": record["received_at"],
        }

    app.state.broker = broker
    app.state.publishers = publishers
    return app
