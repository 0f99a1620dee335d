"""Validation's own database: its projection of reference data, the rows of
files still arriving, and claims of members with an open application."""

from __future__ import annotations

from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.applications import upload_of
from shared.contracts.envelope import utcnow
from shared.contracts.reference import GroupRegistered, MemberEnrolled
from shared.contracts.uploads import MemberRowParsed
from shared.mongo import insert_new, set_by_id

from .domain import GroupRef


class ReferenceStore(Protocol):
    async def upsert_groups(self, events: list[GroupRegistered]) -> None: ...
    async def upsert_members(self, events: list[MemberEnrolled]) -> None: ...
    async def group(self, group_id: str) -> GroupRef | None: ...
    async def group_count(self) -> int: ...
    async def enrolled_hashes(self, group_id: str, hashes: set[str]) -> set[str]: ...
    async def stage_rows(self, rows: list[MemberRowParsed]) -> None: ...
    async def staged_rows(self, upload_id: str) -> list[MemberRowParsed]: ...
    async def pending_claims(self, group_id: str, hashes: set[str]) -> dict[str, str]: ...
    async def claim(self, group_id: str, claims: dict[str, str]) -> None: ...
    async def finish_upload(self, upload_id: str, staged: bool = True) -> None: ...
    async def release_claims(self, application_ids: set[str], keep: str | None = None) -> None: ...


class MongoReferenceStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self._groups = db["groups"]
        self._members = db["enrolled_members"]
        # Rows of a file that came in parts, one document per part, until all
        # have arrived; deleted once the file is classified.
        self._staged = db["staged_rows"]
        # Per upload: when it was classified, and which claim each application holds.
        self._finished = db["classified_uploads"]
        self._claims = db["pending_claims"]

    async def create_indexes(self) -> None:
        await self._members.create_index([("group_id", 1), ("ssn_hash", 1)])
        await self._staged.create_index([("upload_id", 1)])

    async def upsert_groups(self, events: list[GroupRegistered]) -> None:
        await set_by_id(
            self._groups,
            [
                (e.group_id, {"region": e.region, "can_enroll": e.can_enroll, "subgroup_ids": _subgroup_ids(e)})
                for e in events
            ],
        )

    async def upsert_members(self, events: list[MemberEnrolled]) -> None:
        await set_by_id(
            self._members, [(e.member_id, {"group_id": e.group_id, "ssn_hash": e.ssn_hash}) for e in events]
        )

    async def group_count(self) -> int:
        return await self._groups.count_documents({})

    async def group(self, group_id: str) -> GroupRef | None:
        doc = await self._groups.find_one({"_id": group_id})
        if doc is None:
            return None
        return GroupRef(doc["_id"], doc["region"], doc["can_enroll"], frozenset(doc["subgroup_ids"]))

    async def enrolled_hashes(self, group_id: str, hashes: set[str]) -> set[str]:
        query = {"group_id": group_id, "ssn_hash": {"$in": sorted(hashes)}}
        return {doc["ssn_hash"] async for doc in self._members.find(query, {"ssn_hash": 1})}

    async def stage_rows(self, rows: list[MemberRowParsed]) -> None:
        """Keep the rows of one file that came in this batch, as one document,
        until the rest arrive. Rows of a file already classified (a redelivery
        after the fact) are not kept again; the same part again is a no-op."""
        upload_id = rows[0].upload_id
        query = {"_id": upload_id, "classified_at": {"$exists": True}}
        if await self._finished.find_one(query, {"_id": 1}):
            return
        numbers = sorted(r.row_number for r in rows)
        part = {
            "_id": f"{upload_id}:{numbers[0]}-{numbers[-1]}:{len(numbers)}",
            "upload_id": upload_id,
            "rows": [r.model_dump(mode="json") for r in rows],
        }
        await insert_new(self._staged, [part])

    async def staged_rows(self, upload_id: str) -> list[MemberRowParsed]:
        """The file's rows kept so far, each once, by row number."""
        rows = {
            row["row_number"]: row async for part in self._staged.find({"upload_id": upload_id}) for row in part["rows"]
        }
        return [MemberRowParsed.model_validate(rows[n]) for n in sorted(rows)]

    async def pending_claims(self, group_id: str, hashes: set[str]) -> dict[str, str]:
        ids = sorted(_claim_id(group_id, h) for h in hashes)
        return {d["ssn_hash"]: d["application_id"] async for d in self._claims.find({"_id": {"$in": ids}})}

    async def claim(self, group_id: str, claims: dict[str, str]) -> None:
        """First claim wins: an existing claim is never moved to another application.

        Claims are found by member (their id); which claim an application
        holds is noted on its upload's record, so releasing one needs no
        second index on every claim (each index slows every insert)."""
        if not claims:
            return
        docs = [
            {"_id": _claim_id(group_id, h), "group_id": group_id, "ssn_hash": h, "application_id": a}
            for h, a in claims.items()
        ]
        by_upload: dict[str, dict[str, str]] = {}
        for doc in docs:
            by_upload.setdefault(upload_of(doc["application_id"]), {})[doc["application_id"]] = doc["_id"]
        for upload_id, held in by_upload.items():
            await self._note_claims(upload_id, held)
        await insert_new(self._claims, docs)

    async def _note_claims(self, upload_id: str, held: dict[str, str]) -> None:
        """Note which claim each application holds on its upload's record.
        The first note of a file sets the whole map as one field (a $set of
        250 paths costs SecantusDB ten times as much); later ones add to it."""
        try:
            await self._finished.update_one(
                {"_id": upload_id, "claims": {"$exists": False}}, {"$set": {"claims": held}}, upsert=True
            )
            return
        except DuplicateKeyError:
            pass  # the record has claims already: add these to them
        paths = {f"claims.{app_id}": claim_id for app_id, claim_id in held.items()}
        await self._finished.update_one({"_id": upload_id}, {"$set": paths}, upsert=True)

    async def release_claims(self, application_ids: set[str], keep: str | None = None) -> None:
        """The applications no longer hold their members (deleted, expired, or
        edited to another SSN: ``keep`` is the hash the edited one still holds)."""
        uploads = sorted({upload_of(a) for a in application_ids})
        held = [
            claim_id
            async for doc in self._finished.find({"_id": {"$in": uploads}}, {"claims": 1})
            for app, claim_id in doc.get("claims", {}).items()
            if app in application_ids
        ]
        if not held:
            return
        query: dict[str, Any] = {"_id": {"$in": held}, "application_id": {"$in": sorted(application_ids)}}
        if keep:
            query["ssn_hash"] = {"$ne": keep}
        await self._claims.delete_many(query)

    async def finish_upload(self, upload_id: str, staged: bool = True) -> None:
        await self._finished.update_one({"_id": upload_id}, {"$set": {"classified_at": utcnow()}}, upsert=True)
        if staged:
            await self._staged.delete_many({"upload_id": upload_id})


