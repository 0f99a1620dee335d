"""One application: view, edit, save for later, submit, delete, and its arbitration agreement."""

from __future__ import annotations

from fastapi import APIRouter, Response, UploadFile
from pydantic import BaseModel

from ..deps import CurrentUser, Enroller, ServicesDep, VisibleApplication

router = APIRouter(tags=["applications"])


class EditBody(BaseModel):
    cells: dict[str, str | None]


@router.get("/applications/{application_id}")
async def view_application(application_id: VisibleApplication, user: CurrentUser, services: ServicesDep) -> Response:
    """One application: the member's data (the SSNs in full for enrollers only), its status and issues."""
    return await services.forward("applications", "GET", "applications", application_id, actor=user)


@router.put("/applications/{application_id}", status_code=202)
async def edit_application(
    application_id: VisibleApplication, actor: Enroller, services: ServicesDep, body: EditBody
) -> Response:
    """Edit an application; it is validated again (status validating, then ready, error or rejected)."""
    return await services.forward(
        "applications", "PUT", "applications", application_id, json=body.model_dump(), actor=actor
    )


@router.post("/applications/{application_id}/save")
async def save_for_later(application_id: VisibleApplication, actor: Enroller, services: ServicesDep) -> Response:
    """Save for Later: kept for 30 days, then it expires."""
    return await services.forward("applications", "POST", "applications", application_id, "save", actor=actor)


@router.post("/applications/{application_id}/submit")
async def submit(application_id: VisibleApplication, actor: Enroller, services: ServicesDep) -> Response:
    """Submit one ready application; answers its confirmation ID."""
    return await services.forward("applications", "POST", "applications", application_id, "submit", actor=actor)


@router.delete("/applications/{application_id}")
async def delete_application(application_id: VisibleApplication, actor: Enroller, services: ServicesDep) -> Response:
    """Delete an application."""
    return await services.forward("applications", "DELETE", "applications", application_id, actor=actor)


@router.post("/applications/{application_id}/arbitration-agreement", status_code=201)
async def attach_agreement(
    application_id: VisibleApplication, actor: Enroller, services: ServicesDep, file: UploadFile
) -> Response:
    """Upload a signed Member Arbitration Agreement (PDF) for an application of a California or Hawaii group."""
    pdf = (file.filename or "agreement.pdf", file.file, file.content_type or "application/pdf")
    path = ("applications", application_id, "arbitration-agreement")
    return await services.forward("applications", "POST", *path, files={"file": pdf}, actor=actor)


@router.get("/applications/{application_id}/arbitration-agreement")
async def read_agreement(application_id: VisibleApplication, services: ServicesDep) -> Response:
    """The application's arbitration agreement (PDF)."""
    return await services.forward("applications", "GET", "applications", application_id, "arbitration-agreement")
