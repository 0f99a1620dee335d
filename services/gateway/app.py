"""Gateway: sign-in, roles, tenancy checks, the web page and the HTTP API.

No business logic and no business data: it asks the services (see routes/).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pymongo.asynchronous.database import AsyncDatabase

from shared.service import Service, create_service_app, error_response

from .deps import GatewayDeps
from .forward import Services
from .health import Readiness
from .passwords import Passwords
from .routes import api
from .security import WebSecurity
from .settings import GatewaySettings
from .signin import MongoAttempts, MongoAudit, SignInGuard, rules
from .throttle import SignInLocked
from .users import UserStore

# The portal's pages, built by `make web` (services/gateway/web: TypeScript + Vite, npm ci from the lockfile).
WEB = Path(__file__).parent / "web" / "dist"
NOT_BUILT = "The portal's pages are not built: run `make web` (or `make run`)."


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
        deps.feed.close()
        if deps.services is not None:
            await deps.services.close()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    # Ready when its database and the services answer; reads the deps in place then (tests put fakes in).
    ready = Readiness(lambda: app.state.deps, settings.health_cache_seconds)
    service = Service("gateway", settings, deps, api(), open=open, internal=False)

    # Upload progress from the dashboard's events, pushed to the pages watching (live.py).
    async def follow() -> None:
        await deps.feed.consume(
            settings.kafka_bootstrap_servers, settings.topic_prefix, settings.kafka_fetch_max_wait_ms
        )

    app = create_service_app(service, health=ready, background=[follow], close=close)
    app.title = "Broker & Employer portal gateway"

    @app.exception_handler(SignInLocked)
    async def sign_in_locked(request: Request, exc: SignInLocked) -> JSONResponse:
        return error_response(429, exc.detail, exc.code, {"Retry-After": str(exc.retry_after)})

    def page(name: str) -> Response:
        path = WEB / name
        if not path.is_file():
            return Response(NOT_BUILT, status_code=503, media_type="text/plain")
        return FileResponse(path, headers={"Cache-Control": "no-cache"})

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        return page("index.html")

    @app.get("/docs", include_in_schema=False)
    async def api_documentation() -> Response:
        """Swagger UI from the registry's package, served from here (no CDN)."""
        return page("docs.html")

    @app.get("/docs-init.js", include_in_schema=False)
    async def api_documentation_script() -> Response:
        return page("docs-init.js")

    for folder in ("assets", "swagger"):
        app.mount(f"/{folder}", StaticFiles(directory=WEB / folder, check_dir=False), name=folder)
    # CSRF checks and the security headers (CSP, framing, nosniff) on everything, the API and the page.
    app.add_middleware(
        WebSecurity, secret=settings.session_secret.get_secret_value(), allowed_origins=settings.allowed_origins
    )
    return app
