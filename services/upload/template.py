"""The Mass Enrollment template: an .xlsx made for one group and region.

Sheet "Enrollment Data": title, a locked stamp row (group, region, template
version), a locked header row, then 250 editable member rows with drop-down
lists, input messages, text formats that keep leading zeros and date formats.
Sheet "Instructions": the steps and every column's rule. A hidden, locked
"Lists" sheet holds the long code lists. The workbook structure is protected
so sheets cannot be added, removed or renamed.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from shared.contracts.columns import (
    APPLICATION_ID_HEADER,
    ARBITRATION_REGIONS,
    FIRST_DATA_ROW,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    MAX_MEMBERS_PER_FILE,
    MEMBERS_SHEET,
    SOURCE_UPLOAD_LABEL,
    STAMP_LABELS,
    STAMP_ROW,
    TEMPLATE_VERSION,
    Column,
    columns_for,
)

LISTS_SHEET = "Lists"
LAST_DATA_ROW = FIRST_DATA_ROW + MAX_MEMBERS_PER_FILE - 1
HEADER_FILL = PatternFill("solid", fgColor="0078B3")
STAMP_FILL = PatternFill("solid", fgColor="E3EAEF")
TEXT = "@"
DATE = "mm/dd/yyyy"


@dataclass(frozen=True)
class TemplateGroup:
    group_id: str
    name: str
    region: str
    subgroup_ids: tuple[str, ...]


def put_text(ws: Worksheet, row: int, column: int, value: str) -> Cell:
    """A cell holding ``value`` as text: never a formula, whatever it starts
    with (``=cmd|...``, ``=HYPERLINK(...)`` typed by a user or sent as a
    group's name), and without the control characters a worksheet cannot hold."""
    cell = ws.cell(row, column)
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"  # openpyxl would store text starting with "=" as a formula
    return cell


def build_template(group: TemplateGroup, region: str) -> bytes:
    return _save(template_workbook(group, region))


def template_workbook(group: TemplateGroup, region: str) -> Workbook:
    columns = columns_for(region)
    wb = Workbook()
    members = wb.active
    members.title = MEMBERS_SHEET
    lists = wb.create_sheet(LISTS_SHEET)
    instructions = wb.create_sheet(INSTRUCTIONS_SHEET)
    _members_sheet(members, lists, group, region, columns)
    _instructions_sheet(instructions, group, region, columns)
    # A random password: the structure is not meant to be unlocked by users.
    password = secrets.token_urlsafe(12)
    lists.sheet_state = "hidden"
    lists.protection.sheet = True
    lists.protection.password = password
    wb.security = WorkbookProtection(workbookPassword=password, lockStructure=True)
    wb.active = 0
    return wb


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


ERROR_FILL = PatternFill("solid", fgColor="F8D7DA")


def build_error_report(
    group: TemplateGroup, region: str, applications: list[dict], source_upload_id: str | None = None
) -> bytes:
    """The Error tab in template format: each application's values in a row,
    each bad cell highlighted with a comment carrying its message, so the user
    fixes it in Excel and uploads the file again.

    With ``source_upload_id`` the report knows where it came from: the stamp
    names that upload and a hidden, locked column after the template's holds
    each row's application id, so the rows uploaded again replace those error
    applications (``domain.check_replacements`` on the way back in)."""
    wb = template_workbook(group, region)
    ws = wb[MEMBERS_SHEET]
    columns = columns_for(region)
    index_of = {c.header: i for i, c in enumerate(columns, start=1)}
    id_column = len(columns) + 1
    if source_upload_id is not None:
        _mark_report(ws, group, source_upload_id, id_column)
    for row, app in enumerate(applications, start=FIRST_DATA_ROW):
        for i, column in enumerate(columns, start=1):
            if (value := app["cells"].get(column.key)) is not None:
                put_text(ws, row, i, value)
        if source_upload_id is not None and app.get("application_id"):
            put_text(ws, row, id_column, app["application_id"]).number_format = TEXT  # locked, as every cell is
        for column_header, messages in _messages_by_column(app["issues"]).items():
            cell = ws.cell(row, index_of.get(column_header, 1))
            cell.fill = ERROR_FILL
            cell.comment = Comment(
                "\n".join(messages) + f"\n(was row {app['row_number']} of the uploaded file)", "Validation"
            )
    return _save(wb)


def _mark_report(ws: Worksheet, group: TemplateGroup, source_upload_id: str, id_column: int) -> None:
    """The report's own marks: its source upload in the (locked) stamp row, and
    the header of the hidden, locked column of application ids."""
    put_text(ws, 1, 1, f"Mass Enrollment — {group.name} ({group.group_id}) — error report of upload {source_upload_id}")
    at = 2 * len(STAMP_LABELS) + 1
    label_cell = ws.cell(STAMP_ROW, at, SOURCE_UPLOAD_LABEL)
    label_cell.font = Font(bold=True)
    for cell in (label_cell, put_text(ws, STAMP_ROW, at + 1, source_upload_id)):
        cell.fill = STAMP_FILL
        cell.number_format = TEXT
    header = put_text(ws, HEADER_ROW, id_column, APPLICATION_ID_HEADER)
    header.font = Font(bold=True, color="FFFFFF")
    header.fill = HEADER_FILL
    header.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions[get_column_letter(id_column)].hidden = True
    # Sorting would move the rows' values but not their locked application
    # ids, pairing a member with another member's application: not allowed.
    ws.protection.sort = True


def _messages_by_column(issues: list[dict]) -> dict[str, list[str]]:
    by_column: dict[str, list[str]] = {}
    for issue in issues:
        # Messages name the uploaded row; in the report the row has moved.
        text = issue["message"].split(": ", 1)[-1]
        by_column.setdefault(issue["column"], []).append(text)
    return by_column


def _members_sheet(ws: Worksheet, lists: Worksheet, group: TemplateGroup, region: str, columns: list[Column]) -> None:
    ws["A1"] = f"Mass Enrollment — {group.name} ({group.group_id})"
    ws["A1"].font = Font(bold=True, size=14)
    stamp = {"group_id": group.group_id, "group_name": group.name, "region": region, "version": TEMPLATE_VERSION}
    for i, (key, label) in enumerate(STAMP_LABELS.items()):
        label_cell = ws.cell(STAMP_ROW, 2 * i + 1, label)
        value_cell = put_text(ws, STAMP_ROW, 2 * i + 2, stamp[key])
        label_cell.font = Font(bold=True)
        for cell in (label_cell, value_cell):
            cell.fill = STAMP_FILL
            cell.number_format = TEXT

    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        header = ws.cell(HEADER_ROW, index, column.header)
        header.font = Font(bold=True, color="FFFFFF")
        header.fill = HEADER_FILL
        header.alignment = Alignment(wrap_text=True, vertical="top")
        header.comment = Comment(_rule_text(column), "Template")
        ws.column_dimensions[letter].width = column.width
        for row in range(FIRST_DATA_ROW, LAST_DATA_ROW + 1):
            cell = ws.cell(row, index)
            cell.number_format = DATE if column.kind == "date" else TEXT
            cell.protection = Protection(locked=False)
        cells = f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_DATA_ROW}"
        validation = _validation(column, group, lists, index)
        validation.add(cells)
        ws.add_data_validation(validation)

    ws.row_dimensions[HEADER_ROW].height = 45
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)
    # Data cells are unlocked; title, stamp and header stay locked. Users may
    # still sort, filter and resize.
    ws.protection.sheet = True
    ws.protection.password = secrets.token_urlsafe(12)
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = False


