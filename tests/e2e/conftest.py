"""Fixtures of the end-to-end tests. The server itself is `live` (tests/conftest.py): the whole
app under uvicorn on a loopback port, on SQLite and on PostgreSQL, with the S3/KMS emulator."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.support import Staff, add_position, add_staff
from tests.helpers import state


@pytest.fixture
def client(live: Any) -> Iterator[httpx.Client]:
    with live.client() as c:
        yield c


@pytest.fixture
def position(live: Any) -> uuid.UUID:
    return add_position(live, title="Backend Engineer (London)", jurisdiction="GB")


@pytest.fixture
def recruiter(live: Any) -> Staff:
    return add_staff(live, email="recruiter@example.com", role="recruiter")


@pytest.fixture
def snapshot(live: Any):  # type: ignore[no-untyped-def]
    """`snapshot()` is everything a rejected request must leave as it was (invariant 7)."""
    return lambda: state(live.database_url, live.s3env.s3, live.s3env.bucket)
