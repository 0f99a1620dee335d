"""The one factory every service is built with, and what each process's entry uses.

A service hands :func:`create_service_app` its parts — HTTP routes (a FastAPI
``APIRouter``), Kafka subscribers (a FastStream ``KafkaRouter``), a callback
that opens its stores on its database, its background jobs — and gets one
ASGI app that starts them in order (database, stores, Kafka, jobs) and stops
them in reverse. Every service thus answers ``/healthz`` the same way, maps
its domain's refusals to one error body ``{"detail", "code"}``, and logs
with the caller's correlation id.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaRouter
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import errors
from .contracts.envelope import Actor, new_id
from .identity import Caller, verify
from .kafka import make_broker, start_broker
from .logs import configure_logging, correlated, correlation_id
from .mongo import make_client
from .settings import InfraSettings

SHUTDOWN_GRACE_SECONDS = 5
log = logging.getLogger(__name__)

# Each kind of refusal has one HTTP status, in every service.
STATUS_OF: dict[type[errors.DomainError], int] = {
    errors.BadInput: 400,
    errors.NotSignedIn: 401,
    errors.NotPermitted: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.TooLarge: 413,
    errors.Unsupported: 415,
    errors.Invalid: 422,
    errors.UpstreamFailed: 502,
    errors.Unavailable: 503,
}
CODE_OF_STATUS = {400: "bad_request", 401: "not_signed_in", 403: "forbidden", 404: "not_found", 405: "not_allowed"}
RETRY_AFTER_SECONDS = 5
INTERNAL = "Something went wrong on our side; try again, and report it if it persists."


@dataclass
class Service:
    """A service's parts, each from its own file (see docs/architecture.md)."""

    name: str
    settings: Any  # the service's settings: InfraSettings with database and http_port
    deps: Any  # what the use cases depend on; ``open`` puts the stores in
    routes: APIRouter | None = None
    subscribers: KafkaRouter | None = None
    open: Callable[[AsyncDatabase], Awaitable[None]] | None = None
    # An internal service answers its routes only to callers the gateway signed
    # (shared.identity); the gateway's own routes are the public API.
    internal: bool = True


def create_service_app(
    service: Service,
    *,
    health: Callable[[], Awaitable[dict]] | None = None,
    background: Sequence[Callable[[], Awaitable[None]]] = (),
    close: Callable[[], Awaitable[None]] | None = None,
) -> FastAPI:
    """The service's ASGI app. ``health`` adds the service's own facts to
    /healthz (how much reference data a projection holds); ``background`` are
    jobs that run from start to stop (the outbox relay, an expiry sweep);
    ``close`` undoes what ``open`` made beyond the database (HTTP clients)."""
    settings = service.settings
    broker = make_broker(settings, service.subscribers) if service.subscribers is not None else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = make_client(settings.mongodb_uri)
        try:
            if service.open is not None:
                await service.open(client[settings.database])
            if broker is not None:
                await start_broker(broker)
            jobs = [asyncio.create_task(job(), name=f"{service.name} job") for job in background]
            try:
                yield
            finally:
                for job in jobs:
                    job.cancel()
                await asyncio.gather(*jobs, return_exceptions=True)
                if broker is not None:
                    await broker.stop()
                if close is not None:
                    await close()
        finally:
            await client.close()

    # An internal service's API is for the gateway only: no pages describing it to whoever connects.
    # The public one (the gateway) serves its own documentation page from local assets, not FastAPI's (a CDN's).
    docs = {"docs_url": None, "redoc_url": None} | ({"openapi_url": None} if service.internal else {})
    app = FastAPI(title=f"{service.name} service", lifespan=lifespan, **docs)
    install_error_handlers(app)
    app.add_middleware(CorrelationMiddleware)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict:
        """Liveness and readiness: the Kafka connection answers (and the service's own facts)."""
        answer: dict[str, Any] = {"status": "ok"}
        if broker is not None:
            if not await broker.ping(timeout=2):
                raise errors.Unavailable("kafka_unavailable", "Kafka is not answering.")
            answer["kafka"] = True
        if health is not None:
            answer.update(await health())
        return answer

    if service.routes is not None:
        guard = [Depends(signed_caller)] if service.internal else []
        app.include_router(service.routes, dependencies=guard)
    app.state.token_secret = settings.service_token_secret.get_secret_value()
    app.state.service_name = service.name
    app.state.broker = broker
    app.state.deps = service.deps
    return app


