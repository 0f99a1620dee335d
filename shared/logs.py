"""One log format for every service: a JSON object per line, each naming the
service and the correlation id of the work in hand (an upload or a request),
so one upload can be followed through every service's log.

The correlation id lives in a context variable: the HTTP middleware sets it
from the ``X-Correlation-Id`` header (the gateway makes one per request), the
Kafka middleware from the messages' ``correlation_id`` header, and a filter
copies it onto every record. Nothing here logs message contents, and the formatter
takes out of exception texts what a user may have typed (SSN- and date-like
text, pydantic's echo of an invalid input).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TextIO

from pydantic import ValidationError
from pythonjsonlogger.json import JsonFormatter

from .pii import redact

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

FIELDS = "{asctime}{levelname}{name}{message}"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


class RedactingJsonFormatter(JsonFormatter):
    """JSON lines that never quote what a message or a user carried: a
    pydantic validation error is reduced to where and what kind (never its
    input), any other exception's text and the message lose what looks like
    an SSN or a date (``shared.pii.redact``). Chained causes are left out."""

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        kind, exc, tb = ei
        frames = "".join(traceback.format_tb(tb))
        return f"Traceback (most recent call last):\n{frames}{kind.__qualname__}: {describe(exc)}"

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        if isinstance(log_data.get("message"), str):
            log_data["message"] = redact(log_data["message"])
        return log_data


def describe(exc: BaseException | None) -> str:
    """An exception's text without the data it may quote."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['type']}"
            for e in exc.errors(include_input=False, include_url=False, include_context=False)
        )
    return redact(str(exc))


class ContextFilter(logging.Filter):
    """Adds the service's name and the current correlation id to every record."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.correlation_id = correlation_id.get()
        record.__dict__.pop("color_message", None)  # uvicorn's copy of the message with terminal colours
        return True


def json_handler(service: str, stream: TextIO = sys.stderr) -> logging.Handler:
    """A handler that writes each record as one JSON object per line, with the service and correlation id."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingJsonFormatter(FIELDS, style="{", rename_fields=RENAMED))
    handler.addFilter(ContextFilter(service))
    return handler


def configure_logging(service: str, level: str = "INFO", faststream_level: str = "WARNING") -> None:
    """Every logger of the process writes JSON lines to standard error."""
    root = logging.getLogger()
    root.handlers[:] = [json_handler(service)]
    root.setLevel(level.upper())
    # FastStream logs each message at the broker's log level (DEBUG): keep
    # its own logger quieter unless asked, and the Kafka client quieter still.
    logging.getLogger("faststream").setLevel(faststream_level.upper())
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


@contextmanager
def correlated(value: str | None) -> Iterator[None]:
    """Log lines within carry this correlation id."""
    token = correlation_id.set(value)
    try:
        yield
    finally:
        correlation_id.reset(token)


def batch_correlation(ids: list[str | None]) -> str | None:
    """One value for a batch of messages: their correlation id when they share
    one (a file's rows), else the first few, so a line still leads somewhere."""
    distinct = list(dict.fromkeys(i for i in ids if i))
    if len(distinct) <= 3:
        return ",".join(distinct) or None
    return ",".join(distinct[:3]) + f",+{len(distinct) - 3}"
