"""The Error tab as a workbook that knows where it came from, and that
workbook fixed and uploaded again: its stamp names the upload, each row its
application, and only applications an error report of that upload (of the
same group) was made of may stand."""

import io
import zipfile
from datetime import timedelta
from functools import partial

import pytest
from faststream.kafka import TestKafkaBroker
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from services.upload import subscribers, use_cases
from services.upload.domain import check_replacements, parse_workbook
from services.upload.settings import UploadSettings
from services.upload.template import TemplateGroup, build_error_report
from services.upload.tests.fakes import InMemoryGroupStore, InMemoryUploadStore
from services.upload.use_cases import Deps, UploadRequest
from shared.contracts.columns import (
    APPLICATION_ID_HEADER,
    FIRST_DATA_ROW,
    HEADER_ROW,
    MEMBERS_SHEET,
    SOURCE_UPLOAD_LABEL,
    STAMP_ROW,
    columns_for,
)
from shared.contracts.envelope import Actor
from shared.contracts.uploads import MemberRowParsed, UploadAccepted
from shared.errors import Invalid
from shared.outbox import Relay
from tests.messages import group_registered
from tests.support import collect, member, service_broker, workbook

GROUP = TemplateGroup("230001", "Golden Gate Bakery", "CA", ("0001", "0002"))
HEADERS = [c.header for c in columns_for("CA")]
ID_COLUMN = len(HEADERS) + 1
ZIP = HEADERS.index("ZIP Code") + 1
ACTOR = Actor(user_id="admin1", role="group_admin")


def error_app(n: int, row: int, upload_id: str = "u1", **cells) -> dict:
    """An error application of an upload, as the applications service lists it."""
    return {
        "application_id": f"{upload_id}-{row:04d}",
        "row_number": row,
        "cells": member(n, **cells),
        "issues": [{"column": "ZIP Code", "message": f"Row {row}, column ZIP Code: enter 5 digits or ZIP+4."}],
    }


def fixed(report: bytes, edit) -> bytes:
    """The report opened, changed by ``edit(sheet)`` and saved, as a user does in a spreadsheet program."""
    wb = load_workbook(io.BytesIO(report))
    edit(wb[MEMBERS_SHEET])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def fix_zips(ws) -> None:
    for row in range(FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(row, ZIP).value is not None:
            ws.cell(row, ZIP, "94612")


# --- the workbook ---------------------------------------------------------------


def test_the_report_names_its_upload_in_the_stamp_and_each_rows_application_in_a_hidden_locked_column():
    data = build_error_report(GROUP, "CA", [error_app(1, 7, zip="9"), error_app(2, 9, zip="8")], "u1")
    ws = load_workbook(io.BytesIO(data))[MEMBERS_SHEET]
    stamp = [c.value for c in ws[STAMP_ROW]]
    assert stamp[stamp.index(SOURCE_UPLOAD_LABEL) + 1] == "u1"
    assert ws.cell(HEADER_ROW, ID_COLUMN).value == APPLICATION_ID_HEADER
    assert [ws.cell(r, ID_COLUMN).value for r in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1)] == ["u1-0007", "u1-0009"]
    assert ws.column_dimensions[get_column_letter(ID_COLUMN)].hidden
    # the ids are locked on the protected sheet, the members' cells are not
    assert ws.cell(FIRST_DATA_ROW, ID_COLUMN).protection.locked and ws.protection.sheet
    assert not ws.cell(FIRST_DATA_ROW, ZIP).protection.locked
    # sorting is locked: it would move the rows' values but not their ids
    assert ws.protection.sort


