"""The readiness service (ats.services.health) on fake probes: each named, a failure or a
probe that does not answer in time makes the instance not ready; no driver message comes out."""

from __future__ import annotations

import asyncio

from ats.services.health import readiness
from storage.memory_signals import StaticProbe


class Hanging:
    name = "s3"

    async def check(self) -> None:
        await asyncio.Event().wait()  # never answers


async def test_ready_when_every_probe_answers() -> None:
    result = await readiness([StaticProbe("database"), StaticProbe("s3")])
    assert result.ready and result.checks == {"database": "ok", "s3": "ok"} and result.failing == []


async def test_a_failing_probe_is_named_without_its_message() -> None:
    secret = OSError("connect to db.internal:5432 as ats_user failed")
    result = await readiness([StaticProbe("database", secret), StaticProbe("s3")])
    assert not result.ready
    assert result.checks == {"database": "unreachable", "s3": "ok"}
    assert "db.internal" not in repr(result)


async def test_a_probe_that_does_not_answer_in_time_is_a_timeout() -> None:
    result = await readiness([StaticProbe("database"), Hanging()], timeout=0.05)
    assert result.checks == {"database": "ok", "s3": "timeout"} and result.failing == ["s3"]
