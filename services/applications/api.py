"""The applications service's HTTP routes: each decodes the request, calls
one use case and shapes the answer. The gateway checked the caller's tenancy
and role; the caller's identity comes in headers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, File, Response, UploadFile

from shared.contracts.envelope import Actor
from shared.files import safe_file_name
from shared.service import EnrollerDep, OptionalCaller, deps_of

from . import use_cases
from .domain import view
from .use_cases import Deps

routes = APIRouter()
Cells = Annotated[dict[str, str | None], Body(embed=True)]
ServiceDeps = Annotated[Deps, Depends(deps_of)]


@routes.get("/applications/{application_id}")
async def get_application(application_id: str, deps: ServiceDeps, actor: OptionalCaller) -> dict:
    """One application with the member's data, for viewing and editing (SSNs in full for enrollers only)."""
    app = await use_cases.view(deps, application_id)
    return view(app, use_cases.cells_for(deps, app, actor))


@routes.put("/applications/{application_id}", status_code=202)
async def edit_application(application_id: str, actor: EnrollerDep, cells: Cells, deps: ServiceDeps) -> dict:
    """Change an application's values; validation classifies it again."""
    return _view(deps, await use_cases.edit(deps, application_id, cells, actor), actor)


@routes.post("/applications/{application_id}/save")
async def save(application_id: str, actor: EnrollerDep, deps: ServiceDeps) -> dict:
    """Save for Later: kept for 30 days, then it expires."""
    return _view(deps, await use_cases.save_for_later(deps, application_id, actor), actor)


@routes.post("/applications/{application_id}/submit")
async def submit(application_id: str, actor: EnrollerDep, deps: ServiceDeps) -> dict:
    """Submit one ready application; answers its confirmation ID."""
    return _view(deps, await use_cases.submit(deps, application_id, actor), actor)


@routes.delete("/applications/{application_id}")
async def delete(application_id: str, actor: EnrollerDep, deps: ServiceDeps) -> dict:
    """Remove an application from the enrollment."""
    return _view(deps, await use_cases.delete(deps, application_id, actor), actor)


@routes.post("/applications/{application_id}/arbitration-agreement", status_code=201)
async def attach_agreement(
    application_id: str, actor: EnrollerDep, file: Annotated[UploadFile, File()], deps: ServiceDeps
) -> dict:
    """Attach a signed Member Arbitration Agreement (PDF; California and Hawaii groups)."""
    data = await file.read(deps.max_agreement_bytes + 1)
    name = safe_file_name(file.filename, "agreement.pdf")
    return await use_cases.attach_agreement(deps, application_id, name, data, actor)


@routes.get("/applications/{application_id}/arbitration-agreement")
async def read_agreement(application_id: str, deps: ServiceDeps) -> Response:
    """The application's arbitration agreement (PDF)."""
    return Response(await use_cases.read_agreement(deps, application_id), media_type="application/pdf")


@routes.get("/uploads/{upload_id}/applications")
async def of_upload(upload_id: str, status: str, deps: ServiceDeps, actor: OptionalCaller) -> list[dict]:
    """An upload's applications of one status, with their values (for the error report)."""
    return [_view(deps, a, actor) for a in await use_cases.of_upload(deps, upload_id, status)]


@routes.post("/uploads/{upload_id}/submit-ready")
async def submit_ready(upload_id: str, actor: EnrollerDep, deps: ServiceDeps) -> dict:
    """Submit Ready Applications: how many were submitted, with their confirmation IDs."""
    submitted = await use_cases.submit_ready(deps, upload_id, actor)
    return {
        "submitted": len(submitted),
        "applications": [{"application_id": a["_id"], "confirmation_id": a["confirmation_id"]} for a in submitted],
    }


@routes.post("/uploads/{upload_id}/delete-errors")
async def delete_errors(upload_id: str, actor: EnrollerDep, deps: ServiceDeps) -> dict:
    """Delete All Error Applications of an upload."""
    return {"deleted": len(await use_cases.delete_errors(deps, upload_id, actor))}


@routes.post("/uploads/{upload_id}/withdraw")
async def withdraw(upload_id: str, actor: EnrollerDep, deps: ServiceDeps) -> dict:
    """Withdraw an upload before submitting: its open applications deleted, submitted ones kept."""
    return (await use_cases.withdraw(deps, upload_id, actor))._asdict()


def _view(deps: Deps, app: dict, actor: Actor | None) -> dict:
    return view(app, use_cases.cells_for(deps, app, actor))
