"""Issue 9, item 1: a legal hold against an erasure in progress (SQLite and PostgreSQL).

A hold on an application a worker has claimed (its data key already destroyed) answers 409
naming the erasure; and an application whose key was destroyed is always finished by the next
run, even if a hold reached it anyway (invariant 8: no half-erased application)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ats.bootstrap import Container
from ats.domain.actors import staff
from ats.domain.errors import Conflict
from ats.domain.model import Role
from ats.services import retention
from tests.helpers import bucket_versions, sql_rows
from tests.integration.test_expiry_processes import expire, seed

OFFICER = staff(uuid.uuid4(), Role.PRIVACY_OFFICER)
AS_OF = datetime(2030, 1, 1, tzinfo=UTC)


async def test_a_hold_on_an_application_claimed_for_erasure_answers_409(container: Container) -> None:
    due, _ = await seed(container, due=2)
    now = container.deps.clock.now()
    async with container.deps.uow.transaction() as tx:  # a live worker's claim, key destroyed
        claims = await tx.claim_due(as_of=AS_OF, worker="w1", now=now, lease_until=now + timedelta(minutes=5), limit=1)
    (claimed_id,) = [c.application_id for c in claims]
    (free_id,) = set(due) - {claimed_id}
    with pytest.raises(Conflict) as refused:
        await retention.set_legal_hold(container.deps, OFFICER, claimed_id, reason="Tribunal 7", hold=True)
    assert refused.value.code == "erasure_in_progress"
    assert "erasure" in str(refused.value)
    url = container.settings.ats_database_url
    assert sql_rows(url, "SELECT legal_hold_reason FROM applications WHERE id = $1", claimed_id)[0][0] is None
    # An application no worker holds still takes a hold.
    await retention.set_legal_hold(container.deps, OFFICER, free_id, reason="Tribunal 7", hold=True)


async def test_a_half_erased_application_is_finished_even_under_a_hold(container: Container) -> None:
    due, _ = await seed(container, due=2)
    url = container.settings.ats_database_url
    crashed = expire(container, "--crash-after", "keys_destroyed", "--batch-size", "1")
    assert crashed.returncode == -9, crashed.stderr
    (half,) = [r[0] for r in sql_rows(url, "SELECT id FROM applications WHERE erasure_claim IS NOT NULL")]
    half = half if isinstance(half, uuid.UUID) else uuid.UUID(half)
    # The dead run's claim still stands: a hold now is refused, naming the erasure.
    with pytest.raises(Conflict) as refused:
        await retention.set_legal_hold(container.deps, OFFICER, half, reason="Tribunal 8", hold=True)
    assert refused.value.code == "erasure_in_progress"
    # A hold that reached the row anyway (written before this check existed), and the claim
    # lapsed (set to a past time rather than waiting out the lease).
    sql_rows(url, "UPDATE applications SET legal_hold_reason = 'Tribunal 8', erasure_claim_expires = submitted_at "
             "WHERE erasure_claim IS NOT NULL")
    rerun = expire(container)
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout.strip().splitlines()[-1])["erased"] == 2
    assert sql_rows(url, "SELECT COUNT(*) FROM applications")[0][0] == 0
    assert sorted(str(r[0]) for r in sql_rows(url, "SELECT application_id FROM tombstones")) == sorted(map(str, due))
    assert bucket_versions(container.s3, container.settings.ats_s3_bucket) == []
