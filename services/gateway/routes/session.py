"""Sign in and out: an HttpOnly cookie holds the session token."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from shared.errors import NotSignedIn

from ..deps import COOKIE, CurrentUser, GuardDep, SessionToken, SettingsDep, UsersDep
from ..security import csrf_token
from ..settings import GatewaySettings
from ..throttle import client_address

router = APIRouter(tags=["session"])


class SignIn(BaseModel):
    username: str
    password: str


@router.post("/session", responses={429: {"description": "Too many failed sign-ins: wait Retry-After seconds"}})
async def sign_in(
    body: SignIn, request: Request, response: Response, store: UsersDep, guard: GuardDep, settings: SettingsDep
) -> dict:
    """Sign in; sets an HttpOnly session cookie and answers the user with the session's CSRF token
    (send it as X-CSRF-Token on every request that changes something). Repeated failures lock the
    user name or the address for a while."""
    # The connection's address; behind a reverse proxy, from its X-Forwarded-For
    # when it is one of the trusted_proxies (see client_address).
    host = request.client.host if request.client else ""
    address = client_address(host, request.headers.get("x-forwarded-for"), settings.trusted_proxies)
    # Counted before the password is checked (and not checked at all while locked).
    attempt = await guard.begin(body.username, address)
    user = await store.authenticate(body.username, body.password)
    if user is None:
        await guard.failed(body.username, address, counted_at=attempt)
        raise NotSignedIn("wrong_credentials", "Wrong user name or password.")
    await guard.succeeded(body.username, address, counted_at=attempt)
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
    return _with_token(user.public(), settings, token)


@router.get("/session")
async def who_am_i(user: CurrentUser, settings: SettingsDep, session: SessionToken = None) -> dict:
    """The signed-in user, and the session's CSRF token (send it as X-CSRF-Token on every change)."""
    return _with_token(user.public(), settings, session or "")


def _with_token(public: dict, settings: GatewaySettings, session: str) -> dict:
    return public | {"csrf_token": csrf_token(settings.session_secret.get_secret_value(), session)}


@router.delete("/session", status_code=204)
async def sign_out(store: UsersDep, session: SessionToken = None) -> Response:
    """Sign out: the session ends on the server and the cookie is cleared."""
    if session:
        await store.close_session(session)
    answer = Response(status_code=204)
    answer.delete_cookie(COOKIE, path="/")
    return answer
