"""Gateway: sign-in, roles, tenancy checks, the web page and the HTTP API.

No business logic and no business data: it asks the services (see routes/).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pymongo.asynchronous.database import AsyncDatabase

from shared.service import Service, create_service_app, error_response

from .deps import GatewayDeps
from .forward import Services
from .health import Readiness
from .passwords import Passwords
from .routes import api
from .settings import GatewaySettings
from .signin import MongoAttempts, MongoAudit, SignInGuard, rules
from .throttle import SignInLocked
from .users import UserStore

STATIC = Path(__file__).parent / "static"


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    deps = GatewayDeps(settings)
    pool: ThreadPoolExecutor | None = None

    async def open(db: AsyncDatabase) -> None:
        nonlocal pool
        # Password checks (argon2, ~125 ms of CPU each) run here, one thread a core.
        pool = ThreadPoolExecutor(max_workers=os.cpu_count(), thread_name_prefix="passwords")
        secret = settings.session_secret.get_secret_value()
        passwords = Passwords(pool)
        deps.users = UserStore(db, secret, settings.session_hours, settings.cache_seconds, passwords)
        attempts, audit = MongoAttempts(db), MongoAudit(db)
        for store in (deps.users, attempts, audit):
            await store.create_indexes()
        deps.guard = SignInGuard(attempts, audit, rules(settings), known=deps.users.known)
        deps.services = Services(settings)

    async def close() -> None:
        if deps.services is not None:
            await deps.services.close()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    # Ready when its database and the services answer; reads the deps in place then (tests put fakes in).
    ready = Readiness(lambda: app.state.deps, settings.health_cache_seconds)
    service = Service("gateway", settings, deps, api(), open=open, internal=False)
    app = create_service_app(service, health=ready, close=close)
    app.title = "Broker & Employer portal gateway"

    @app.exception_handler(SignInLocked)
    async def sign_in_locked(request: Request, exc: SignInLocked) -> JSONResponse:
        return error_response(429, exc.detail, exc.code, {"Retry-After": str(exc.retry_after)})

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
