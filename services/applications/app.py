"""Applications service: owns applications; records classified rows and
carries out the users' actions on them."""

import asyncio
import logging
from contextlib import asynccontextmanager, suppress
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, File, HTTPException, Response, UploadFile
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.columns import COLUMNS
from shared.contracts.envelope import Actor
from shared.kafka import make_broker
from shared.service import caller, connected, kafka_health

from . import handlers
from .adapters import MongoApplicationStore
from .domain import ActionRefused, check_agreement
from .handlers import Deps, register
from .settings import ApplicationsSettings

log = logging.getLogger(__name__)
CallerDep = Annotated[Actor, Depends(caller)]
EDITABLE = {c.key for c in COLUMNS}


def build_broker(settings: ApplicationsSettings, deps: Deps) -> KafkaBroker:
    broker = make_broker(settings)
    register(broker, settings, deps)
    return broker


def view(app: dict[str, Any]) -> dict[str, Any]:
    """An application as its owner sees it (the caller was checked by the gateway)."""
    return {
        "application_id": app["_id"],
        "upload_id": app["upload_id"],
        "group_id": app["group_id"],
        "row_number": app["row_number"],
        "status": app["status"],
        "classification": app.get("classification"),
        "issues": app.get("issues", []),
        "cells": app.get("cells", {}),
        "revision": app["revision"],
        "confirmation_id": app.get("confirmation_id"),
        "expires_at": app.get("expires_at"),
        "arbitration_agreement": app.get("arbitration_agreement"),
    }


async def sweep_expired(deps: Deps, every: float) -> None:
    while True:
        try:
            if count := await handlers.expire_due(deps):
                log.info("%d saved application(s) expired", count)
        except Exception:  # keep sweeping; the next round retries
            log.exception("expiry sweep failed")
        await asyncio.sleep(every)


def create_app(settings: ApplicationsSettings | None = None) -> FastAPI:
    settings = settings or ApplicationsSettings()
    deps = Deps()
    broker = build_broker(settings, deps)

    async def attach(db: AsyncDatabase) -> None:
        deps.store = MongoApplicationStore(db)
        await deps.store.create_indexes()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with connected(broker, settings.mongodb_uri, settings.database, attach):
            sweeper = asyncio.create_task(sweep_expired(deps, settings.expiry_sweep_seconds))
            try:
                yield
            finally:
                sweeper.cancel()
                with suppress(asyncio.CancelledError):
                    await sweeper

    app = FastAPI(title="applications service", lifespan=lifespan)

    @app.exception_handler(ActionRefused)
    async def refused(request, exc: ActionRefused) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=exc.status_code)

    @app.get("/healthz")
    async def health() -> dict:
        """Liveness and readiness: the Kafka connection answers."""
        return await kafka_health(broker)

    @app.get("/applications/{application_id}")
    async def get_application(application_id: str) -> dict:
        """One application with the member's data, for viewing and editing."""
        found = await deps.store.get(application_id)
        if found is None:
            raise HTTPException(404, f"Application {application_id} not found.")
        return view(found)

    @app.put("/applications/{application_id}", status_code=202)
    async def edit_application(
        application_id: str, actor: CallerDep, cells: Annotated[dict[str, str | None], Body(embed=True)]
    ) -> dict:
        """Change an application's values; validation classifies it again."""
        unknown = sorted(set(cells) - EDITABLE)
        if unknown:
            raise HTTPException(422, f"Unknown field(s): {', '.join(unknown)}.")
        cleaned = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in cells.items()}
        return view(await handlers.edit(deps, application_id, cleaned, actor))

    @app.post("/applications/{application_id}/save")
    async def save(application_id: str, actor: CallerDep) -> dict:
        """Save for Later: kept for 30 days, then it expires."""
        return view(await handlers.save_for_later(deps, application_id, actor))

    @app.post("/applications/{application_id}/submit")
    async def submit(application_id: str, actor: CallerDep) -> dict:
        """Submit one ready application; answers its confirmation ID."""
        return view(await handlers.submit(deps, application_id, actor))

    @app.delete("/applications/{application_id}")
    async def delete(application_id: str, actor: CallerDep) -> dict:
        """Remove an application from the enrollment."""
        return view(await handlers.delete(deps, application_id, actor))

    @app.post("/applications/{application_id}/arbitration-agreement", status_code=201)
    async def attach_agreement(application_id: str, actor: CallerDep, file: Annotated[UploadFile, File()]) -> dict:
        """Attach a signed Member Arbitration Agreement (PDF; California and Hawaii groups)."""
        found = await deps.store.get(application_id)
        if found is None:
            raise HTTPException(404, f"Application {application_id} not found.")
        data = await file.read(settings.max_agreement_bytes + 1)
        check_agreement(found, data, settings.max_agreement_bytes)
        agreement = await deps.store.attach_agreement(application_id, file.filename or "agreement.pdf", data)
        log.info("arbitration agreement attached to %s by %s", application_id, actor.user_id)
        return agreement

    @app.get("/applications/{application_id}/arbitration-agreement")
    async def read_agreement(application_id: str) -> Response:
        """The attached agreement, as a PDF."""
        data = await deps.store.read_agreement(application_id)
        if data is None:
            raise HTTPException(404, "No arbitration agreement is attached to this application.")
        return Response(data, media_type="application/pdf")

    @app.get("/uploads/{upload_id}/applications")
    async def of_upload(upload_id: str, status: str) -> list[dict]:
        """An upload's applications of one status, with their values (for the error report)."""
        return [view(a) for a in await deps.store.of_upload(upload_id, (status,))]

    @app.post("/uploads/{upload_id}/submit-ready")
    async def submit_ready(upload_id: str, actor: CallerDep) -> dict:
        """Submit Ready Applications: how many were submitted, with their confirmation IDs."""
        submitted = await handlers.submit_ready(deps, upload_id, actor)
        return {
            "submitted": len(submitted),
            "applications": [{"application_id": a["_id"], "confirmation_id": a["confirmation_id"]} for a in submitted],
        }

    @app.post("/uploads/{upload_id}/delete-errors")
    async def delete_errors(upload_id: str, actor: CallerDep) -> dict:
        """Delete All Error Applications of an upload."""
        return {"deleted": await handlers.delete_errors(deps, upload_id, actor)}

    app.state.broker = broker
    app.state.deps = deps
    return app
