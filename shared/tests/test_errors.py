"""Refusals as every service answers them: one body, with a refusal's own facts beside it."""

import httpx
from fastapi import FastAPI

from shared.errors import Conflict, NotFound
from shared.service import install_error_handlers


async def test_a_refusal_answers_detail_and_code_and_its_extra_facts_beside_them():
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/duplicate")
    async def duplicate() -> None:
        raise Conflict("duplicate_file", "Already uploaded.", {"upload_id": "U1", "code": "not this", "detail": "no"})

    @app.get("/missing")
    async def missing() -> None:
        raise NotFound("upload_not_found", "Upload U9 not found.")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        duplicate_answer, missing_answer = await http.get("/duplicate"), await http.get("/missing")
    # The extra facts cannot replace the detail and code.
    assert (duplicate_answer.status_code, duplicate_answer.json()) == (
        409,
        {"upload_id": "U1", "detail": "Already uploaded.", "code": "duplicate_file"},
    )
    assert missing_answer.json() == {"detail": "Upload U9 not found.", "code": "upload_not_found"}
