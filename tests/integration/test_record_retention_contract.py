"""The port of retention per record (ats.ports_record_retention) on the in-memory fake, SQLite and
PostgreSQL: one contract for due records (holds, restriction, a due application), counts per
interval, records behind the table, and deleting rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ats.domain.actors import SYSTEM
from ats.domain.model import PositionStatus, RecordType
from ats.policy_retention import retention_table
from ats.services import positions
from ats.services.deps import Deps
from ats.services.record_retention import expected_rules
from tests.integration.test_oversight_contract import BACKENDS, deps  # noqa: F401 (fixture)
from tests.unit.test_retention_services import apply


@BACKENDS
async def test_record_retention_contract(deps: Deps) -> None:  # noqa: F811
    now = datetime.now(UTC).replace(microsecond=0)
    position = await positions.create_position(deps, SYSTEM, title="P", jurisdiction="GB")
    ids = [await apply(deps, position.id, f"r{i}@example.com") for i in range(4)]
    repo = deps.uow.repo
    cvs = [(await repo.list_records(i))[0] for i in ids]
    for cv in cvs:
        cv.expires_at, cv.expires_on, cv.location = now - timedelta(days=1), "2020-01-01", "eu-west-2"
    async with deps.uow.transaction() as tx:
        await tx.set_record_retention(cvs)
        await tx.set_legal_hold(ids[1], "Claim")
    await repo.set_restricted(ids[2], now)
    async with deps.uow.transaction() as tx:  # the last application is due itself: not one by one
        await tx.conclude_position(position.id, PositionStatus.FILLED, now, now - timedelta(hours=1))
    due = await repo.records_due(now, 10, skip_types=("export",))
    assert [r.id for r in due] == [] and await repo.count_records_due(now, skip_types=()) == 0
    # Conclusion made all four due as applications; give three back their four years.
    await _set_until(deps, ids[:3], now + timedelta(days=900))
    due = await repo.records_due(now, 10, skip_types=("export",))
    assert [r.id for r in due] == [cvs[0].id]  # held (1), restricted (2), application due (3)
    assert await repo.count_records_due(now, skip_types=()) == 1
    assert await repo.records_due(now, 10, skip_types=("cv",)) == []
    assert await repo.count_records_due_between([now - timedelta(days=2), now], skip_types=()) == [2]

    # Behind the table: a CV's rule other than the table's; the rest agree.
    assert await repo.records_to_retag(expected_rules(retention_table()), 10) == []
    cvs[0].retention_rule = "created+P9Y"
    async with deps.uow.transaction() as tx:
        await tx.set_record_retention([cvs[0]])
    stale = await repo.records_to_retag(expected_rules(retention_table()), 10)
    assert [(r.id, r.retention_rule, concluded) for r, concluded in stale] == [(cvs[0].id, "created+P9Y", now)]
    assert stale[0][0].record_type is RecordType.CV and stale[0][0].location == "eu-west-2"

    async with deps.uow.transaction() as tx:
        gone = await tx.delete_records([cvs[0].id])
        assert [(g.id, g.application_id, g.record_type) for g in gone] == [(cvs[0].id, ids[0], "cv")]
        assert await tx.delete_records([cvs[0].id]) == []
    assert await repo.list_records(ids[0]) == []


async def _set_until(d: Deps, app_ids, until: datetime) -> None:  # type: ignore[no-untyped-def]
    repo = d.uow.repo
    if hasattr(repo, "state"):
        for app_id in app_ids:
            repo.state["applications"][app_id].retention_until = until
        return
    from storage import tables as t

    await t.Application.update({t.Application.retention_until: until}).where(t.Application.id.is_in(list(app_ids))).run()
