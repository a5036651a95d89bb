"""Fixtures of the end-to-end tests. The server itself is `live` (tests/conftest.py): the whole
app under uvicorn on a loopback port, on SQLite and on PostgreSQL, with the S3/KMS emulator."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.support import Staff, add_position, add_staff, assign
from tests.helpers import state


@pytest.fixture
def client(live: Any) -> Iterator[httpx.Client]:
    with live.client() as c:
        yield c


@pytest.fixture
def _fixture_staffing() -> dict[str, Any]:
    """The `position` and `recruiter` fixtures of one test: whichever comes second assigns the
    recruiter to the position (DESIGN §8), so tests that use both work as the recruiter of it."""
    return {}


@pytest.fixture
def position(live: Any, _fixture_staffing: dict[str, Any]) -> uuid.UUID:
    position_id = add_position(live, title="Backend Engineer (London)", jurisdiction="GB")
    _fixture_staffing["position"] = position_id
    if "recruiter" in _fixture_staffing:
        assign(live, position_id, _fixture_staffing["recruiter"])
    return position_id


@pytest.fixture
def recruiter(live: Any, _fixture_staffing: dict[str, Any]) -> Staff:
    staff = add_staff(live, email="recruiter@example.com", role="recruiter")
    _fixture_staffing["recruiter"] = staff
    if "position" in _fixture_staffing:
        assign(live, _fixture_staffing["position"], staff)
    return staff


@pytest.fixture
def snapshot(live: Any):  # type: ignore[no-untyped-def]
    """`snapshot()` is everything a rejected request must leave as it was (invariant 7)."""
    return lambda: state(live.database_url, live.s3env.s3, live.s3env.bucket)
