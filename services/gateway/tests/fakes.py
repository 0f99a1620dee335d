"""In-memory stand-ins for what the gateway talks to: its user store, and the
upload, dashboard, applications and groups services (an ``httpx.MockTransport``
handler that records every request it receives)."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import httpx
from argon2.exceptions import VerifyMismatchError

from services.gateway.passwords import Passwords
from services.gateway.throttle import Record
from services.gateway.users import User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The fake tells the services apart by host.
URLS = {
    "upload_url": "http://upload",
    "dashboard_url": "http://dashboard",
    "applications_url": "http://applications",
    "groups_url": "http://groups",
    "transactions_url": "http://transactions",
}


class FakeHasher:
    """argon2's PasswordHasher in clear, taking ``seconds`` of the calling thread per check."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def hash(self, password: str) -> str:
        return f"fake${password}"

    def verify(self, password_hash: str, password: str) -> bool:
        time.sleep(self.seconds)
        if password_hash != self.hash(password):
            raise VerifyMismatchError()
        return True


class FakeUsers:
    """Users who all have ``password`` (checked by the real ``Passwords`` on a fake hasher), and their sessions."""

    def __init__(self, *users: User, password: str) -> None:
        self.users = {user.user_id: user for user in users}
        self.hasher = FakeHasher()
        self.passwords = Passwords(None, self.hasher)  # type: ignore[arg-type]
        self.password_hash = self.hasher.hash(password)
        self.sessions: dict[str, str] = {}
        self.down = False

    async def authenticate(self, user_id: str, password: str) -> User | None:
        ok = await self.passwords.verify(self.password_hash, password)
        return self.users.get(user_id) if ok else None

    async def known(self, user_id: str) -> bool:
        return user_id in self.users

    async def ping(self) -> None:
        if self.down:
            raise ConnectionError("the gateway's database is down")

    async def open_session(self, user: User) -> str:
        token = secrets.token_urlsafe(16)
        self.sessions[token] = user.user_id
        return token

    async def user_for(self, token: str) -> User | None:
        return self.users.get(self.sessions.get(token, ""))

    async def close_session(self, token: str) -> None:
        self.sessions.pop(token, None)


class FakeAttempts:
    """The throttling records in memory, written as ``MongoAttempts`` writes them (less their expiry)."""

    def __init__(self) -> None:
        self.kept: dict[str, Record] = {}

    async def records(self, keys: Sequence[str]) -> dict[str, Record]:
        return {key: self.kept[key] for key in keys if key in self.kept}

    async def add_failure(self, key: str, at: datetime, keep: int, expires_at: datetime) -> Record:
        record = self.kept.get(key, Record())
        self.kept[key] = replace(record, failures=(*record.failures, at)[-keep:])
        return self.kept[key]

    async def lock(self, key: str, seen: Record, until: datetime, expires_at: datetime) -> bool:
        record = self.kept[key]
        if record.locks != seen.locks:
            return False
        self.kept[key] = replace(record, locks=record.locks + 1, locked_until=until)
        return True

    async def clear(self, key: str) -> None:
        self.kept.pop(key, None)

    async def forgive(self, key: str, at: datetime) -> None:
        if key in self.kept:
            record = self.kept[key]
            self.kept[key] = replace(record, failures=tuple(f for f in record.failures if f != at))


class FakeAudit:
    def __init__(self) -> None:
        self.entries: list[dict] = []

    async def record(self, entry: dict) -> None:
        self.entries.append(entry)

    async def page(self, page: int, page_size: int) -> tuple[list[dict], int]:
        newest = sorted(self.entries, key=lambda e: e["at"], reverse=True)
        return newest[(page - 1) * page_size : page * page_size], len(newest)


