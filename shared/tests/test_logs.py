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
