"""Upload service: HTTP entry for files, Kafka publisher of their rows."""

import asyncio
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, File, Form, HTTPException, Response, UploadFile
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.envelope import Actor
from shared.contracts.reference import GroupRegistered
from shared.contracts.topics import Topics
from shared.kafka import batch_subscription, make_broker
from shared.service import caller, connected, correlation, kafka_health

from .adapters import GroupDirectory, MongoUploadStore, UploadStore
from .domain import UploadRefused
from .handlers import Publishers, UploadRequest, accept_upload, republish_unfinished
from .settings import UploadSettings
from .template import build_error_report, build_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

log = logging.getLogger(__name__)


@dataclass
class Deps:
    store: UploadStore | None = None
    groups: GroupDirectory | None = None


def build_broker(settings: UploadSettings, deps: Deps) -> tuple[KafkaBroker, Publishers]:
    broker = make_broker(settings)
    topics = Topics(settings.topic_prefix)

    @broker.subscriber(
        topics.group_registered, **batch_subscription(settings, f"{settings.consumer_group}.groups", reference=True)
    )
    async def on_groups_registered(events: list[GroupRegistered]) -> None:
        """Keep the groups' names, regions and subgroups for their templates."""
        await deps.groups.upsert_groups(events)

    return broker, Publishers.declare(broker, topics)


def create_app(settings: UploadSettings | None = None) -> FastAPI:
    settings = settings or UploadSettings()
    deps = Deps()
    broker, publishers = build_broker(settings, deps)

    async def attach(db: AsyncDatabase) -> None:
        deps.store = MongoUploadStore(db)
        deps.groups = GroupDirectory(db)
        await deps.store.create_indexes()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with connected(broker, settings.mongodb_uri, settings.database, attach):
            recovery = asyncio.create_task(
                republish_unfinished(deps.store, publishers, settings.max_members_per_file, timedelta(minutes=1))
            )
            try:
                yield
            finally:
                recovery.cancel()

    app = FastAPI(title="upload service", lifespan=lifespan)

    @app.get("/healthz")
    async def health() -> dict:
        """Liveness and readiness: the Kafka connection answers."""
        return {**await kafka_health(broker), "groups": await deps.groups.count()}

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
                request, data, deps.store, publishers, settings.max_upload_bytes, settings.max_members_per_file
            )
        except UploadRefused as refused:
            return JSONResponse({"detail": refused.message, "code": refused.code}, status_code=refused.status_code)
        return {"upload_id": accepted.upload_id, "total_rows": accepted.total_rows}

    @app.get("/uploads/{upload_id}")
    async def get_upload(upload_id: str) -> dict:
        """The upload record (who, which group, how many rows)."""
        record = await deps.store.get(upload_id)
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

    @app.get("/uploads/{upload_id}/error-report")
    async def error_report(upload_id: str) -> Response:
        """The upload's Error tab as an .xlsx in template format, bad cells highlighted and commented."""
        record = await deps.store.get(upload_id)
        if record is None:
            raise HTTPException(404, f"Upload {upload_id} not found.")
        group = await deps.groups.get(record["group_id"])
        if group is None:
            raise HTTPException(404, f"Group {record['group_id']} not found.")
        async with httpx.AsyncClient(base_url=settings.applications_url, timeout=30) as applications:
            answer = await applications.get(f"/uploads/{upload_id}/applications", params={"status": "error"})
        if answer.status_code != 200:
            raise HTTPException(502, "The applications service did not answer; try again in a minute.")
        return Response(
            await asyncio.to_thread(build_error_report, group, record["region"], answer.json()),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="errors-{upload_id}.xlsx"'},
        )

    @app.get("/templates/{group_id}")
    async def download_template(group_id: str, region: str) -> Response:
        """The Mass Enrollment template of a group, for its region."""
        group = await deps.groups.get(group_id)
        if group is None:
            raise HTTPException(404, f"Group {group_id} not found.")
        if region.strip().casefold() != group.region.casefold():
            raise HTTPException(
                422, f"Group {group_id} is in region {group.region}, not {region}. Choose {group.region}."
            )
        return Response(
            await asyncio.to_thread(build_template, group, group.region),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="mass-enrollment-{group_id}.xlsx"'},
        )

    app.state.broker = broker
    app.state.deps = deps
    app.state.publishers = publishers
    return app
