"""The applications service's own store: applications and their agreements."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from gridfs.errors import NoFile
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.applications import by_upload, is_application_id, upload_of
from shared.contracts.envelope import utcnow
from shared.mongo import FileBucket, Rows, apply_revisions, find_row, set_by_id, update_rows


class MongoApplicationStore:
    """Applications grouped by the upload they came from: one document per
    upload (250 applications at most) holding each application by id.

    The upload is the aggregate the actions work on (Submit Ready, Delete All
    Errors, re-validating a row within its file), and one document per upload
    is one write per batch instead of one per row. Every change is a
    version-checked read-modify-write (``shared.mongo.update_rows``).
    """

    def __init__(self, db: AsyncDatabase) -> None:
        self._uploads = db["upload_applications"]
        # When saved applications fall due, found by date without scanning uploads.
        self._expiries = db["saved_expiries"]
        self.agreements = FileBucket(db, "arbitration_agreements")

    async def create_indexes(self) -> None:
        await self._expiries.create_index([("expires_at", 1)])
        await self.agreements.create_indexes()

    async def upsert_many(self, docs: list[tuple[str, dict[str, Any]]]) -> None:
        """Store classified applications; an older revision never overwrites a newer one."""
        for upload_id, incoming in by_upload(docs).items():
            await update_rows(
                self._uploads,
                upload_id,
                lambda rows, incoming=incoming: apply_revisions(rows, incoming),
                _upload_fields(incoming[0][1]),
            )

    async def get(self, application_id: str) -> dict[str, Any] | None:
        if not is_application_id(application_id):
            return None
        row = await find_row(self._uploads, upload_of(application_id), application_id)
        return {"_id": application_id, **row} if row else None

    async def transition(
        self, application: dict[str, Any], to_status: str, extra: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Move one application to a status if nobody changed it meanwhile
        (same status, same revision); returns the new application, or None."""
        moved = await self.transition_many([application], to_status, lambda _: extra or {})
        return moved[0] if moved else None

    async def transition_many(
        self, applications: list[dict[str, Any]], to_status: str, extra: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Move each application that nobody changed meanwhile; one write per
        upload. Returns the moved applications (``extra(app)`` adds fields)."""
        if to_status == "saved" and applications:
            # The due date is noted first: a note whose application did not
            # move (or moved on) is dropped by the sweep, while a saved
            # application without its note would never expire.
            notes = [(a["_id"], {"expires_at": extra(a)["expires_at"]}) for a in applications]
            await set_by_id(self._expiries, notes)
        moved_all: list[dict[str, Any]] = []
        for upload_id, apps in by_upload((a["_id"], a) for a in applications).items():

            def change(rows: Rows, apps=apps) -> list[dict[str, Any]]:
                moved = []
                for app_id, app in apps:
                    row = rows.get(app_id)
                    if row is None or (row["status"], row["revision"]) != (app["status"], app["revision"]):
                        continue
                    fields = {"status": to_status, "revision": row["revision"] + 1, **extra(app)}
                    rows[app_id] = {**row, **fields}
                    moved.append({"_id": app_id, **rows[app_id]})
                return moved

            moved_all += (await update_rows(self._uploads, upload_id, change, _upload_fields(apps[0][1]))).result
        return moved_all

    async def of_upload(self, upload_id: str, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
        doc = await self._uploads.find_one({"_id": upload_id}) or {"rows": {}}
        found = [{"_id": a, **row} for a, row in doc["rows"].items() if row["status"] in statuses]
        return sorted(found, key=lambda a: a["row_number"])

    async def attach_agreement(self, application_id: str, file_name: str, data: bytes) -> dict[str, Any]:
        """Store the PDF (one per application; a new one replaces it) and note it on the application."""
        file_id = f"{application_id}:agreement"
        try:
            await self.agreements.bucket.delete(file_id)
        except NoFile:
            pass
        await self.agreements.put(
            file_id, file_name, data, {"application_id": application_id, "content_type": "application/pdf"}
        )
        agreement = {"file_id": file_id, "file_name": file_name, "size": len(data), "uploaded_at": utcnow()}

        def note(rows: Rows) -> None:
            if application_id in rows:
                rows[application_id] = {**rows[application_id], "arbitration_agreement": agreement}

        app = await self.get(application_id)
        if app is not None:
            await update_rows(self._uploads, upload_of(application_id), note, _upload_fields(app))
        return agreement

    async def read_agreement(self, application_id: str) -> bytes | None:
        try:
            stream = await self.agreements.bucket.open_download_stream(f"{application_id}:agreement")
        except NoFile:
            return None
        return await stream.read()

    async def due_for_expiry(self, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
        """Saved applications whose time is up. Notes left by applications
        that moved on (edited, submitted, deleted, saved again) are dropped."""
        due = await self._expiries.find({"expires_at": {"$lte": now}}).limit(limit).to_list()
        found = []
        for note in due:
            app = await self.get(note["_id"])
            if app is not None and app["status"] == "saved" and app["expires_at"] <= now:
                found.append(app)
            else:
                await self._expiries.delete_one({"_id": note["_id"], "expires_at": note["expires_at"]})
        return found


def _upload_fields(application: dict[str, Any]) -> dict[str, Any]:
    """What an upload's document holds beside its applications."""
    return {"group_id": application["group_id"], "region": application["region"]}


class InMemoryApplicationStore:
    """For unit tests: the same behaviour as MongoApplicationStore, in a dict."""

    def __init__(self) -> None:
        self.apps: dict[str, dict[str, Any]] = {}

    async def upsert_many(self, docs: list[tuple[str, dict[str, Any]]]) -> None:
        apply_revisions(self.apps, [(app_id, {"_id": app_id, **doc}) for app_id, doc in docs])

    async def get(self, application_id: str) -> dict[str, Any] | None:
        return self.apps.get(application_id)

    async def transition(
        self, application: dict[str, Any], to_status: str, extra: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        current = self.apps.get(application["_id"])
        if current is None or (current["status"], current["revision"]) != (
            application["status"],
            application["revision"],
        ):
            return None
        current.update({"status": to_status, "revision": current["revision"] + 1, **(extra or {})})
        return dict(current)

    async def transition_many(
        self, applications: list[dict[str, Any]], to_status: str, extra: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> list[dict[str, Any]]:
        moved = [await self.transition(a, to_status, extra(a)) for a in applications]
        return [m for m in moved if m is not None]

    async def of_upload(self, upload_id: str, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
        found = [dict(a) for a in self.apps.values() if a["upload_id"] == upload_id and a["status"] in statuses]
        return sorted(found, key=lambda a: a["row_number"])

    async def due_for_expiry(self, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
        return [dict(a) for a in self.apps.values() if a["status"] == "saved" and a["expires_at"] <= now][:limit]
