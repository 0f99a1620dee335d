"""The upload service's HTTP routes: each decodes the request, calls one use
case and shapes the answer. The gateway checked the caller's tenancy and
role; the caller's identity comes in headers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from pydantic import BaseModel

from shared.files import safe_file_name
from shared.service import CorrelationDep, EnrollerDep, deps_of

from . import use_cases
from .domain import FORM_FILE_NAME
from .use_cases import Deps, UploadRequest

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

routes = APIRouter()
ServiceDeps = Annotated[Deps, Depends(deps_of)]


class ErrorRow(BaseModel):
    """One application of the Error tab, as the applications service lists it."""

    application_id: str | None = None  # named in the report, so its fixed row replaces it
    row_number: int
    cells: dict[str, str | None]
    issues: list[dict[str, Any]]


class ErrorReportRequest(BaseModel):
    applications: list[ErrorRow]


class MemberForm(BaseModel):
    """The Enroll a Member form: one member's cells, keyed as the template's columns."""

    group_id: str
    region: str
    cells: dict[str, str | None]


@routes.post("/uploads", status_code=202)
async def upload(
    actor: EnrollerDep,
    correlation_id: CorrelationDep,
    deps: ServiceDeps,
    file: Annotated[UploadFile, File()],
    group_id: Annotated[str, Form()],
    region: Annotated[str, Form()],
    group_name: Annotated[str, Form()] = "",
) -> dict:
    """Store a mass-enrollment workbook and publish its rows."""
    # Read one byte past the limit: enough to know the file is too large.
    data = await file.read(deps.max_bytes + 1)
    request = UploadRequest(
        group_id, region, group_name, safe_file_name(file.filename, "upload.xlsx"), actor, correlation_id
    )
    accepted, notices = await use_cases.accept_upload(deps, request, data)
    return {"upload_id": accepted.upload_id, "total_rows": accepted.total_rows, "notices": notices}


@routes.post("/uploads/form", status_code=202)
async def enroll_member(
    actor: EnrollerDep, correlation_id: CorrelationDep, deps: ServiceDeps, form: MemberForm
) -> dict:
    """Enroll a Member: the form's cells become an upload of one row, published as a file's row is."""
    request = UploadRequest(form.group_id, form.region, "", FORM_FILE_NAME, actor, correlation_id)
    upload_id, application_id = await use_cases.enroll_member(deps, request, form.cells)
    return {"upload_id": upload_id, "application_id": application_id}


@routes.delete("/uploads/{upload_id}/fingerprint")
async def forget_file(upload_id: str, actor: EnrollerDep, deps: ServiceDeps) -> dict:
    """The upload was withdrawn: forget its file's digest, so the same file may be uploaded again."""
    await use_cases.forget_file(deps, upload_id)
    return {"upload_id": upload_id, "fingerprint": "forgotten"}


@routes.get("/uploads/{upload_id}")
async def get_upload(upload_id: str, deps: ServiceDeps) -> dict:
    """The upload record (who, which group, how many rows)."""
    record = await use_cases.upload_record(deps, upload_id)
    keep = ("group_id", "region", "file_name", "total_rows", "received_at")
    status = "failed" if record.get("failed") else "published" if record.get("published") else "publishing"
    # An error report uploaded again: the upload whose error applications it replaces, and how many it names.
    replaces = {k: record.get(k) for k in ("replaces_upload_id", "replaces_applications")}
    return {"upload_id": record["_id"], **{k: record[k] for k in keep}, **replaces, "status": status}


@routes.post("/uploads/{upload_id}/error-report")
async def error_report(upload_id: str, body: ErrorReportRequest, deps: ServiceDeps) -> Response:
    """The Error tab's applications as an .xlsx in template format, bad cells highlighted and commented."""
    rows = [r.model_dump() for r in body.applications]
    return _xlsx(await use_cases.error_report(deps, upload_id, rows), f"errors-{upload_id}.xlsx")


@routes.get("/templates/{group_id}")
async def download_template(group_id: str, region: str, deps: ServiceDeps) -> Response:
    """The Mass Enrollment template of a group, for its region."""
    return _xlsx(await use_cases.template(deps, group_id, region), f"mass-enrollment-{group_id}.xlsx")


def _xlsx(content: bytes, file_name: str) -> Response:
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{file_name}"'})