class FakeServices:
    """The services: groups with their broker, uploads with their group, applications."""

    def __init__(self) -> None:
        self.groups: dict[str, dict] = {}
        self.uploads: dict[str, dict] = {}  # the upload service's records
        self.progress: dict[str, dict] = {}  # the dashboard's, once it has projected an upload
        self.applications: dict[str, dict] = {}
        self.transactions: dict[str, dict] = {}  # the transactions service's records
        self.requests: list[httpx.Request] = []
        self.canned: dict[str, tuple[int, Any]] = {}  # service: (status, JSON or text) it answers to everything
        self.down: set[str] = set()

    def add_group(self, group_id: str, broker_id: str) -> None:
        self.groups[group_id] = {
            "group_id": group_id,
            "name": f"Group {group_id}",
            "region": "CA",
            "broker_id": broker_id,
        }

    def add_upload(self, upload_id: str, group_id: str, projected: bool = True) -> None:
        self.uploads[upload_id] = {"upload_id": upload_id, "group_id": group_id, "file_name": "m.xlsx", "total_rows": 3}
        if projected:
            self.progress[upload_id] = {"upload_id": upload_id, "group_id": group_id, "total_rows": 3, "ready": 3}

    def add_application(self, application_id: str, status: str = "ready") -> None:
        self.applications[application_id] = {
            "application_id": application_id,
            "upload_id": application_id.rsplit("-", 1)[0],
            "row_number": int(application_id[-4:]),
            "status": status,
            "cells": {"first_name": "Ann", "ssn": "123-45-6789", "date_of_birth": "1988-06-15"},
            "issues": [{"column": "ZIP Code", "message": "Enter 5 digits."}] if status == "error" else [],
        }

    def sent(self, service: str) -> list[httpx.Request]:
        return [request for request in self.requests if request.url.host == service]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        service = request.url.host
        if service in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if service in self.canned:
            status, body = self.canned[service]
            return httpx.Response(status, text=body) if isinstance(body, str) else httpx.Response(status, json=body)
        found = self.answer(service, request, *segments(request))
        return found if found is not None else httpx.Response(404, json={"detail": "not found", "code": "not_found"})

    def answer(self, service: str, request: httpx.Request, *path: str) -> httpx.Response | None:
        params = request.url.params
        match (service, request.method, *path):
            case (_, "GET", "healthz"):
                return json_answer({"status": "ok"})
            case ("dashboard", "GET", "groups"):
                # Every group, whatever the filter: the gateway must not rely on it.
                return json_answer(list(self.groups.values()))
            case ("dashboard", "GET", "groups", group_id):
                return json_answer(self.groups.get(group_id))
            case ("dashboard", "GET", "uploads", upload_id):
                return json_answer(self.progress.get(upload_id))
            case ("dashboard", "GET", *_):
                return json_answer({"items": [], "total": 0})
            case ("upload", "GET", "uploads", upload_id):
                return json_answer(self.uploads.get(upload_id))
            case ("upload", "GET", "templates", group_id):
                return file_answer(XLSX, f"mass-enrollment-{group_id}.xlsx")
            case ("upload", "POST", "uploads"):
                return httpx.Response(202, json={"upload_id": "U9", "total_rows": 1})
            case ("upload", "POST", "uploads", upload_id, "error-report") if upload_id in self.uploads:
                return file_answer(XLSX, f"errors-{upload_id}.xlsx")
            case ("applications", "GET", "uploads", upload_id, "applications"):
                apps = self.applications.values()
                return json_answer([a for a in apps if a["upload_id"] == upload_id and a["status"] == params["status"]])
            case ("applications", "GET", "applications", application_id, "arbitration-agreement"):
                return file_answer("application/pdf", None)
            case ("applications", "GET", "applications", application_id):
                return json_answer(self.applications.get(application_id))
            case ("applications", method, *_):
                return json_answer({"done": f"{method} {'/'.join(path)}"})
            case ("transactions", "GET", "transactions", transaction_id):
                return json_answer(self.transactions.get(transaction_id))
            case ("transactions", method, *_):
                return json_answer({"done": f"{method} {'/'.join(path)}"})
            case ("groups", "PATCH", "groups", group_id):
                return json_answer({**self.groups[group_id], **json.loads(request.content), "version": 2})
        return None


def segments(request: httpx.Request) -> list[str]:
    """The request's path segments, decoded one by one (an encoded '/' stays in its segment)."""
    return [unquote(part) for part in request.url.raw_path.decode().split("?")[0].split("/")[1:]]


def json_answer(body: Any) -> httpx.Response | None:
    return None if body is None else httpx.Response(200, json=body)


def file_answer(content_type: str, file_name: str | None) -> httpx.Response:
    disposition = {"Content-Disposition": f'attachment; filename="{file_name}"'} if file_name else {}
    return httpx.Response(200, content=b"PK\x03\x04 file", headers={"Content-Type": content_type, **disposition})


def identity(request) -> tuple[str, str] | None:
    """(subject, role) of the signed identity a request to a service carries (None: it carries none)."""
    from shared.identity import verify
    from shared.settings import DEMO_SECRET

    if "authorization" not in request.headers:
        return None
    caller = verify(DEMO_SECRET, request.url.host, request.headers["authorization"])  # a token for that service
    return caller.subject, caller.role
