"""Refusals a service's domain raises. They name the problem and the fix
(``detail``, for people) and carry a stable ``code`` (for programs); they
know nothing of HTTP. ``shared.service`` maps each kind to one status and
one error body, ``{"detail": ..., "code": ...}`` (and a refusal's own
``extra`` fields beside them), in every service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """Base of every refusal; subclasses say what kind it is. ``extra`` are
    facts a program may act on (the earlier upload a duplicate file points
    to), answered beside ``detail`` and ``code``, never instead of them."""

    def __init__(self, code: str, detail: str, extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = dict(extra or {})


class BadInput(DomainError):
    """The request is missing what it needs (an empty file)."""


class Invalid(DomainError):
    """The request is complete but breaks a rule (a changed header, a wrong region)."""


class NotFound(DomainError):
    """No such thing, or one the caller may not know about."""


class NotPermitted(DomainError):
    """The rules do not offer this action here (agreements outside California and Hawaii)."""


class Conflict(DomainError):
    """The thing is not in a state that allows the action (submitting a rejected application)."""


class TooLarge(DomainError):
    """Over a size limit."""


class Unsupported(DomainError):
    """A kind of file the action does not take."""


class NotSignedIn(DomainError):
    """No identity, or a session that is over."""


class Unavailable(DomainError):
    """Something this depends on does not answer; trying again later may work."""


class UpstreamFailed(DomainError):
    """Something this depends on answered with a failure."""


def must_exist(value: T | None, code: str, detail: str) -> T:
    """``value``, or NotFound when there is none."""
    if value is None:
        raise NotFound(code, detail)
    return value
