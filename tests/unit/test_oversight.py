"""The console's pure parts (ats.domain.oversight) and its services on the in-memory fakes:
month edges and stale cut-offs at month ends and leap days, the chart's bars, why an overdue
item was not erased, the dashboard's forecast and alerts, hold history purged once its
application is erased, and the role check."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ats.domain.actors import SYSTEM, staff
from ats.domain.errors import NotFound, ValidationError
from ats.domain.model import Role
from ats.domain.oversight import chart, month_bounds, month_label, overdue_reason, stale_cutoff
from ats.services import dashboard, expiry, positions, retention, stale
from ats.services.deps import Deps
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault
from tests.unit.test_retention_services import apply

OFFICER = staff(uuid.uuid4(), Role.PRIVACY_OFFICER)
NOW = datetime(2027, 1, 31, 10, 0, tzinfo=UTC)


@pytest.fixture
def deps() -> Deps:
    clock = FixedClock(NOW)
    return Deps(uow=MemoryUnitOfWork(), vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore(clock=clock)), clock=clock)


def test_month_bounds_start_now_then_each_first_of_month() -> None:
    bounds = month_bounds(datetime(2027, 12, 31, 23, 0, tzinfo=UTC), 3)
    assert bounds == [
        datetime(2027, 12, 31, 23, 0, tzinfo=UTC),
        datetime(2028, 1, 1, tzinfo=UTC),
        datetime(2028, 2, 1, tzinfo=UTC),
        datetime(2028, 3, 1, tzinfo=UTC),
    ]
    assert [month_label(b) for b in bounds] == ["2027-12", "2028-01", "2028-02", "2028-03"]


@pytest.mark.parametrize(
    ("now", "months", "cutoff"),
    [
        (datetime(2027, 3, 31, 9, tzinfo=UTC), 1, datetime(2027, 2, 28, 9, tzinfo=UTC)),
        (datetime(2028, 2, 29, 9, tzinfo=UTC), 12, datetime(2027, 2, 28, 9, tzinfo=UTC)),
        (datetime(2028, 3, 31, 9, tzinfo=UTC), 1, datetime(2028, 2, 29, 9, tzinfo=UTC)),
        (datetime(2027, 1, 15, 9, tzinfo=UTC), 12, datetime(2026, 1, 15, 9, tzinfo=UTC)),
    ],
)
def test_stale_cutoff_at_month_ends_and_leap_days(now: datetime, months: int, cutoff: datetime) -> None:
    assert stale_cutoff(now, months) == cutoff


def test_chart_bars_are_proportional_and_keep_their_counts() -> None:
    drawn = chart([("2027-01", 0), ("2027-02", 4), ("2027-03", 2)])
    assert [(b.label, b.count) for b in drawn.bars] == [("2027-01", 0), ("2027-02", 4), ("2027-03", 2)]
    assert drawn.bars[0].height == 0 and drawn.bars[1].height == 2 * drawn.bars[2].height
    assert all(b.y + b.height == drawn.baseline for b in drawn.bars)


def test_overdue_reason_order() -> None:
    due = NOW - timedelta(days=3)
    base = {"restricted": False, "erasure_started": False, "last_error": None, "retention_until": due, "now": NOW}
    assert overdue_reason(**{**base, "hold_reason": "Claim 7", "restricted": True}) == ("held", "Claim 7")
    assert overdue_reason(**{**base, "hold_reason": None, "restricted": True})[0] == "restricted"
    assert overdue_reason(**{**base, "hold_reason": None, "last_error": "object deletion failed"}) == (
        "failed", "object deletion failed",
    )
    assert overdue_reason(**{**base, "hold_reason": None})[0] == "failed"
    assert overdue_reason(**{**base, "hold_reason": None, "retention_until": NOW - timedelta(hours=2)})[0] == "waiting"


async def test_dashboard_forecast_alerts_and_role(deps: Deps) -> None:
    position = await positions.create_position(deps, SYSTEM, title="Memory", jurisdiction="GB")
    ids = [await apply(deps, position.id, f"m{i}@example.com") for i in range(3)]
    apps = deps.uow.repo.state["applications"]
    apps[ids[0]].retention_until = datetime(2027, 3, 5, tzinfo=UTC)
    apps[ids[1]].retention_until = NOW - timedelta(days=2)  # overdue, unexplained
    apps[ids[2]].retention_until = datetime(2027, 3, 20, tzinfo=UTC)
    await retention.set_legal_hold(deps, OFFICER, ids[2], reason="Claim 9", hold=True)
    board = await dashboard.dashboard(deps, OFFICER)
    totals = {m.month: m.total for m in board.months}
    assert totals["2027-03"] == 1 and sum(totals.values()) == 1  # the held one left out
    assert len(board.months) == 24 and board.months[0].month == "2027-01"
    assert [o.why for o in board.overdue] == ["failed"] and board.alert_overdue == 1
    assert [h.reason for h in board.holds] == ["Claim 9"]
    with pytest.raises(ValidationError):
        await dashboard.dashboard(deps, OFFICER, reference="<script>")
    for role in (Role.RECRUITER, Role.HIRING_MANAGER, Role.ADMIN):
        with pytest.raises(NotFound):
            await dashboard.dashboard(deps, staff(uuid.uuid4(), role))
    checked = await dashboard.expire_checked(deps)
    assert checked.erased == 1 and checked.overdue == 0 and checked.as_dict()["overdue"] == 0


async def test_hold_history_purged_after_erasure(deps: Deps) -> None:
    position = await positions.create_position(deps, SYSTEM, title="Purge", jurisdiction="GB")
    app_id = await apply(deps, position.id, "p@example.com")
    await retention.set_legal_hold(deps, OFFICER, app_id, reason="Claim 1", hold=True)
    await retention.set_legal_hold(deps, OFFICER, app_id, reason="Settled", hold=False)
    assert [(h.reason, h.lift_reason) for h in await deps.uow.repo.list_holds(10)] == [("Claim 1", "Settled")]
    assert (await stale.daily(deps)).hold_history_purged == 0
    deps.uow.repo.state["applications"][app_id].retention_until = NOW - timedelta(hours=1)
    assert (await expiry.erase_due(deps)).erased == 1
    assert (await stale.daily(deps)).hold_history_purged == 1
    assert await deps.uow.repo.list_holds(10) == []
