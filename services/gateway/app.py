"""Gateway: sign-in, roles, tenancy checks, web pages and the HTTP API.

No business logic and no business data: it asks the services.
"""

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Cookie, Depends, FastAPI, File, Form, HTTPException, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from shared.mongo import make_client

from .clients import ServiceError, Services
from .policy import can_enroll, can_see_group, group_filter
from .settings import GatewaySettings
from .users import User, UserStore

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
COOKIE = "session"


class SignIn(BaseModel):
    username: str
    password: str


class EditBody(BaseModel):
    cells: dict[str, str | None]


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        client = make_client(settings.mongodb_uri)
        users = UserStore(
            client[settings.database],
            settings.session_secret.get_secret_value(),
            settings.session_hours,
            settings.cache_seconds,
        )
        await users.create_indexes()
        app.state.users = users
        app.state.services = Services(
            settings.upload_url,
            settings.dashboard_url,
            settings.applications_url,
            settings.service_timeout_seconds,
            settings.cache_seconds,
        )
        try:
            yield
        finally:
            await app.state.services.close()
            await client.close()

    app = FastAPI(title="Broker & Employer portal gateway", lifespan=lifespan)

    @app.exception_handler(ServiceError)
    async def service_failed(request: Request, exc: ServiceError) -> JSONResponse:
        if exc.status_code is None:
            log.warning("%s service unreachable (%s)", exc.service, exc.body)
            return JSONResponse({"detail": f"The {exc.service} service is not answering; try again in a minute."}, 503)
        log.error("%s service answered %s", exc.service, exc.status_code)
        return JSONResponse(
            {"detail": f"The {exc.service} service failed; try again, and report it if it persists."}, 502
        )

    async def users(request: Request) -> UserStore:
        return request.app.state.users

    async def services(request: Request) -> Services:
        return request.app.state.services

    async def current_user(
        store: Annotated[UserStore, Depends(users)], session: Annotated[str | None, Cookie(alias=COOKIE)] = None
    ) -> User:
        user = await store.user_for(session) if session else None
        if user is None:
            raise HTTPException(401, "Sign in first: no valid session.")
        return user

    CurrentUser = Annotated[User, Depends(current_user)]
    ServicesDep = Annotated[Services, Depends(services)]

    async def visible_group(group_id: str, user: User, svc: Services) -> dict:
        """The group, or 404 whether it does not exist or is another tenant's."""
        group = await svc.group(group_id)
        if group is None or not can_see_group(user, group):
            raise HTTPException(404, f"Group {group_id} not found.")
        return group

    async def visible_upload(upload_id: str, user: User, svc: Services) -> dict:
        record = await svc.upload_record(upload_id)
        if record is None:
            raise HTTPException(404, f"Upload {upload_id} not found.")
        await visible_group(record["group_id"], user, svc)
        return record

    async def visible_application(application_id: str, user: User, svc: Services) -> dict:
        found = await svc.application(application_id)
        if found is None:
            raise HTTPException(404, f"Application {application_id} not found.")
        await visible_group(found["group_id"], user, svc)
        return found

    def enroller(user: User) -> None:
        if not can_enroll(user):
            raise HTTPException(403, "Your role can review transactions but cannot enroll members.")

    def relay(answer, service: str) -> JSONResponse:
        """A service's answer passed on as it is, but for its failures."""
        if answer.status_code >= 500 or "json" not in answer.headers.get("content-type", ""):
            raise ServiceError(service, answer.status_code)
        return JSONResponse(answer.json(), status_code=answer.status_code)

    def relay_file(answer, service: str) -> Response:
        """A file a service made (xlsx, pdf), or its refusal."""
        if answer.status_code != 200:
            return relay(answer, service)
        disposition = answer.headers.get("content-disposition")
        return Response(
            answer.content,
            media_type=answer.headers["content-type"],
            headers={"Content-Disposition": disposition} if disposition else None,
        )

    api = APIRouter(prefix="/api/v1")

    @api.post("/session")
    async def sign_in(body: SignIn, response: Response, store: Annotated[UserStore, Depends(users)]) -> dict:
        """Sign in; sets an HttpOnly session cookie."""
        user = await store.authenticate(body.username, body.password)
        if user is None:
            raise HTTPException(401, "Wrong user name or password.")
        token = await store.open_session(user)
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
            max_age=settings.session_hours * 3600,
            path="/",
        )
        return user.public()

    @api.get("/session")
    async def who_am_i(user: CurrentUser) -> dict:
        """The signed-in user."""
        return user.public()

    @api.delete("/session", status_code=204)
    async def sign_out(
        response: Response,
        store: Annotated[UserStore, Depends(users)],
        session: Annotated[str | None, Cookie(alias=COOKIE)] = None,
    ) -> Response:
        """Sign out: the session ends on the server and the cookie is cleared."""
        if session:
            await store.close_session(session)
        response.delete_cookie(COOKIE, path="/")
        response.status_code = 204
        return response

    @api.get("/groups")
    async def list_groups(user: CurrentUser, svc: ServicesDep) -> list[dict]:
        """The caller's groups: a broker's book of business, an administrator's own group."""
        groups = await svc.groups(group_filter(user))
        return [g for g in groups if can_see_group(user, g)]

    @api.get("/groups/{group_id}")
    async def get_group(group_id: str, user: CurrentUser, svc: ServicesDep) -> dict:
        """One of the caller's groups."""
        return await visible_group(group_id, user, svc)

    @api.get("/groups/{group_id}/mass-enrollment/template")
    async def download_template(group_id: str, region: str, user: CurrentUser, svc: ServicesDep) -> Response:
        """The Excel template for one of the caller's groups and its region."""
        await visible_group(group_id, user, svc)
        enroller(user)
        return relay_file(await svc.template(group_id, region), "upload")

    @api.post("/groups/{group_id}/mass-enrollment/uploads", status_code=202)
    async def upload_members(
        group_id: str,
        user: CurrentUser,
        svc: ServicesDep,
        file: Annotated[UploadFile, File()],
        region: Annotated[str, Form()],
        group_name: Annotated[str, Form()] = "",
    ):
        """Upload a mass-enrollment workbook for one of the caller's groups."""
        await visible_group(group_id, user, svc)
        enroller(user)
        forwarded = await svc.submit_upload(
            user,
            group_id,
            region,
            group_name,
            file.filename or "upload.xlsx",
            file.file,
            file.content_type or "application/octet-stream",
        )
        return relay(forwarded, "upload")

    @api.get("/uploads/{upload_id}")
    async def upload_status(upload_id: str, user: CurrentUser, svc: ServicesDep) -> dict:
        """Progress of an upload: counts ready / error / rejected, complete when every row is classified."""
        progress = await svc.upload_progress(upload_id)
        if progress is None or progress.get("total_rows") is None:
            # Accepted but not yet projected: the upload service knows it.
            record = await svc.upload_record(upload_id)
            if record is None:
                raise HTTPException(404, f"Upload {upload_id} not found.")
            progress = {
                "upload_id": upload_id,
                "group_id": record["group_id"],
                "file_name": record["file_name"],
                "status": "processing",
                "total_rows": record["total_rows"],
                "classified": 0,
                "ready": 0,
                "error": 0,
                "rejected": 0,
                "complete": False,
            } | {k: v for k, v in (progress or {}).items() if k in ("ready", "error", "rejected", "classified")}
        await visible_group(progress["group_id"], user, svc)
        return progress

    Page = Annotated[int, Query(ge=1)]
    PageSize = Annotated[int, Query(ge=1, le=250)]

    @api.get("/uploads/{upload_id}/applications")
    async def upload_applications(
        upload_id: str,
        user: CurrentUser,
        svc: ServicesDep,
        status: str | None = None,
        page: Page = 1,
        page_size: PageSize = 25,
    ):
        """One tab of an upload (status ready, error, rejected, saved, submitted...), a page at a time."""
        await visible_upload(upload_id, user, svc)
        params = {"page": page, "page_size": page_size, **({"status": status} if status else {})}
        return relay(await svc.read(f"/uploads/{upload_id}/applications", params), "dashboard")

    @api.get("/uploads/{upload_id}/error-report")
    async def error_report(upload_id: str, user: CurrentUser, svc: ServicesDep) -> Response:
        """Download the Error tab as an .xlsx in template format, each bad cell highlighted and commented."""
        await visible_upload(upload_id, user, svc)
        return relay_file(await svc.upload.get(f"/uploads/{upload_id}/error-report"), "upload")

    @api.post("/uploads/{upload_id}/submit-ready")
    async def submit_ready(upload_id: str, user: CurrentUser, svc: ServicesDep):
        """Submit Ready Applications: answers how many were submitted and their confirmation IDs."""
        await visible_upload(upload_id, user, svc)
        enroller(user)
        return relay(await svc.act(user, "POST", f"/uploads/{upload_id}/submit-ready"), "applications")

    @api.post("/uploads/{upload_id}/delete-errors")
    async def delete_errors(upload_id: str, user: CurrentUser, svc: ServicesDep):
        """Delete All Error Applications of an upload."""
        await visible_upload(upload_id, user, svc)
        enroller(user)
        return relay(await svc.act(user, "POST", f"/uploads/{upload_id}/delete-errors"), "applications")

    @api.get("/applications/{application_id}")
    async def view_application(application_id: str, user: CurrentUser, svc: ServicesDep) -> dict:
        """One application with the member's data, its status and issues (the reason when rejected)."""
        return await visible_application(application_id, user, svc)

    @api.put("/applications/{application_id}")
    async def edit_application(application_id: str, body: EditBody, user: CurrentUser, svc: ServicesDep):
        """Edit an application; it is validated again (status validating, then ready, error or rejected)."""
        await visible_application(application_id, user, svc)
        enroller(user)
        return relay(
            await svc.act(user, "PUT", f"/applications/{application_id}", {"cells": body.cells}), "applications"
        )

    @api.post("/applications/{application_id}/arbitration-agreement", status_code=201)
    async def attach_agreement(
        application_id: str, user: CurrentUser, svc: ServicesDep, file: Annotated[UploadFile, File()]
    ):
        """Upload a signed Member Arbitration Agreement (PDF) for an application of a California or Hawaii group."""
        await visible_application(application_id, user, svc)
        enroller(user)
        answer = await svc.attach(
            user,
            f"/applications/{application_id}/arbitration-agreement",
            file.filename or "agreement.pdf",
            file.file,
            file.content_type or "application/pdf",
        )
        return relay(answer, "applications")

    @api.get("/applications/{application_id}/arbitration-agreement")
    async def read_agreement(application_id: str, user: CurrentUser, svc: ServicesDep) -> Response:
        """The application's arbitration agreement (PDF)."""
        await visible_application(application_id, user, svc)
        answer = await svc.applications.get(f"/applications/{application_id}/arbitration-agreement")
        return relay_file(answer, "applications")

    @api.post("/applications/{application_id}/{action}")
    async def application_action(
        application_id: str, action: Literal["save", "submit"], user: CurrentUser, svc: ServicesDep
    ):
        """Save for Later (30 days) or Submit one application."""
        await visible_application(application_id, user, svc)
        enroller(user)
        return relay(await svc.act(user, "POST", f"/applications/{application_id}/{action}"), "applications")

    @api.delete("/applications/{application_id}")
    async def delete_application(application_id: str, user: CurrentUser, svc: ServicesDep):
        """Delete an application."""
        await visible_application(application_id, user, svc)
        enroller(user)
        return relay(await svc.act(user, "DELETE", f"/applications/{application_id}"), "applications")

    @api.get("/groups/{group_id}/mass-enrollment/saved")
    async def saved_applications(
        group_id: str, user: CurrentUser, svc: ServicesDep, page: Page = 1, page_size: PageSize = 25
    ):
        """The group's applications saved for later, with the day each expires."""
        await visible_group(group_id, user, svc)
        params = {"page": page, "page_size": page_size}
        return relay(await svc.read(f"/groups/{group_id}/saved-applications", params), "dashboard")

    @api.get("/groups/{group_id}/transactions")
    async def group_transactions(
        group_id: str, user: CurrentUser, svc: ServicesDep, page: Page = 1, page_size: PageSize = 25
    ):
        """The group's transaction history (submitted applications: Pending KP Review)."""
        await visible_group(group_id, user, svc)
        params = {"page": page, "page_size": page_size}
        return relay(await svc.read(f"/groups/{group_id}/transactions", params), "dashboard")

    app.include_router(api)

    @app.get("/healthz")
    async def health() -> dict:
        """Liveness."""
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
