"""Structured logs of a served request (issue 12 item 5): every line is a JSON object, the
request's lines carry its id (the client's X-Request-ID when safe, echoed back), and nothing a
candidate typed reaches the log."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from ats.logs import configure
from tests.e2e.support import add_position, api_apply, applicant

ELF = b"\x7fELF\x02\x01\x01" + bytes(200)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure("json", stream=stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_requests_logs_are_json_with_its_id_and_no_personal_data(live: Any, captured: io.StringIO) -> None:
    position = add_position(live)
    person = applicant(full_name="Hedy Loggerfield", email="hedy.logs@example.com", phone="+44 20 7946 0123")
    with live.client() as client:
        stored = api_apply(client, position, data=person)
        client.headers["X-Request-ID"] = "lb-trace-0123456789"
        refused = api_apply(client, position, data=person, files={"cv": ("hedy cv.pdf", ELF, "application/pdf")})
        client.headers["X-Request-ID"] = "hedy.logs@example.com"  # not a safe token: replaced
        unsafe = client.get("/api/v1/positions")
    assert stored.status_code == 201 and refused.status_code == 422 and unsafe.status_code == 200
    assert refused.headers["x-request-id"] == "lb-trace-0123456789"
    assert unsafe.headers["x-request-id"] not in ("", "hedy.logs@example.com")

    text = captured.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]  # every line parses
    assert all({"time", "level", "logger", "message", "request_id"} <= set(x) for x in lines)
    requests = {x["request_id"]: x for x in lines if x["logger"] == "ats.http"}
    first = requests[stored.headers["x-request-id"]]
    assert (first["method"], first["route"], first["status"]) == (
        "POST",
        "/api/v1/positions/{position_id}/applications",
        201,
    )
    assert requests["lb-trace-0123456789"]["status"] == 422
    assert requests[unsafe.headers["x-request-id"]]["route"] == "/api/v1/positions"
    for personal in ("Hedy", "Loggerfield", "hedy.logs", "7946", "hedy cv", stored.json()["reference"]):
        assert personal not in text
