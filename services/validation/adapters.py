"""Validation's own projection of reference data (its own database)."""

from __future__ import annotations

from typing import Protocol

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.reference import GroupRegistered, MemberEnrolled

from .domain import GroupRef


class ReferenceStore(Protocol):
    async def upsert_groups(self, events: list[GroupRegistered]) -> None: ...
    async def upsert_members(self, events: list[MemberEnrolled]) -> None: ...
    async def groups(self, group_ids: set[str]) -> dict[str, GroupRef]: ...
    async def enrolled_hashes(self, group_ids: set[str], hashes: set[str]) -> dict[str, set[str]]: ...


class MongoReferenceStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self._groups = db["groups"]
        self._members = db["enrolled_members"]

    async def create_indexes(self) -> None:
        await self._members.create_index([("group_id", 1), ("ssn_hash", 1)])

    async def upsert_groups(self, events: list[GroupRegistered]) -> None:
        await self._groups.bulk_write(
            [
                UpdateOne(
                    {"_id": e.group_id},
                    {
                        "$set": {
                            "region": e.region,
                            "can_enroll": e.can_enroll,
                            "subgroup_ids": [s.subgroup_id for s in e.subgroups],
                        }
                    },
                    upsert=True,
                )
                for e in events
            ],
            ordered=False,
        )

    async def upsert_members(self, events: list[MemberEnrolled]) -> None:
        await self._members.bulk_write(
            [
                UpdateOne(
                    {"_id": e.member_id},
                    {"$set": {"group_id": e.group_id, "ssn_hash": e.ssn_hash}},
                    upsert=True,
                )
                for e in events
            ],
            ordered=False,
        )

    async def group_count(self) -> int:
        return await self._groups.count_documents({})

    async def groups(self, group_ids: set[str]) -> dict[str, GroupRef]:
        found = {}
        async for doc in self._groups.find({"_id": {"$in": sorted(group_ids)}}):
            found[doc["_id"]] = GroupRef(doc["_id"], doc["region"], doc["can_enroll"], frozenset(doc["subgroup_ids"]))
        return found

    async def enrolled_hashes(self, group_ids: set[str], hashes: set[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {g: set() for g in group_ids}
        query = {"group_id": {"$in": sorted(group_ids)}, "ssn_hash": {"$in": sorted(hashes)}}
        async for doc in self._members.find(query, {"group_id": 1, "ssn_hash": 1}):
            found[doc["group_id"]].add(doc["ssn_hash"])
        return found


class InMemoryReferenceStore:
    def __init__(self) -> None:
        self.group_refs: dict[str, GroupRef] = {}
        self.members: dict[str, tuple[str, str]] = {}

    async def upsert_groups(self, events: list[GroupRegistered]) -> None:
        for e in events:
            self.group_refs[e.group_id] = GroupRef(
                e.group_id, e.region, e.can_enroll, frozenset(s.subgroup_id for s in e.subgroups)
            )

    async def upsert_members(self, events: list[MemberEnrolled]) -> None:
        for e in events:
            self.members[e.member_id] = (e.group_id, e.ssn_hash)

    async def groups(self, group_ids: set[str]) -> dict[str, GroupRef]:
        return {g: self.group_refs[g] for g in group_ids if g in self.group_refs}

    async def enrolled_hashes(self, group_ids: set[str], hashes: set[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {g: set() for g in group_ids}
        for group_id, h in self.members.values():
            if group_id in group_ids and h in hashes:
                found[group_id].add(h)
        return found
