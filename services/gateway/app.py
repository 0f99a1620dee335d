"""Gateway: sign-in, roles, tenancy checks, the web page and the HTTP API.

No business logic and no business data: it asks the services (see routes/).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pymongo.asynchronous.database import AsyncDatabase

from shared.service import Service, create_service_app

from .deps import GatewayDeps
from .forward import Services
from .routes import api
from .settings import GatewaySettings
from .users import UserStore

STATIC = Path(__file__).parent / "static"


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    deps = GatewayDeps(settings)

    async def open(db: AsyncDatabase) -> None:
        secret = settings.session_secret.get_secret_value()
        deps.users = UserStore(db, secret, settings.session_hours, settings.cache_seconds)
        await deps.users.create_indexes()
        deps.services = Services(settings)

    async def close() -> None:
        if deps.services is not None:
            await deps.services.close()

    app = create_service_app(Service("gateway", settings, deps, api(), open=open), close=close)
    app.title = "Broker & Employer portal gateway"

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