def _validation(column: Column, group: TemplateGroup, lists: Worksheet, index: int) -> DataValidation:
    prompt = column.rule[:255]
    if column.kind == "code":
        codes = group.subgroup_ids if column.key == "subgroup_id" else column.codes
        letter = get_column_letter(index)
        for row, code in enumerate(codes, start=1):
            put_text(lists, row, index, code).number_format = TEXT
        formula = f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${max(len(codes), 1)}"
        validation = DataValidation(type="list", formula1=formula, allow_blank=True)
        validation.error = f"Choose a value from the list: {', '.join(codes)}"[:255]
    elif column.kind == "date":
        validation = DataValidation(type="date", operator="greaterThan", formula1="DATE(1900,1,1)", allow_blank=True)
        validation.error = "Enter a date as MM/DD/YYYY."
    else:
        limit = str(column.max_length)
        validation = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=limit, allow_blank=True)
        validation.error = f"At most {limit} characters."
    validation.promptTitle = column.header[:32]
    validation.prompt = prompt
    validation.showInputMessage = True
    validation.errorTitle = column.header[:32]
    validation.showErrorMessage = True
    return validation


def _rule_text(column: Column) -> str:
    need = {
        "all": "Required. ",
        "subscriber": "Required for subscribers. ",
        "dependent": "Required for family members. ",
        "": "Optional. ",
    }[column.required]
    return need + column.rule


def _instructions_sheet(ws: Worksheet, group: TemplateGroup, region: str, columns: list[Column]) -> None:
    lines: list[tuple[str, str]] = [
        ("Mass Enrollment template", ""),
        ("Group", f"{group.name} ({group.group_id}), region {region}; template version {TEMPLATE_VERSION}"),
        ("", ""),
        ("Steps", ""),
        (
            "1",
            f"Enter one row per person on the '{MEMBERS_SHEET}' tab: the subscriber (employee) and each family "
            "member, starting at the first empty row under the header.",
        ),
        ("2", "Only enter member data. Do not change the title, the group stamp, the header row or the sheets."),
        ("3", "Save the file as .xlsx on your computer."),
        (
            "4",
            "On the Mass Enrollment screen click Upload Members, enter the region, group ID and group name, "
            "and drop or select the file.",
        ),
        ("5", "Each row becomes an application: Ready to submit, Error (fix it and submit) or Rejected."),
        ("", ""),
        ("Limits", f"At most {MAX_MEMBERS_PER_FILE} members per file. Larger groups can upload several files a day."),
        (
            "What this sheet cannot do",
            "It only enrolls new members. It cannot change or terminate coverage, update "
            "demographics, or add family members to a member who is already enrolled.",
        ),
    ]
    if region in ARBITRATION_REGIONS:
        lines.append(
            (
                "Arbitration",
                "California and Hawaii groups may upload signed Member Arbitration Agreements "
                "(PDF) after uploading this file.",
            )
        )
    lines += [("", ""), ("Columns", "")]
    lines += [(c.header, _rule_text(c)) for c in columns]
    for row, (label, text) in enumerate(lines, start=1):
        ws.cell(row, 1, label).font = Font(bold=bool(label) and not label.isdigit())
        put_text(ws, row, 2, text).alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 100
    ws.protection.sheet = True
    ws.protection.password = secrets.token_urlsafe(12)
