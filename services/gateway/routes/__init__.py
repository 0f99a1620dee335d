"""The public HTTP API, /api/v1: one router per resource."""

from __future__ import annotations

from fastapi import APIRouter

from . import applications, audit, catalog, dashboard, groups, session, transactions, uploads


def api() -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    for resource in (session, groups, dashboard, transactions, uploads, applications, audit, catalog):
        router.include_router(resource.router)
    return router
