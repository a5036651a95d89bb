"""In-memory export queries for MemoryRepository (same contract as exports_repository)."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from ats.domain.exports import ExportLink
from ats.domain.model import AuditEvent, Record, RecordType
from ats.ports_exports import ExportScope


class MemoryExports:
    state: dict[str, dict[Any, Any]]
    audit: list[AuditEvent]

    def _links(self) -> dict[UUID, ExportLink]:
        return self.state.setdefault("export_links", {})

    async def audit_for_applications(self, application_ids: Sequence[UUID], actions: Collection[str]) -> list[AuditEvent]:
        wanted, kinds = set(application_ids), set(actions)
        return [copy.deepcopy(e) for e in self.audit if e.application_id in wanted and e.action in kinds]

    async def staff_roles(self, user_ids: Sequence[UUID]) -> dict[UUID, tuple[str, str]]:
        users = self.state["users"]
        return {u: (users[u].role.value, users[u].email) for u in user_ids if u in users}

    async def add_export_link(self, link: ExportLink) -> None:
        self._links()[link.id] = copy.copy(link)

    async def get_export_link(self, link_id: UUID) -> ExportLink | None:
        return copy.copy(self._links().get(link_id))

    async def export_scope(self, link_id: UUID) -> ExportScope | None:
        link = self._links().get(link_id)
        record = self.state["records"].get(link.record_id) if link is not None else None
        if link is None or record is None:
            return None
        key = self.state["data_keys"].get(link.application_id)
        return ExportScope(copy.copy(link), copy.copy(record), copy.copy(key))

    async def use_export_link(self, link_id: UUID, at: datetime) -> bool:
        link = self._links().get(link_id)
        if link is None or link.used_at is not None:
            return False
        link.used_at = at
        return True

    async def exports_created_before(self, before: datetime, limit: int) -> list[Record]:
        rows = [
            r for r in self.state["records"].values() if r.record_type is RecordType.EXPORT and r.created_at < before
        ]
        return [copy.copy(r) for r in sorted(rows, key=lambda r: r.created_at)[:limit]]

    async def delete_exports(self, record_ids: Sequence[UUID]) -> None:
        ids = set(record_ids)
        links = self._links()
        for link_id in [k for k, v in links.items() if v.record_id in ids]:
            del links[link_id]
        records = self.state["records"]
        for record_id in ids:
            if record_id in records and records[record_id].record_type is RecordType.EXPORT:
                del records[record_id]
