"""Log lines are JSON and say which service wrote them and for which work."""

import io
import json
import logging

import httpx
from fastapi import FastAPI
from faststream.kafka import TestKafkaBroker

from shared.kafka import make_broker
from shared.logs import correlated, correlation_id, json_handler
from shared.service import CorrelationMiddleware
from shared.settings import InfraSettings


def test_a_line_is_one_json_object_with_the_service_and_the_correlation_id():
    out = io.StringIO()
    logger = logging.getLogger("test.logs.line")
    logger.addHandler(json_handler("upload", out))
    try:
        with correlated("upload-7"):
            logger.warning("upload %s accepted", "u7")
        logger.warning("outside any work")
    finally:
        logger.handlers.clear()
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first | {"time": None} == {
        "time": None,
        "level": "WARNING",
        "logger": "test.logs.line",
        "message": "upload u7 accepted",
        "service": "upload",
        "correlation_id": "upload-7",
    }
    assert second["correlation_id"] is None


async def test_a_kafka_batch_is_handled_under_its_correlation_id():
    broker = make_broker(InfraSettings(app_env="test"))
    seen: list[str | None] = []

    @broker.subscriber("t.rows", batch=True)
    async def rows(messages: list[dict]) -> None:
        seen.append(correlation_id.get())

    async with TestKafkaBroker(broker) as br:
        await br.publish_batch({"n": 1}, {"n": 2}, topic="t.rows", correlation_id="upload-9")
    assert seen == ["upload-9"]
    assert correlation_id.get() is None


async def test_an_http_request_carries_the_callers_correlation_id_or_a_new_one():
    app = FastAPI()
    app.add_middleware(CorrelationMiddleware)

    @app.get("/id")
    async def current() -> dict:
        return {"id": correlation_id.get()}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        given = await http.get("/id", headers={"X-Correlation-Id": "req-42"})
        hostile = await http.get("/id", headers={"X-Correlation-Id": "x" * 500})
        none = await http.get("/id")
    assert given.json()["id"] == "req-42" and given.headers["x-correlation-id"] == "req-42"
    assert len(hostile.json()["id"]) == 32 and none.json()["id"] != hostile.json()["id"]


def test_exceptions_and_messages_lose_what_a_user_typed_but_keep_ids():
    from pydantic import BaseModel

    from shared.contracts.uploads import MemberRowParsed

    class Row(BaseModel):
        row: MemberRowParsed

    out = io.StringIO()
    logger = logging.getLogger("test.logs.redact")
    logger.addHandler(json_handler("validation", out))
    cells = {"first_name": "Ann", "ssn": "123-45-6789", "date_of_birth": "1988-06-15"}
    try:
        try:
            Row.model_validate({"row": {"upload_id": "u1", "cells": cells, "row_number": "x"}})
        except Exception:
            logger.warning("batch failed", exc_info=True)
        typed = {
            "ssn": "123456789",
            "born": "06/15/1988",
            "cell": cells["ssn"],
            "dashed": "06-15-1988",
            "spaced": "123 45 6789",
        }
        try:
            raise ValueError("{cell} cannot be used; born {born} or {dashed}, ssn {ssn} or {spaced}".format(**typed))
        except ValueError:
            logger.exception("report for upload 4f3a9876543210bcde0000aa failed")
    finally:
        logger.handlers.clear()
    text = out.getvalue()
    for personal in ("Ann", "123-45-6789", "1988-06-15", "06/15/1988", "123456789", "06-15-1988", "123 45 6789"):
        assert personal not in text, personal
    first, second = (json.loads(line) for line in text.splitlines())
    assert "row.row_number: int_parsing" in first["exc_info"] and "Traceback" in first["exc_info"]
    assert "[ssn]" in second["exc_info"] and "[date]" in second["exc_info"]
    assert "4f3a9876543210bcde0000aa" in second["message"]  # an id is not an SSN


async def test_a_failure_no_handler_took_is_a_500_with_the_error_body_and_the_correlation_id(caplog):
    from fastapi import APIRouter

    from shared.service import Service, create_service_app

    routes = APIRouter()

    @routes.get("/boom")
    async def boom() -> dict:
        raise RuntimeError("a bug")

    app = create_service_app(Service("test", InfraSettings(app_env="test"), None, routes, internal=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        with caplog.at_level(logging.ERROR):
            answer = await http.get("/boom", headers={"X-Correlation-Id": "req-500"})
    assert answer.status_code == 500 and answer.json()["code"] == "internal_error"
    assert answer.headers["x-correlation-id"] == "req-500"
    (failure,) = [r for r in caplog.records if r.exc_info]
    assert failure.getMessage() == "GET /boom failed" and failure.exc_info[1].args == ("a bug",)


async def test_a_database_that_does_not_answer_is_a_503_with_retry_after():
    from fastapi import APIRouter
    from pymongo.errors import ServerSelectionTimeoutError

    from shared.service import Service, create_service_app

    routes = APIRouter()

    @routes.get("/groups")
    async def groups() -> dict:
        raise ServerSelectionTimeoutError("127.0.0.1:27017: connection refused")

    app = create_service_app(Service("test", InfraSettings(app_env="test"), None, routes, internal=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        answer = await http.get("/groups")
    assert (answer.status_code, answer.json()["code"], answer.headers["retry-after"]) == (
        503,
        "database_unavailable",
        "5",
    )
