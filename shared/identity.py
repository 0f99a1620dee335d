"""Who is calling a service: the gateway signs it, every service checks it.

The services' HTTP ports are internal; still, none of them takes a caller's
word for who it is. The gateway signs, for each request, a short-lived token
(a JWT, HMAC-SHA256 with ``SERVICE_TOKEN_SECRET``) naming the signed-in user
and role, or the gateway itself for its own reads, and sends it as
``Authorization: Bearer``. A service answers nothing but /healthz without a
valid one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from .contracts.envelope import Actor, Role
from .errors import NotSignedIn

# A token is for one service: one captured on its way to the dashboard opens no other.
AUDIENCE = "broker-portal:{service}"
# Clocks of different hosts differ a little: a token is taken this much early or late.
LEEWAY_SECONDS = 30
ISSUER = "gateway"
TOKEN_SECONDS = 60
# The gateway asking on its own behalf (tenancy lookups), not for a user.
SERVICE_ROLE = "service"
USER_ROLES: tuple[Role, ...] = ("broker", "group_admin", "kp_reviewer")


@dataclass(frozen=True)
class Caller:
    subject: str
    role: str

    def actor(self) -> Actor | None:
        """The user the request is for, or None when the gateway asks for itself."""
        return Actor(user_id=self.subject, role=self.role) if self.role in USER_ROLES else None


def sign(secret: str, service: str, subject: str, role: str, now: float | None = None) -> str:
    """A token for one call to ``service`` on behalf of ``subject`` in ``role``."""
    issued = int(now if now is not None else time.time())
    claims = {"sub": subject, "role": role, "iat": issued, "exp": issued + TOKEN_SECONDS}
    return jwt.encode({**claims, "aud": AUDIENCE.format(service=service), "iss": ISSUER}, secret, algorithm="HS256")


def verify(secret: str, service: str, authorization: str | None) -> Caller:
    """The caller an ``Authorization: Bearer`` header names, or NotSignedIn."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotSignedIn("no_identity", "A signed caller identity is required (Authorization: Bearer).")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=AUDIENCE.format(service=service),
            issuer=ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": ["sub", "role", "exp", "iat"]},
        )
    except jwt.PyJWTError as exc:
        raise NotSignedIn("bad_identity", f"The caller identity is not valid ({type(exc).__name__}).") from exc
    if claims["role"] not in (*USER_ROLES, SERVICE_ROLE):
        raise NotSignedIn("bad_identity", "The caller identity names no role of this portal.")
    return Caller(claims["sub"], claims["role"])
