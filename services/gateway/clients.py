"""HTTP clients for the services behind the gateway, built once per process."""

from __future__ import annotations

from typing import Any, BinaryIO

import httpx
from cachetools import TTLCache

from shared.contracts.envelope import new_id

from .users import User


class ServiceError(Exception):
    """A service behind the gateway failed or could not be reached."""

    def __init__(self, service: str, status_code: int | None, body: Any = None) -> None:
        super().__init__(f"{service}: {status_code}: {body}")
        self.service = service
        self.status_code = status_code
        self.body = body


class _Client(httpx.AsyncClient):
    """An httpx client that names its service when it cannot reach it."""

    def __init__(self, service: str, base_url: str, timeout: float) -> None:
        super().__init__(base_url=base_url, timeout=timeout)
        self.service = service

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        try:
            response = await super().send(request, **kwargs)
        except httpx.TransportError as exc:
            raise ServiceError(self.service, None, type(exc).__name__) from exc
        response.extensions["service"] = self.service
        return response


def _identity(user: User, correlation_id: str | None = None) -> dict[str, str]:
    return {"X-Actor-Id": user.user_id, "X-Actor-Role": user.role, "X-Correlation-Id": correlation_id or new_id()}


class Services:
    def __init__(
        self, upload_url: str, dashboard_url: str, applications_url: str, timeout: float, cache_seconds: float = 0
    ) -> None:
        # Groups (broker of record, region) change rarely and every tenancy
        # check reads one: keep them for a few seconds.
        self._groups: TTLCache | None = TTLCache(10_000, cache_seconds) if cache_seconds > 0 else None
        self.upload = _Client("upload", upload_url, timeout)
        self.dashboard = _Client("dashboard", dashboard_url, timeout)
        self.applications = _Client("applications", applications_url, timeout)

    async def close(self) -> None:
        for client in (self.upload, self.dashboard, self.applications):
            await client.aclose()

    async def application(self, application_id: str) -> dict | None:
        return _json_or_none(await self.applications.get(f"/applications/{application_id}"))

    async def act(self, user: User, method: str, path: str, body: dict | None = None) -> httpx.Response:
        """A command to the applications service, with the caller's identity."""
        return await self.applications.request(method, path, json=body, headers=_identity(user))

    async def attach(self, user: User, path: str, file_name: str, content: BinaryIO, content_type: str):
        """A file for the applications service, with the caller's identity."""
        return await self.applications.post(
            path, files={"file": (file_name, content, content_type)}, headers=_identity(user)
        )

    async def read(self, path: str, params: dict | None = None) -> httpx.Response:
        """A query to the dashboard's read models."""
        return await self.dashboard.get(path, params=params)

    async def groups(self, params: dict) -> list[dict]:
        return _json(await self.dashboard.get("/groups", params=params))

    async def group(self, group_id: str) -> dict | None:
        if self._groups is not None and group_id in self._groups:
            return self._groups[group_id]
        group = _json_or_none(await self.dashboard.get(f"/groups/{group_id}"))
        if group is not None and self._groups is not None:
            self._groups[group_id] = group
        return group

    async def upload_progress(self, upload_id: str) -> dict | None:
        return _json_or_none(await self.dashboard.get(f"/uploads/{upload_id}"))

    async def upload_record(self, upload_id: str) -> dict | None:
        return _json_or_none(await self.upload.get(f"/uploads/{upload_id}"))

    async def template(self, group_id: str, region: str) -> httpx.Response:
        return await self.upload.get(f"/templates/{group_id}", params={"region": region})

    async def submit_upload(
        self,
        user: User,
        group_id: str,
        region: str,
        group_name: str,
        file_name: str,
        content: BinaryIO,
        content_type: str,
    ) -> httpx.Response:
        """Forwarded as it is: the upload service decides what it accepts."""
        return await self.upload.post(
            "/uploads",
            data={"group_id": group_id, "region": region, "group_name": group_name},
            files={"file": (file_name, content, content_type)},
            headers=_identity(user),
        )


def _json(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise ServiceError(response.extensions.get("service", "?"), response.status_code, response.text[:500])
    return response.json()


def _json_or_none(response: httpx.Response) -> Any:
    return None if response.status_code == 404 else _json(response)
