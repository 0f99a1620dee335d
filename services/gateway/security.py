"""Web security for the portal, on every answer and every request the browser makes.

- Headers on every answer: a Content-Security-Policy with no inline script or
  style and no framing, nosniff, a same-origin Referrer-Policy.
- CSRF: a state-changing request (POST, PUT, PATCH, DELETE) that carries the
  session cookie must carry the session's CSRF token in ``X-CSRF-Token``
  (given out with the session: the sign-in answer and ``GET /api/v1/session``),
  and a request whose ``Origin`` names another site is refused whatever it
  carries. The token is an HMAC of the session token, so it needs no storage
  and dies with the session.

A plain ASGI middleware (not BaseHTTPMiddleware), so streamed answers (the
upload's live progress) pass through untouched.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

COOKIE = "session"
HEADER = "x-csrf-token"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
# The sign-in itself has no session yet: only its Origin is checked.
NO_TOKEN_NEEDED = frozenset({("POST", "/api/v1/session")})

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def csrf_token(secret: str, session: str) -> str:
    """The session's CSRF token: tied to it, unguessable without the gateway's secret."""
    return hmac.new(secret.encode(), b"csrf:" + session.encode(), hashlib.sha256).hexdigest()


def refusal(request: HTTPConnection, secret: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """Why this request is refused as cross-site, or None when it may pass."""
    method = request.scope["method"]
    if method in SAFE:
        return None
    origin = request.headers.get("origin")
    if origin is not None and not _same_origin(origin, request.headers.get("host", ""), allowed):
        return "This request came from another site's page. Use the portal's own pages."
    session = request.cookies.get(COOKIE)
    if not session or (method, request.url.path) in NO_TOKEN_NEEDED:
        return None
    given = request.headers.get(HEADER, "")
    if not hmac.compare_digest(given.encode(), csrf_token(secret, session).encode()):
        return (
            "This request did not carry the page's security token (X-CSRF-Token). "
            "Reload the page and try again; API clients take the token from the sign-in answer."
        )
    return None


def _same_origin(origin: str, host: str, allowed: frozenset[str]) -> bool:
    if allowed:  # configured: exactly these (scheme and host), nothing else
        return origin.rstrip("/").lower() in {a.rstrip("/").lower() for a in allowed}
    # The scheme is not compared: behind a TLS-terminating proxy the gateway sees http.
    return origin != "null" and urlsplit(origin).netloc.lower() == host.lower()


class WebSecurity:
    def __init__(self, app: Callable, secret: str, allowed_origins: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.secret = secret
        self.allowed = allowed_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        why = refusal(HTTPConnection(scope), self.secret, self.allowed)
        if why is not None:
            await _forbidden(send, why)
            return

        async def with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in present]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _forbidden(send: Send, detail: str) -> None:
    body = json.dumps({"detail": detail, "code": "cross_site_request"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *HEADERS]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})
