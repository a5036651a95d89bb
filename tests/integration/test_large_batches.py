"""Batches larger than one INSERT may carry (bind-parameter limits) are split and still chain."""

from __future__ import annotations

from datetime import UTC, datetime

from ats.bootstrap import Container
from ats.domain import audit
from ats.domain.model import AuditEvent
from storage.retention_repository import INSERT_CHUNK


async def test_audit_batch_over_one_insert_is_split_and_verifies(container: Container) -> None:
    now = datetime.now(UTC)
    events = [AuditEvent(actor="system", action="test.bulk", at=now, details={"i": i}) for i in range(INSERT_CHUNK + 500)]
    async with container.deps.uow.transaction() as tx:
        await tx.append_audit(events)
    stored = await container.deps.uow.repo.list_audit(limit=INSERT_CHUNK * 2)
    assert len(stored) == INSERT_CHUNK + 500
    assert audit.verify(stored) is None
