"""What this code relies on in its libraries beyond their documented API,
tested so that an upgrade which changes it fails here, loudly, instead of
silently making the service slower."""

import pytest
from pymongo import AsyncMongoClient, monitoring

from shared.mongo import FileBucket

pytestmark = pytest.mark.integration


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.seen.append((event.command_name, str(event.command.get(event.command_name))))

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


async def test_gridfs_files_are_written_without_pymongos_per_file_index_probe(infra, prefix):
    """shared.mongo.FileBucket sets PyMongo's private ``_ensured_index`` on the
    upload stream: without it, every new file first reads the bucket
    (``find`` on files and chunks), which SecantusDB answers by decoding every
    stored chunk. If PyMongo renames that attribute, this test fails: look
    for the new way to skip the probe (or accept the cost and drop the hack)."""
    listener = Commands()
    client = AsyncMongoClient(infra.mongodb_uri, event_listeners=[listener])
    name = f"{prefix}gridfs".replace(".", "_")
    try:
        bucket = FileBucket(client[name], "files")
        await bucket.create_indexes()
        listener.seen.clear()
        await bucket.put("f1", "f1.xlsx", b"PK" + b"x" * 1000, {})
        await bucket.put("f2", "f2.xlsx", b"PK" + b"y" * 1000, {})
        assert [c for c in listener.seen if c[0] == "find"] == []
        assert {c[0] for c in listener.seen} >= {"insert"}
        stored = await (await bucket.bucket.open_download_stream("f2")).read()
        assert stored.startswith(b"PKy")
    finally:
        await client.drop_database(name)
        await client.close()
