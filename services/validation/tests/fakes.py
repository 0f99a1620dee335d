"""An in-memory ReferenceStore for unit tests."""

from __future__ import annotations

from services.validation.adapters import subgroup_ids
from services.validation.domain import GroupRef
from shared.contracts.reference import GroupRegistered, MemberEnrolled
from shared.contracts.uploads import MemberRowParsed


class InMemoryReferenceStore:
    """The same behaviour as MongoReferenceStore, in dicts."""

    def __init__(self) -> None:
        self.group_refs: dict[str, GroupRef] = {}
        self.members: dict[str, tuple[str, str]] = {}
        self.staged: dict[str, MemberRowParsed] = {}
        self.finished: set[str] = set()
        # application id -> (group, member), in the order they were claimed
        self.claims: dict[str, tuple[str, str]] = {}

    async def upsert_groups(self, events: list[GroupRegistered]) -> None:
        for e in events:
            self.group_refs[e.group_id] = GroupRef(e.group_id, e.region, e.can_enroll, frozenset(subgroup_ids(e)))

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
        held: dict[str, str] = {}
        for app_id, (group, member) in self.claims.items():
            if group == group_id and member in hashes:
                held.setdefault(member, app_id)  # the earlier claim wins
        return held

    async def claim(self, group_id: str, claims: dict[str, str], replace: bool = False) -> None:
        for member, app_id in claims.items():
            held = self.claims.get(app_id)
            if held is None or (replace and held != (group_id, member)):
                self.claims.pop(app_id, None)  # a new claim goes last
                self.claims[app_id] = (group_id, member)

    async def release_claims(self, application_ids: set[str], keep: str | None = None) -> None:
        self.claims = {a: c for a, c in self.claims.items() if a not in application_ids or c[1] == keep}

    async def finish_upload(self, upload_id: str) -> None:
        self.finished.add(upload_id)
        self.staged = {k: r for k, r in self.staged.items() if r.upload_id != upload_id}
