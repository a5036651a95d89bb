"""Job runs move this process's job counters (ats.metrics via jobs.runs.recorded): runs by
status, the duration histogram, and the expiry outcomes from the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from ats.metrics import REGISTRY
from ats.services.deps import Deps
from jobs.runs import recorded
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@dataclass
class Report:
    erased: int = 4
    held: int = 1
    restricted: int = 2
    failed: int = 0
    dry_run: bool = False
    errors: list[Any] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@pytest.fixture
def deps() -> Deps:
    from datetime import UTC, datetime

    return Deps(
        uow=MemoryUnitOfWork(),
        vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()),
        clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)),
    )


async def test_an_expiry_run_counts_its_outcomes_and_its_duration(deps: Deps) -> None:
    before = {o: _value("ats_expiry_applications_total", outcome=o) for o in ("erased", "held", "restricted", "failed")}
    runs = _value("ats_job_runs_total", job="expire", status="ok")
    timed = _value("ats_job_duration_seconds_count", job="expire")

    async def work() -> Report:
        return Report()

    await recorded(deps, "expire", work)
    assert _value("ats_job_runs_total", job="expire", status="ok") == runs + 1
    assert _value("ats_job_duration_seconds_count", job="expire") == timed + 1
    after = {o: _value("ats_expiry_applications_total", outcome=o) for o in before}
    assert {o: after[o] - before[o] for o in before} == {"erased": 4, "held": 1, "restricted": 2, "failed": 0}


async def test_a_dry_run_erases_nothing_and_a_crash_counts_as_error(deps: Deps) -> None:
    erased = _value("ats_expiry_applications_total", outcome="erased")

    async def dry() -> Report:
        return Report(dry_run=True)

    await recorded(deps, "expire", dry)
    assert _value("ats_expiry_applications_total", outcome="erased") == erased
    errors = _value("ats_job_runs_total", job="sweep", status="error")

    async def crash() -> Report:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await recorded(deps, "sweep", crash)
    assert _value("ats_job_runs_total", job="sweep", status="error") == errors + 1