def install_error_handlers(app: FastAPI) -> None:
    """Every refusal as ``{"detail": <what and how to fix it>, "code": <stable name>}``."""

    @app.exception_handler(errors.DomainError)
    async def refused(request: Request, exc: errors.DomainError) -> JSONResponse:
        status = next(STATUS_OF[k] for k in type(exc).__mro__ if k in STATUS_OF)
        # Something it depends on is away: say when to try again.
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
        return error_response(status, exc.detail, exc.code, headers, exc.extra)

    @app.exception_handler(ConnectionFailure)
    async def database_away(request: Request, exc: ConnectionFailure) -> JSONResponse:
        # The database does not answer (a restart, a failover): retry later, like any 503.
        log.warning("%s %s: the database is not answering (%s)", request.method, request.url.path, type(exc).__name__)
        detail = "The service's database is not answering; try again in a minute."
        return error_response(503, detail, "database_unavailable", {"Retry-After": str(RETRY_AFTER_SECONDS)})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = CODE_OF_STATUS.get(exc.status_code, f"http_{exc.status_code}")
        return error_response(exc.status_code, str(exc.detail), code, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, readable(exc.errors()), "invalid_request")


def error_response(
    status: int, detail: str, code: str, headers: dict | None = None, extra: dict[str, Any] | None = None
) -> JSONResponse:
    """The one error body; ``extra`` fields go beside ``detail`` and ``code`` and cannot replace them."""
    return JSONResponse({**(extra or {}), "detail": detail, "code": code}, status_code=status, headers=headers)


def readable(problems: Sequence[Any]) -> str:
    """FastAPI's validation errors as one sentence per field."""
    parts = []
    for problem in problems:
        where = " ".join(str(p) for p in problem.get("loc", ()) if p not in ("body", "query", "path", "header"))
        parts.append(f"{where}: {problem.get('msg', 'invalid')}" if where else problem.get("msg", "invalid"))
    return "; ".join(parts) + "." if parts else "The request is not valid."


# What a correlation id from outside may look like; anything else is replaced.
CORRELATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,80}")


class CorrelationMiddleware:
    """Sets the correlation id for the request's log lines (and for what it
    publishes), and answers it in the ``X-Correlation-Id`` header. A failure
    no handler took is logged here, with that id, and answered as a 500 with
    the one error body (Starlette's outer error handler never sees it)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope["headers"]).get(b"x-correlation-id", b"").decode("latin-1")
        value = given if CORRELATION_ID.fullmatch(given) else new_id()
        started = False

        async def send_with_id(message) -> None:
            nonlocal started
            # The caller gets the id back: support finds the request's log lines by it.
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), (b"x-correlation-id", value.encode())]
            await send(message)

        with correlated(value):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as exc:
                log.error("%s %s failed", scope["method"], scope["path"], exc_info=exc)
                if not started:
                    await error_response(500, INTERNAL, "internal_error")(scope, receive, send_with_id)


async def signed_caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
    """Who the gateway says is calling (a signed, short-lived token for this service), or 401."""
    return verify(request.app.state.token_secret, request.app.state.service_name, authorization)


async def caller(signed: Annotated[Caller, Depends(signed_caller)]) -> Actor:
    """The user a command is for: the gateway signs it with every command."""
    actor = signed.actor()
    if actor is None:
        raise errors.NotSignedIn("no_user", "A command needs the signed identity of the user it is for.")
    return actor


async def enroller(actor: Annotated[Actor, Depends(caller)]) -> Actor:
    """The user a command that enrolls members is for: a broker or a group
    administrator (the gateway checks it first; a service does not take its word)."""
    if actor.role not in ENROLLERS:
        raise errors.NotPermitted("role_cannot_enroll", "Your role can review transactions but cannot enroll members.")
    return actor


async def optional_caller(signed: Annotated[Caller, Depends(signed_caller)]) -> Actor | None:
    """The user a query is for, or None when the gateway asks for itself."""
    return signed.actor()


async def correlation() -> str:
    """The request's correlation id (from the X-Correlation-Id header, or a new one)."""
    return correlation_id.get() or new_id()


async def deps_of(request: Request) -> Any:
    """The service's use-case dependencies (``Service.deps``), for its routes."""
    return request.app.state.deps


CallerDep = Annotated[Actor, Depends(caller)]
EnrollerDep = Annotated[Actor, Depends(enroller)]
# Roles that enroll members.
ENROLLERS = ("broker", "group_admin")
OptionalCaller = Annotated[Actor | None, Depends(optional_caller)]
CorrelationDep = Annotated[str, Depends(correlation)]


async def periodically(seconds: float, job: Callable[[], Awaitable[Any]], what: str) -> None:
    """Run ``job`` now and then every ``seconds``; a failed round is logged and retried."""
    while True:
        try:
            await job()
        except Exception:
            log.exception("%s failed; retrying in %.0f s", what, seconds)
        await asyncio.sleep(seconds)


def serve(app: FastAPI, settings: InfraSettings, name: str) -> None:
    """A service process: JSON logs, then the HTTP server (which runs the lifespan)."""
    import uvicorn

    configure_logging(name, settings.log_level, settings.faststream_log_level)
    # No X-Forwarded-For rewriting: the gateway decides whom to trust (TRUSTED_PROXIES).
    # A stop waits at most SHUTDOWN_GRACE_SECONDS for answers in flight (a page's live-progress stream
    # would otherwise hold it for minutes), then the app's own shutdown runs.
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )
