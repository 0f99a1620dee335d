"""Validation's own database: its projection of reference data, the rows of
files still arriving, and claims of members with an open application. The
store's Protocol is what the use cases need; the in-memory fake for unit
tests is in ``tests/fakes.py``."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.applications import by_upload, upload_of
from shared.contracts.envelope import utcnow
from shared.contracts.reference import GroupRegistered, MemberEnrolled
from shared.contracts.uploads import MemberRowParsed
from shared.mongo import MongoStore, insert_new, set_by_id

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
    async def claim(self, group_id: str, claims: dict[str, str], replace: bool = False) -> None: ...
    async def finish_upload(self, upload_id: str) -> None: ...
    async def release_claims(self, application_ids: set[str], keep: str | None = None) -> None: ...


class MongoReferenceStore(MongoStore):
    INDEXES: ClassVar = {
        "enrolled_members": [[("group_id", 1), ("ssn_hash", 1)]],
        "staged_rows": [[("upload_id", 1)]],
        "pending_claims": [[("group_id", 1), ("members", 1)]],
    }

    def __init__(self, db: AsyncDatabase) -> None:
        super().__init__(db)
        self._groups = db["groups"]
        self._members = db["enrolled_members"]
        # Rows of a file that came in parts, one document per part, until all
        # have arrived; deleted once the file is classified.
        self._staged = db["staged_rows"]
        # Per upload: when it was classified.
        self._finished = db["classified_uploads"]
        # Per upload: the members (keyed hashes) its open applications hold, so
        # no other file enrolls them meanwhile. Apart from the above: changing a
        # document rewrites all its index entries, 250 of them here.
        self._claims = db["pending_claims"]

    async def upsert_groups(self, events: list[GroupRegistered]) -> None:
        await set_by_id(
            self._groups,
            [
                (e.group_id, {"region": e.region, "can_enroll": e.can_enroll, "subgroup_ids": subgroup_ids(e)})
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
        """Which open application holds each of these members, if any. Should
        two hold one (claimed at the same moment), the earlier claim wins."""
        query = {"group_id": group_id, "members": {"$in": sorted(hashes)}}
        holders: dict[str, tuple[Any, str]] = {}
        async for doc in self._claims.find(query, {"claims": 1, "since": 1}):
            for app_id, member in doc["claims"].items():
                if member in hashes:
                    mine = (doc["since"][app_id], app_id)
                    holders[member] = min(holders.get(member, mine), mine)
        return {member: app_id for member, (_, app_id) in holders.items()}

    async def claim(self, group_id: str, claims: dict[str, str], replace: bool = False) -> None:
        """Note the members (keyed hashes) that applications hold: one claims
        document per upload with a multikey index on its members, a third of
        the cost of one document per member. A member already held by another
        application stays with it (see pending_claims).

        An application that holds a member already keeps it, unless
        ``replace`` (an edit, after release_claims gave up the old one): a
        file classified again after an edit must not undo the edit's claim."""
        for upload_id, pairs in by_upload((app_id, member) for member, app_id in claims.items()).items():
            held = dict(pairs)
            now = utcnow()
            try:
                # A file's first claims: the whole map as one field (a $set of
                # 250 paths costs SecantusDB ten times as much).
                await self._claims.update_one(
                    {"_id": upload_id, "claims": {"$exists": False}},
                    {
                        "$set": {
                            "group_id": group_id,
                            "claims": held,
                            "since": dict.fromkeys(held, now),
                            "members": sorted(set(held.values())),
                        }
                    },
                    upsert=True,
                )
                continue
            except DuplicateKeyError:
                pass  # the upload has claims already
            current = (await self._claims.find_one({"_id": upload_id}, {"claims": 1}))["claims"]
            new = {a: m for a, m in held.items() if a not in current or (replace and current[a] != m)}
            if new:
                await self._claims.update_one(
                    {"_id": upload_id},
                    {
                        "$set": {
                            **{f"claims.{a}": m for a, m in new.items()},
                            **{f"since.{a}": now for a in new},
                        },
                        "$addToSet": {"members": {"$each": sorted(set(new.values()))}},
                    },
                )

    async def release_claims(self, application_ids: set[str], keep: str | None = None) -> None:
        """The applications no longer hold their members (deleted, expired, or
        edited to another SSN: ``keep`` is the hash the edited one still holds)."""
        uploads = sorted({upload_of(a) for a in application_ids})
        async for doc in self._claims.find({"_id": {"$in": uploads}}, {"claims": 1}):
            claims = doc.get("claims", {})
            gone = {a: m for a, m in claims.items() if a in application_ids and m != keep}
            if not gone:
                continue
            still_held = {m for a, m in claims.items() if a not in gone}
            await self._claims.update_one(
                {"_id": doc["_id"]},
                {
                    "$unset": {**{f"claims.{a}": "" for a in gone}, **{f"since.{a}": "" for a in gone}},
                    "$pullAll": {"members": sorted(set(gone.values()) - still_held)},
                },
            )

    async def finish_upload(self, upload_id: str) -> None:
        """The file is classified: its staged parts (if it came in parts, or
        in parts before a redelivery brought it whole) are not needed."""
        await self._finished.update_one({"_id": upload_id}, {"$set": {"classified_at": utcnow()}}, upsert=True)
        await self._staged.delete_many({"upload_id": upload_id})


def subgroup_ids(event: GroupRegistered) -> list[str]:
    return [s.subgroup_id for s in event.subgroups]
