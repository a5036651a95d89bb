"""The export's port (ats.services.exports): the audit reads an Art. 15 answer needs, staff
roles, the download link's single-use marker and the 7-day purge. Real adapter:
storage/exports_repository.py; fake: storage/memory_exports.py; contract test:
tests/integration/test_exports_contract.py."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import NamedTuple, Protocol
from uuid import UUID

from ats.domain.exports import ExportLink
from ats.domain.model import AuditEvent, DataKeyRow, Record


class ExportScope(NamedTuple):
    """What an export's download must know before it reads the object, read in one go
    (storage/export_sql.py): the link, its record and the application's wrapped data key
    (None once destroyed)."""

    link: ExportLink
    record: Record
    data_key: DataKeyRow | None


class ExportRepository(Protocol):
    async def audit_for_applications(self, application_ids: Sequence[UUID], actions: Collection[str]) -> list[AuditEvent]:
        """The events of these applications with these actions, in one query, oldest first."""
        ...

    async def staff_roles(self, user_ids: Sequence[UUID]) -> dict[UUID, tuple[str, str]]:
        """user id -> (role, email) for the users that still exist, in one query."""
        ...

    async def add_export_link(self, link: ExportLink) -> None: ...

    async def get_export_link(self, link_id: UUID) -> ExportLink | None: ...

    async def export_scope(self, link_id: UUID) -> ExportScope | None:
        """The link with its record and data key in one read; None when the link or its record
        is gone. Outside a transaction only (its own connection)."""
        ...

    async def use_export_link(self, link_id: UUID, at: datetime) -> bool:
        """Mark the link used; True only for the one call that found it unused (a conditional
        update, so two concurrent downloads cannot both win)."""
        ...

    async def exports_created_before(self, before: datetime, limit: int) -> list[Record]:
        """Export records created before `before` (due for purge), oldest first."""
        ...

    async def delete_exports(self, record_ids: Sequence[UUID]) -> None:
        """Delete these export records' rows and their links' markers."""
        ...