def _claim_id(group_id: str, ssn_hash: str) -> str:
    return f"{group_id}:{ssn_hash}"


class InMemoryReferenceStore:
    """For unit tests."""

    def __init__(self) -> None:
        self.group_refs: dict[str, GroupRef] = {}
        self.members: dict[str, tuple[str, str]] = {}
        self.staged: dict[str, MemberRowParsed] = {}
        self.finished: set[str] = set()
        self.claims: dict[str, str] = {}

    async def upsert_groups(self, events: list[GroupRegistered]) -> None:
        for e in events:
            self.group_refs[e.group_id] = GroupRef(e.group_id, e.region, e.can_enroll, frozenset(_subgroup_ids(e)))

    async def upsert_members(self, events: list[MemberEnrolled]) -> None:
        for e in events:
            self.members[e.member_id] = (e.group_id, e.ssn_hash)

    async def group(self, group_id: str) -> GroupRef | None:
        return self.group_refs.get(group_id)

    async def group_count(self) -> int:
        return len(self.group_refs)

    async def enrolled_hashes(self, group_id: str, hashes: set[str]) -> set[str]:
        return {h for g, h in self.members.values() if g == group_id and h in hashes}

    async def stage_rows(self, rows: list[MemberRowParsed]) -> None:
        self.staged.update({r.event_id: r for r in rows if r.upload_id not in self.finished})

    async def staged_rows(self, upload_id: str) -> list[MemberRowParsed]:
        return sorted((r for r in self.staged.values() if r.upload_id == upload_id), key=lambda r: r.row_number)

    async def pending_claims(self, group_id: str, hashes: set[str]) -> dict[str, str]:
        return {h: self.claims[f"{group_id}:{h}"] for h in hashes if f"{group_id}:{h}" in self.claims}

    async def claim(self, group_id: str, claims: dict[str, str]) -> None:
        for h, a in claims.items():
            self.claims.setdefault(f"{group_id}:{h}", a)

    async def release_claims(self, application_ids: set[str], keep: str | None = None) -> None:
        self.claims = {
            k: a for k, a in self.claims.items() if a not in application_ids or (keep and k.endswith(f":{keep}"))
        }

    async def finish_upload(self, upload_id: str, staged: bool = True) -> None:
        self.finished.add(upload_id)
        self.staged = {k: r for k, r in self.staged.items() if r.upload_id != upload_id}


def _subgroup_ids(event: GroupRegistered) -> list[str]:
    return [s.subgroup_id for s in event.subgroups]
