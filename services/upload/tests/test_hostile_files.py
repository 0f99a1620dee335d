"""Every file of the hostile corpus through the upload use case: a refusal
that names the problem, with nothing stored and nothing published — or, for
odd files that are still workbooks to read, the upload and what the user is
told about it."""

import pytest
from faststream.kafka import TestKafkaBroker

from services.upload import subscribers, use_cases
from services.upload.settings import UploadSettings
from services.upload.tests.fakes import InMemoryGroupStore, InMemoryUploadStore
from services.upload.tests.hostile_files import CORPUS, Hostile
from services.upload.use_cases import Deps, UploadRequest
from shared.contracts.envelope import Actor
from shared.contracts.uploads import MemberRowParsed
from shared.errors import DomainError
from shared.files import safe_file_name
from tests.support import collect, service_broker

REQUEST = UploadRequest("230001", "CA", "", "members.xlsx", Actor(user_id="admin1", role="group_admin"), "c1")


@pytest.fixture(scope="module")
async def service():
    deps = Deps(store=InMemoryUploadStore(), groups=InMemoryGroupStore(), max_bytes=100_000_000)
    broker = service_broker(UploadSettings(app_env="test"), deps, subscribers)
    published = collect(broker, rows=("enrollment.member-row-parsed.v1", MemberRowParsed))
    async with TestKafkaBroker(broker):
        yield deps, published


def test_the_corpus_holds_thirty_kinds_of_file_or_more():
    assert len({h.name for h in CORPUS}) >= 30


@pytest.mark.parametrize("hostile", [h for h in CORPUS if h.code], ids=lambda h: h.name)
async def test_a_hostile_file_is_refused_naming_the_problem_and_leaves_nothing(service, hostile: Hostile):
    deps, published = service
    stored, sent = dict(deps.store.records), len(published["rows"])
    with pytest.raises(DomainError) as refused:
        await use_cases.accept_upload(deps, REQUEST, hostile.make())
    assert refused.value.code == hostile.code, refused.value.detail
    assert len(refused.value.detail) > 40  # says what is wrong and what to do
    assert deps.store.records == stored and len(published["rows"]) == sent


@pytest.mark.parametrize("hostile", [h for h in CORPUS if not h.code], ids=lambda h: h.name)
async def test_an_odd_file_that_is_still_a_template_is_taken_and_the_user_told(service, hostile: Hostile):
    deps, published = service
    accepted, notices = await use_cases.accept_upload(deps, REQUEST, hostile.make())
    assert accepted.total_rows >= 1 and deps.store.records[accepted.upload_id]["published"] is True
    if hostile.notice:
        assert any(hostile.notice in n for n in notices), notices
    else:
        assert notices == []


async def test_a_formula_with_its_saved_value_is_read_as_that_value(service):
    deps, published = service
    formula = next(h for h in CORPUS if h.name == "a formula with its saved value")
    accepted, _ = await use_cases.accept_upload(deps, REQUEST, formula.make())
    (row,) = [m for m in published["rows"] if m.upload_id == accepted.upload_id and m.row_number == 4]
    assert row.cells["first_name"] == "Saved"


@pytest.mark.parametrize(
    "given,kept",
    [
        ("members.xlsx", "members.xlsx"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\My Members (2).xlsx", "My Members (2).xlsx"),
        ("<b onmouseover=alert(1)>x.xlsx", "b onmouseover_alert(1)_x.xlsx"),
        ("<script>alert(1)</script>.xlsx", "script_.xlsx"),
        ("line\r\nInjected: header.xlsx", "line_Injected_ header.xlsx"),
        ("", "upload.xlsx"),
        ("..", "upload.xlsx"),
        ("a" * 300 + ".xlsx", "a" * 95 + ".xlsx"),
        ("Ana Lee 123-45-6789 born 06-15-1988.xlsx", "Ana Lee _ssn_ born _date_.xlsx"),
    ],
)
def test_file_names_are_kept_as_a_name_only(given, kept):
    assert safe_file_name(given, "upload.xlsx") == kept


async def test_a_row_beyond_the_sheets_declared_size_is_read_not_dropped(service):
    deps, published = service
    beyond = next(h for h in CORPUS if h.name == "a row beyond the declared size of the sheet")
    accepted, _ = await use_cases.accept_upload(deps, REQUEST, beyond.make())
    rows = {m.row_number: m.cells for m in published["rows"] if m.upload_id == accepted.upload_id}
    assert accepted.total_rows == 2 and rows[300]["first_name"] == "Far" and rows[300]["last_name"] == "Below"
