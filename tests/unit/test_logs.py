"""The log formatters and request ids (ats.logs, ats.web.request_log): one JSON object per
line with the agreed fields, extras only from the allowed list, exceptions without their
message, client request ids only when they are short safe tokens, routes as templates."""

from __future__ import annotations

import io
import json
import logging

import pytest

from ats.logs import REQUEST_ID, JsonFormatter, TextFormatter, configure, request_id
from ats.web.request_log import route_template


def _record(msg: str, *args: object, exc: bool = False, **extra: object) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("ada@example.com is not valid")
        except ValueError:
            import sys

            exc_info = sys.exc_info()
    record = logging.LogRecord("ats.test", logging.WARNING, __file__, 1, msg, args, exc_info)
    record.__dict__.update(extra)
    return record


def test_json_lines_carry_the_agreed_fields() -> None:
    token = REQUEST_ID.set("req-12345678")
    try:
        line = JsonFormatter().format(_record("job %s run %s", "expire", "r1", status=200, full_name="Ada"))
    finally:
        REQUEST_ID.reset(token)
    entry = json.loads(line)
    assert "\n" not in line
    assert set(entry) == {"time", "level", "logger", "message", "request_id", "status"}
    assert entry["message"] == "job expire run r1" and entry["level"] == "WARNING" and entry["logger"] == "ats.test"
    assert entry["request_id"] == "req-12345678" and entry["time"].endswith("+00:00")
    assert "Ada" not in line  # an extra outside the allowed list is dropped


def test_an_exception_is_logged_by_type_and_frames_without_its_message() -> None:
    for formatter in (JsonFormatter(), TextFormatter()):
        line = formatter.format(_record("failed", exc=True))
        assert "ValueError" in line and "ada@example.com" not in line
    entry = json.loads(JsonFormatter().format(_record("failed", exc=True)))
    assert entry["exception"]["type"] == "ValueError" and entry["exception"]["frames"]


def test_outside_a_request_the_id_is_null() -> None:
    assert json.loads(JsonFormatter().format(_record("hello")))["request_id"] is None


@pytest.mark.parametrize("given", ["0f8fad5b-d9cb-469f-a165-70867728950e", "abcDEF12", "lb.trace_id-42"])
def test_a_safe_client_request_id_is_kept(given: str) -> None:
    assert request_id(given) == given


@pytest.mark.parametrize("given", [None, "", "short", "x" * 65, "a b c d e f", "ada@example.com", "id\r\nforged: 1"])
def test_anything_else_gets_a_new_id(given: str | None) -> None:
    made = request_id(given)
    assert made != given and len(made) == 32 and made.isalnum()
    assert request_id(given) != made  # a new one each time


def test_routes_are_logged_as_templates_never_with_tokens_or_ids() -> None:
    scope = {"path": "/offer/tok3nV4lue-xyz", "path_params": {"token": "tok3nV4lue-xyz"}}
    assert route_template(scope) == "/offer/{token}"
    unmatched = {"path": "/api/v1/applications/0f8fad5b-d9cb-469f-a165-70867728950e/records"}
    assert route_template(unmatched) == "/api/v1/applications/{}/records"


def test_configure_sends_library_and_our_records_through_one_handler() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure("json", stream=stream)
    try:
        logging.getLogger("uvicorn.error").info("Started server process")
        logging.getLogger("ats.jobs").info("job %s", "sweep")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    lines = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert [(x["logger"], x["message"]) for x in lines] == [("uvicorn.error", "Started server process"), ("ats.jobs", "job sweep")]
