"""The request-log middleware on a hot path (bench/download.py passes through it): when the
request's line is below the configured level, it costs a level check and nothing more: no
route template rebuilt, no `extra` dict, no LogRecord, no formatting (ats.web.request_log)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from ats.web import request_log


async def _app(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _serve(path: str = "/api/v1/records/1/content") -> list[dict]:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": path, "headers": [], "path_params": {"id": "1"}}
    asyncio.run(request_log.RequestLog(_app)(scope, receive, send))
    return sent


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    calls = {"route_template": 0, "records": 0}
    real_template = request_log.route_template
    real_make = logging.Logger.makeRecord

    def template(scope):
        calls["route_template"] += 1
        return real_template(scope)

    def make(self, *args, **kwargs):
        calls["records"] += 1
        return real_make(self, *args, **kwargs)

    monkeypatch.setattr(request_log, "route_template", template)
    monkeypatch.setattr(logging.Logger, "makeRecord", make)
    return calls


def test_a_request_below_the_level_builds_nothing(counted: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(request_log.log, "level", logging.WARNING)
    monkeypatch.setattr(request_log.log, "disabled", False)
    request_log.log.manager._clear_cache()
    try:
        sent = _serve()
    finally:
        request_log.log.manager._clear_cache()
    assert sent[0]["status"] == 200 and (b"x-request-id" in dict(sent[0]["headers"]))  # the id is still echoed
    assert counted == {"route_template": 0, "records": 0}


def test_a_request_at_the_level_is_logged_once(counted: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(request_log.log, "level", logging.INFO)
    monkeypatch.setattr(request_log.log, "disabled", False)
    request_log.log.manager._clear_cache()
    try:
        _serve()
    finally:
        request_log.log.manager._clear_cache()
    assert counted == {"route_template": 1, "records": 1}
