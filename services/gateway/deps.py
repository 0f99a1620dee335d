"""What the routes depend on: the caller, their role, and the group, upload or
application they ask for, once it is theirs to see.

Tenancy is decided on the dashboard's masked records (a group's broker of
record, an upload's group), never on an application's personal data. What
another tenant owns answers the same 404 as what does not exist, so the two
cannot be told apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Cookie, Depends, Query, Request

from shared.contracts.applications import APPLICATION_ID, upload_of
from shared.errors import BadInput, NotFound, NotPermitted, NotSignedIn

from .forward import Services
from .live import ProgressFeed
from .policy import can_enroll, can_see_group, can_update_group
from .progress import upload_progress
from .settings import GatewaySettings
from .signin import SignInGuard
from .users import User, Users

COOKIE = "session"
MAX_PAGE = 10_000  # beyond it a skip overflows the database's integers, and no list is that long


@dataclass
class GatewayDeps:
    """What the routes use; the stores and services are put in when the gateway starts."""

    settings: GatewaySettings
    users: Users | None = None
    services: Services | None = None
    guard: SignInGuard | None = None
    feed: ProgressFeed = field(default_factory=ProgressFeed)


# Async, as every dependency here: a plain ``def`` would cost a thread hop.
async def users(request: Request) -> Users:
    return request.app.state.deps.users


async def services(request: Request) -> Services:
    return request.app.state.deps.services


async def settings(request: Request) -> GatewaySettings:
    return request.app.state.deps.settings


async def guard(request: Request) -> SignInGuard:
    return request.app.state.deps.guard


async def feed(request: Request) -> ProgressFeed:
    return request.app.state.deps.feed


UsersDep = Annotated[Users, Depends(users)]
FeedDep = Annotated[ProgressFeed, Depends(feed)]
ServicesDep = Annotated[Services, Depends(services)]
SettingsDep = Annotated[GatewaySettings, Depends(settings)]
GuardDep = Annotated[SignInGuard, Depends(guard)]
SessionToken = Annotated[str | None, Cookie(alias=COOKIE)]


async def current_user(store: UsersDep, session: SessionToken = None) -> User:
    user = await store.user_for(session) if session else None
    if user is None:
        raise NotSignedIn("not_signed_in", "Sign in first: no valid session.")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def require_enroller(user: CurrentUser) -> User:
    """The caller, when their role enrolls members: KP reviewers may read but not act."""
    if not can_enroll(user):
        raise NotPermitted("role_cannot_enroll", "Your role can review transactions but cannot enroll members.")
    return user


Enroller = Annotated[User, Depends(require_enroller)]


async def require_group_editor(user: CurrentUser) -> User:
    """The caller, when their role maintains a group's information (its broker, its administrator)."""
    if not can_update_group(user):
        raise NotPermitted(
            "role_cannot_update_group",
            "Your role can read a group's information but not change it; the group's broker or administrator can.",
        )
    return user


GroupEditor = Annotated[User, Depends(require_group_editor)]


async def sees_group(group_id: str | None, user: User, services: Services) -> dict | None:
    group = await services.group(group_id) if group_id else None
    return group if group is not None and can_see_group(user, group) else None


async def seen_upload(upload_id: str, user: User, services: Services) -> dict | None:
    progress = await upload_progress(upload_id, services)
    return progress if progress and await sees_group(progress.get("group_id"), user, services) else None


# What an id in an address may look like; anything else is refused before any service is asked.
ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def well_formed(what: str, value: str, shape: re.Pattern = ID) -> None:
    if not shape.fullmatch(value):
        raise BadInput(
            "malformed_id", f"The {what} id in the address is not one this portal gives out. Check the link."
        )


async def visible_group(group_id: str, user: CurrentUser, services: ServicesDep) -> dict:
    """The group's masked record, when it is one of the caller's."""
    well_formed("group", group_id)
    group = await sees_group(group_id, user, services)
    if group is None:
        raise NotFound("group_not_found", f"Group {group_id} not found.")
    return group


async def visible_upload(upload_id: str, user: CurrentUser, services: ServicesDep) -> dict:
    """The upload's progress, when its group is one of the caller's."""
    well_formed("upload", upload_id)
    progress = await seen_upload(upload_id, user, services)
    if progress is None:
        raise NotFound("upload_not_found", f"Upload {upload_id} not found.")
    return progress


async def visible_application(application_id: str, user: CurrentUser, services: ServicesDep) -> str:
    """The application's id, when its upload is one of the caller's.

    Its upload is read from the id: the application itself (SSN, date of
    birth) is not fetched to decide who may ask for it.
    """
    well_formed("application", application_id, APPLICATION_ID)
    if await seen_upload(upload_of(application_id), user, services) is None:
        raise NotFound("application_not_found", f"Application {application_id} not found.")
    return application_id


VisibleGroup = Annotated[dict[str, Any], Depends(visible_group)]
VisibleUpload = Annotated[dict[str, Any], Depends(visible_upload)]
VisibleApplication = Annotated[str, Depends(visible_application)]


async def paging(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1, page_size: Annotated[int, Query(ge=1, le=250)] = 25
) -> dict:
    return {"page": page, "page_size": page_size}


Paging = Annotated[dict[str, int], Depends(paging)]