def test_what_the_report_writes_of_its_own_is_text_never_a_formula():
    app = {**error_app(1, 7), "application_id": '=HYPERLINK("http://evil.example")'}
    data = build_error_report(GROUP, "CA", [app], '=cmd|" /C calc"!A0')
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        xml = b"".join(package.read(n) for n in package.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in xml and b"<f " not in xml


def test_a_report_fixed_and_saved_again_comes_back_with_its_upload_and_each_rows_application():
    report = build_error_report(GROUP, "CA", [error_app(1, 7, zip="9"), error_app(2, 9, zip="8")], "u1")

    def edit(ws):
        fix_zips(ws)
        for c, key in enumerate(c.key for c in columns_for("CA")):  # a new member typed below
            ws.cell(FIRST_DATA_ROW + 2, c + 1, member(3).get(key))

    sheet = parse_workbook(fixed(report, edit), 250)
    assert sheet.source_upload_id == "u1"
    assert [(r.row_number, r.replaces, r.cells["zip"]) for r in sheet.rows] == [
        (FIRST_DATA_ROW, "u1-0007", "94612"),
        (FIRST_DATA_ROW + 1, "u1-0009", "94612"),
        (FIRST_DATA_ROW + 2, None, "94612"),
    ]


def test_a_row_cleared_in_the_report_is_not_uploaded():
    report = build_error_report(GROUP, "CA", [error_app(1, 7), error_app(2, 9)], "u1")

    def clear_first(ws):
        for c in range(1, ID_COLUMN):
            ws.cell(FIRST_DATA_ROW, c).value = None

    assert [r.replaces for r in parse_workbook(fixed(report, clear_first), 250).rows] == ["u1-0009"]


def test_the_id_column_belongs_to_error_reports_only():
    # the template with an id column added, but no report stamp: a changed header
    with_ids = fixed(workbook([member(1)]), lambda ws: ws.cell(HEADER_ROW, ID_COLUMN, APPLICATION_ID_HEADER))
    with pytest.raises(Invalid) as refused:
        parse_workbook(with_ids, 250)
    assert refused.value.code == "header_changed"
    # a report whose stamp lost its upload is no report: its id column is refused with it
    report = build_error_report(GROUP, "CA", [error_app(1, 7)], "u1")

    def blank_source(ws):
        stamp = [c.value for c in ws[STAMP_ROW]]
        ws.cell(STAMP_ROW, stamp.index(SOURCE_UPLOAD_LABEL) + 2).value = None

    with pytest.raises(Invalid) as refused:
        parse_workbook(fixed(report, blank_source), 250)
    assert refused.value.code == "header_changed"
    # a plain template is no report and replaces nothing
    plain = parse_workbook(workbook([member(1)]), 250)
    assert plain.source_upload_id is None and plain.rows[0].replaces is None


# --- the checks on the way back in ------------------------------------------------


def sheet_of(rows: list[dict], source: str = "u1") -> object:
    return parse_workbook(build_error_report(GROUP, "CA", rows, source), 250)


SOURCE = {"_id": "u1", "group_id": "230001", "reported_applications": ["u1-0007", "u1-0009"]}


def test_a_report_of_one_of_the_groups_uploads_naming_its_error_applications_stands():
    check_replacements(sheet_of([error_app(1, 7), error_app(2, 9)]), SOURCE, "230001")


def test_an_upload_that_is_not_the_groups_is_refused_as_one_that_does_not_exist():
    sheet = sheet_of([error_app(1, 7)])
    for source in (None, {**SOURCE, "group_id": "230002"}):
        with pytest.raises(Invalid) as refused:
            check_replacements(sheet, source, "230001")
        assert refused.value.code == "unknown_source_upload"
        assert SOURCE_UPLOAD_LABEL in refused.value.detail and "u1" not in refused.value.detail


def test_an_application_the_upload_never_reported_is_refused_naming_the_row_and_column():
    letter = get_column_letter(ID_COLUMN)
    for tampered in ("u1-0008", "u2-0007", "anything at all"):
        sheet = sheet_of([error_app(1, 7), {**error_app(2, 9), "application_id": tampered}])
        with pytest.raises(Invalid) as refused:
            check_replacements(sheet, SOURCE, "230001")
        assert refused.value.code == "unknown_application"
        assert f"Row {FIRST_DATA_ROW + 1}, column {letter}" in refused.value.detail
        assert tampered not in refused.value.detail


def test_one_application_on_two_rows_is_refused():
    sheet = sheet_of([error_app(1, 7), error_app(2, 7)])
    with pytest.raises(Invalid) as refused:
        check_replacements(sheet, SOURCE, "230001")
    assert refused.value.code == "application_twice" and f"row {FIRST_DATA_ROW}" in refused.value.detail


# --- the service ------------------------------------------------------------------


@pytest.fixture
async def service():
    deps = Deps(store=InMemoryUploadStore(), groups=InMemoryGroupStore(), max_bytes=10_000_000)
    deps.relay = Relay(deps.store, partial(use_cases.publish_stored, deps))
    broker = service_broker(UploadSettings(app_env="test"), deps, subscribers)
    published = collect(
        broker,
        rows=("enrollment.member-row-parsed.v1", MemberRowParsed),
        uploads=("enrollment.upload-accepted.v1", UploadAccepted),
    )
    async with TestKafkaBroker(broker) as br:
        await br.publish(
            group_registered(name="Golden Gate Bakery", subgroups=("0001", "0002")), "reference.group-registered.v1"
        )
        yield deps, published


def request(group_id: str = "230001") -> UploadRequest:
    return UploadRequest(group_id, "CA", "", "fixed.xlsx", ACTOR, "c2")


async def first_upload(deps: Deps) -> str:
    accepted, _ = await use_cases.accept_upload(deps, request(), workbook([member(1, zip="9"), member(2, zip="8")]))
    return accepted.upload_id


async def test_a_fixed_report_is_published_with_the_application_each_row_replaces(service):
    deps, published = service
    source = await first_upload(deps)
    apps = [error_app(1, 4, source, zip="9"), error_app(2, 5, source, zip="8")]
    report = await use_cases.error_report(deps, source, apps)
    assert deps.store.records[source]["reported_applications"] == [f"{source}-0004", f"{source}-0005"]

    accepted, _ = await use_cases.accept_upload(deps, request(), fixed(report, fix_zips))
    assert (accepted.replaces_upload_id, accepted.replaces_applications) == (source, 2)
    rows = [r for r in published["rows"] if r.upload_id == accepted.upload_id]
    assert [(r.row_number, r.replaces_application_id) for r in rows] == [(4, f"{source}-0004"), (5, f"{source}-0005")]
    record = deps.store.records[accepted.upload_id]
    assert (record["replaces_upload_id"], record["replaces_applications"]) == (source, 2)

    # published again by the relay from the stored file: the same replacements
    record["published"] = False
    record["received_at"] -= timedelta(minutes=5)
    published["rows"].clear()
    published["uploads"].clear()
    assert await deps.relay.round() == 1
    assert [r.replaces_application_id for r in published["rows"]] == [f"{source}-0004", f"{source}-0005"]
    assert published["uploads"][0].replaces_upload_id == source


async def test_a_tampered_report_is_refused_and_nothing_is_stored_or_published(service):
    deps, published = service
    source = await first_upload(deps)
    report = await use_cases.error_report(deps, source, [error_app(1, 4, source, zip="9")])
    before = (set(deps.store.records), len(published["rows"]))

    def tamper_id(ws):
        fix_zips(ws)
        ws.cell(FIRST_DATA_ROW, ID_COLUMN, f"{source}-0099")

    with pytest.raises(Invalid) as refused:
        await use_cases.accept_upload(deps, request(), fixed(report, tamper_id))
    assert refused.value.code == "unknown_application" and f"Row {FIRST_DATA_ROW}" in refused.value.detail

    def tamper_source(ws):
        fix_zips(ws)
        stamp = [c.value for c in ws[STAMP_ROW]]
        ws.cell(STAMP_ROW, stamp.index(SOURCE_UPLOAD_LABEL) + 2, "0123456789abcdef")

    with pytest.raises(Invalid) as refused:
        await use_cases.accept_upload(deps, request(), fixed(report, tamper_source))
    assert refused.value.code == "unknown_source_upload"
    assert (set(deps.store.records), len(published["rows"])) == before


async def test_the_report_of_another_groups_upload_is_refused(service):
    deps, _ = service
    source = await first_upload(deps)
    report = await use_cases.error_report(deps, source, [error_app(1, 4, source, zip="9")])
    deps.store.records[source]["group_id"] = "230002"  # as if the upload were another group's
    with pytest.raises(Invalid) as refused:
        await use_cases.accept_upload(deps, request(), fixed(report, fix_zips))
    assert refused.value.code == "unknown_source_upload"


async def test_only_the_uploads_own_applications_are_named_in_its_report(service):
    deps, _ = service
    source = await first_upload(deps)
    stray = error_app(2, 5, "u9")
    report = await use_cases.error_report(deps, source, [error_app(1, 4, source), stray])
    ws = load_workbook(io.BytesIO(report))[MEMBERS_SHEET]
    assert [ws.cell(r, ID_COLUMN).value for r in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1)] == [f"{source}-0004", None]
    assert deps.store.records[source]["reported_applications"] == [f"{source}-0004"]
