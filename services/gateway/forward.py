"""The services behind the gateway, and the one way every request reaches them."""

from __future__ import annotations

import logging
from typing import Any, Literal
from urllib.parse import quote

import httpx
from cachetools import TTLCache
from fastapi import Response

from shared.contracts.envelope import new_id
from shared.errors import Unavailable, UpstreamFailed
from shared.identity import SERVICE_ROLE, sign
from shared.logs import correlation_id

from .settings import GatewaySettings
from .users import User

log = logging.getLogger(__name__)

ServiceName = Literal["upload", "dashboard", "applications", "groups", "transactions"]
SERVICES: tuple[ServiceName, ...] = ("upload", "dashboard", "applications", "groups", "transactions")
# What of a service's answer reaches the caller besides its status and body.
PASSED_ON = ("content-type", "content-disposition")


def service_path(*segments: str) -> str:
    """A path of these segments, whatever they hold.

    Each segment is percent-encoded with nothing safe, so an id from the
    caller's URL can add no segment, query or fragment and cannot make the URL
    invalid; dots are encoded too, or httpx would resolve ``..`` into the
    parent path.
    """
    return "".join("/" + quote(segment, safe="").replace(".", "%2E") for segment in segments)


def is_json(answer: httpx.Response) -> bool:
    return "json" in answer.headers.get("content-type", "")


def failed(service: str, answer: httpx.Response, method: str, path: str) -> UpstreamFailed:
    log.error("%s service answered %s to %s %s", service, answer.status_code, method, path)
    return UpstreamFailed("service_failed", f"The {service} service failed; try again, and report it if it persists.")


class Services:
    """One HTTP client per service, built once; tests pass an ``httpx.MockTransport``."""

    def __init__(self, settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._token_secret = settings.service_token_secret.get_secret_value()
        urls = {
            "upload": settings.upload_url,
            "dashboard": settings.dashboard_url,
            "applications": settings.applications_url,
            "groups": settings.groups_url,
            "transactions": settings.transactions_url,
        }
        self.clients = {
            name: httpx.AsyncClient(base_url=url, timeout=settings.service_timeout_seconds, transport=transport)
            for name, url in urls.items()
        }
        # Every tenancy check reads a group, and its broker of record changes
        # rarely: keep groups for a few seconds.
        self._groups: TTLCache | None = TTLCache(10_000, settings.cache_seconds) if settings.cache_seconds > 0 else None
        self._records: TTLCache | None = (
            TTLCache(10_000, settings.cache_seconds) if settings.cache_seconds > 0 else None
        )

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def healthy(self, service: ServiceName, timeout: float) -> bool:
        """Whether the service answers its own /healthz with 200 within ``timeout`` seconds."""
        try:
            return (await self.clients[service].get("/healthz", timeout=timeout)).status_code == 200
        except httpx.HTTPError:
            return False

    async def send(
        self, service: ServiceName, method: str, *segments: str, actor: User | None = None, **content: Any
    ) -> httpx.Response:
        """The service's answer to one request; its failures become the caller's 502 or 503.

        ``actor`` (for commands) sends the caller's identity; ``content`` is
        httpx's ``params``, ``json``, ``data`` or ``files``.
        """
        # Every call carries a signed identity: the user's for a command (and
        # the reads that depend on who asks), the gateway's own otherwise.
        subject, role = (actor.user_id, actor.role) if actor is not None else ("gateway", SERVICE_ROLE)
        headers = {
            "X-Correlation-Id": correlation_id.get() or new_id(),
            "Authorization": f"Bearer {sign(self._token_secret, service, subject, role)}",
        }
        path = service_path(*segments)
        try:
            answer = await self.clients[service].request(method, path, headers=headers, **content)
        except httpx.TransportError as exc:
            log.warning("%s service unreachable on %s %s: %s", service, method, path, type(exc).__name__)
            raise Unavailable(
                "service_unavailable", f"The {service} service is not answering; try again in a minute."
            ) from exc
        # A refusal is passed on only when it is the service's own JSON
        # answer; anything else is its failure, not the caller's mistake.
        if answer.status_code == 503:  # away for a while (its database, its broker): the caller retries later
            raise Unavailable("service_unavailable", f"The {service} service is not answering; try again in a minute.")
        if answer.status_code >= 500 or (not answer.is_success and not is_json(answer)):
            raise failed(service, answer, method, path)
        return answer

    async def forward(
        self, service: ServiceName, method: str, *segments: str, actor: User | None = None, **content: Any
    ) -> Response:
        """The service's answer passed on: JSON (or a file: xlsx, pdf) with its status."""
        answer = await self.send(service, method, *segments, actor=actor, **content)
        headers = {name: answer.headers[name] for name in PASSED_ON if name in answer.headers}
        return Response(answer.content, status_code=answer.status_code, headers=headers)

    async def read(self, service: ServiceName, *segments: str, params: dict | None = None) -> Any:
        """A JSON record the gateway needs itself, or None when the service does not know it."""
        answer = await self.send(service, "GET", *segments, params=params)
        if answer.status_code == 404:
            return None
        if answer.status_code != 200 or not is_json(answer):
            raise failed(service, answer, "GET", service_path(*segments))
        return answer.json()

    async def read_cached(self, service: ServiceName, *segments: str) -> Any:
        """:meth:`read`, its answer kept for ``cache_seconds``."""
        key = (service, *segments)
        if self._records is not None and key in self._records:
            return self._records[key]
        record = await self.read(service, *segments)
        if self._records is not None:
            self._records[key] = record
        return record

    async def group(self, group_id: str) -> dict | None:
        """A group's masked record from the dashboard (broker of record, region), or None."""
        if self._groups is not None and group_id in self._groups:
            return self._groups[group_id]
        group = await self.read("dashboard", "groups", group_id)
        if group is not None and self._groups is not None:
            self._groups[group_id] = group
        return group
