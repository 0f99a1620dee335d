"""The upload service on the real servers: GridFS, its database, row messages."""

import io
import time
import uuid

import pytest
from faststream.kafka import KafkaBroker
from gridfs import AsyncGridFSBucket
from openpyxl import load_workbook

from services.upload.app import create_app
from services.upload.settings import UploadSettings
from services.upload.tests.hostile_files import CORPUS, Hostile
from shared.contracts.topics import Topics
from shared.crypto import FieldCipher
from shared.identity import sign
from shared.kafka import ensure_topics
from shared.mongo import make_client
from shared.settings import DEMO_SECRET
from tests.integration.conftest import as_user, running
from tests.messages import group_registered
from tests.support import eventually, member, plain_workbook, read_topic, topic_size, workbook

pytestmark = pytest.mark.integration


def hostile(name: str) -> Hostile:
    return next(h for h in CORPUS if h.name == name)


def identity() -> dict[str, str]:
    return as_user("broker1", "broker") | {"X-Correlation-Id": "corr-1"}


FORM = {"group_id": "230001", "region": "CA", "group_name": "Golden Gate Bakery"}


@pytest.fixture
def settings(common, prefix):
    return UploadSettings(**common, database=f"{prefix}upload".replace(".", "_"), max_upload_bytes=200_000)


async def test_upload_stores_the_file_and_publishes_rows_keyed_by_group(settings, topics, infra):
    async with running(create_app(settings)) as http:
        answer = await http.post(
            "/uploads",
            data=FORM,
            headers=identity(),
            files={"file": ("members.xlsx", workbook([member(n) for n in range(5)]))},
        )
    assert answer.status_code == 202, answer.text
    upload_id = answer.json()["upload_id"]
    assert answer.json()["total_rows"] == 5

    rows = await read_topic(infra.kafka_bootstrap, topics.member_row_parsed, expect=5)
    assert sorted(v["row_number"] for _, v in rows) == [4, 5, 6, 7, 8]
    assert {k for k, _ in rows} == {b"230001"}
    assert {v["upload_id"] for _, v in rows} == {upload_id}
    assert {v["correlation_id"] for _, v in rows} == {"corr-1"}
    ((key, accepted),) = await read_topic(infra.kafka_bootstrap, topics.upload_accepted, expect=1)
    assert accepted["total_rows"] == 5 and accepted["actor"] == {"user_id": "broker1", "role": "broker"}

    client = make_client(settings.mongodb_uri)
    try:
        db = client[settings.database]
        stored = await (await AsyncGridFSBucket(db, bucket_name="upload_files").open_download_stream(upload_id)).read()
        # kept encrypted: the workbook (with the members' SSNs) is not readable from the database
        cipher = FieldCipher.from_setting(settings.pii_encryption_keys.get_secret_value())
        assert not stored.startswith(b"PK") and cipher.decrypt_file(upload_id, stored).startswith(b"PK")
        # The bucket's indexes are made at start (files are written without GridFS's own check).
        chunk_indexes = [i async for i in await db["upload_files.chunks"].list_indexes()]
        assert any(dict(i["key"]) == {"files_id": 1, "n": 1} and i.get("unique") for i in chunk_indexes)
        record = await db.uploads.find_one({"_id": upload_id})
        assert record["published"] is True and record["group_id"] == "230001"
    finally:
        await client.close()


@pytest.fixture(scope="module")
async def refusing_service(infra):
    """One upload service for the refusal tests: nothing may ever reach its topics or database."""
    prefix = f"t{uuid.uuid4().hex[:8]}."
    topics = Topics(prefix)
    await ensure_topics(infra.kafka_bootstrap, topics.all())
    settings = UploadSettings(
        app_env="test",
        kafka_bootstrap_servers=infra.kafka_bootstrap,
        mongodb_uri=infra.mongodb_uri,
        topic_prefix=prefix,
        database=f"{prefix}upload".replace(".", "_"),
        max_upload_bytes=200_000,
    )
    async with running(create_app(settings)) as http:
        yield http, settings, topics


