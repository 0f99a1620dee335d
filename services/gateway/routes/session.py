"""Sign in and out: an HttpOnly cookie holds the session token."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

from shared.errors import NotSignedIn

from ..deps import COOKIE, CurrentUser, SessionToken, SettingsDep, UsersDep

router = APIRouter(tags=["session"])


class SignIn(BaseModel):
    username: str
    password: str


@router.post("/session")
async def sign_in(body: SignIn, response: Response, store: UsersDep, settings: SettingsDep) -> dict:
    """Sign in; sets an HttpOnly session cookie."""
    user = await store.authenticate(body.username, body.password)
    if user is None:
        raise NotSignedIn("wrong_credentials", "Wrong user name or password.")
    response.set_cookie(
        COOKIE,
        await store.open_session(user),
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_hours * 3600,
        path="/",
    )
    return user.public()


@router.get("/session")
async def who_am_i(user: CurrentUser) -> dict:
    """The signed-in user."""
    return user.public()


@router.delete("/session", status_code=204)
async def sign_out(store: UsersDep, session: SessionToken = None) -> Response:
    """Sign out: the session ends on the server and the cookie is cleared."""
    if session:
        await store.close_session(session)
    answer = Response(status_code=204)
    answer.delete_cookie(COOKIE, path="/")
    return answer