@pytest.mark.parametrize(
    "name,content,status,code",
    [
        ("members.csv", b"first,last\nAna,Lee\n", 415, "not_xlsx"),
        ("members.xlsx", workbook([]), 422, "no_members"),
        ("members.xlsx", plain_workbook([member(1)], sheet="Members"), 422, "members_sheet_missing"),
        ("members.xlsx", plain_workbook([member(1)]), 422, "not_a_template"),
        ("members.xlsx", workbook([member(n) for n in range(251)]), 422, "too_many_members"),
        ("members.xlsx", workbook([member(1)], group_id="230002"), 422, "wrong_group"),
        ("members.xlsx", b"PK\x03\x04" + b"\0" * 250_000, 413, "file_too_large"),
        *(
            ("members.xlsx", h.make(), status, h.code)
            for h, status in (
                (hostile("decompression bomb in the sheet"), 413),
                (hostile("macros (.xlsm)"), 415),
                (hostile("billion laughs in the sheet"), 415),
                (hostile("password-protected workbook"), 415),
                (hostile("a 2,000,000-character name"), 422),
            )
        ),
    ],
)
async def test_bad_files_are_refused_and_leave_nothing_behind(refusing_service, infra, name, content, status, code):
    http, settings, topics = refusing_service
    answer = await http.post("/uploads", data=FORM, headers=identity(), files={"file": (name, content)})
    assert answer.status_code == status and answer.json()["code"] == code
    assert answer.json()["detail"]
    client = make_client(settings.mongodb_uri)
    try:
        db = client[settings.database]
        assert await db.uploads.count_documents({}) == 0
        assert await db["upload_files.files"].count_documents({}) == 0
    finally:
        await client.close()
    assert await topic_size(infra.kafka_bootstrap, topics.member_row_parsed) == 0
    assert await topic_size(infra.kafka_bootstrap, topics.upload_accepted) == 0


async def test_commands_without_identity_are_refused(refusing_service):
    http, _, _ = refusing_service
    answer = await http.post("/uploads", data=FORM, files={"file": ("m.xlsx", workbook([member(1)]))})
    assert answer.status_code == 401 and answer.json()["code"] == "no_user"  # signed, but for no user


async def test_the_internal_api_answers_only_callers_the_gateway_signed(refusing_service):
    http, _, _ = refusing_service
    forged = [
        {},
        {"X-Actor-Id": "broker1", "X-Actor-Role": "broker"},  # a caller's word for who it is
        {"Authorization": f"Bearer {sign('a-secret-that-is-not-the-deployments-own', 'upload', 'broker1', 'broker')}"},
        {
            "Authorization": f"Bearer {sign(DEMO_SECRET, 'upload', 'broker1', 'broker', now=time.time() - 3600)}"
        },  # expired
        {"Authorization": "Bearer not-a-token"},
    ]
    for headers in forged:
        answer = await http.get("/uploads/some-upload", headers=headers, auth=None)
        assert answer.status_code == 401 and answer.json()["code"] in ("no_identity", "bad_identity"), headers
    assert (await http.get("/healthz", auth=None)).status_code == 200
    # a command for a user who enrolls no one (a KP reviewer) is refused here too, not only at the gateway
    file = {"file": ("m.xlsx", workbook([member(1)]))}
    refused = await http.post("/uploads", data=FORM, headers=as_user("reviewer1", "kp_reviewer"), files=file)
    assert (refused.status_code, refused.json()["code"]) == (403, "role_cannot_enroll")
    assert (await http.get("/uploads/some-upload")).status_code == 404  # signed by the gateway: answered


async def test_template_is_made_from_the_groups_projection(settings, topics, infra):
    group = group_registered("230077", "Kona Florist", "HI", "broker2", ("0003",))
    async with running(create_app(settings)) as http:
        assert (await http.get("/templates/230077", params={"region": "HI"})).status_code == 404
        broker = KafkaBroker(infra.kafka_bootstrap)
        await broker.connect()
        await broker.publish(group, topics.group_registered, key=b"230077")
        await broker.stop()

        async def downloaded():
            answer = await http.get("/templates/230077", params={"region": "HI"})
            return answer if answer.status_code == 200 else None

        answer = await eventually(downloaded)
        assert (await http.get("/templates/230077", params={"region": "CA"})).status_code == 422
    wb = load_workbook(io.BytesIO(answer.content))
    assert wb["Enrollment Data"]["D2"].value == "Kona Florist"
    assert wb["Lists"]["A1"].value == "0003"
