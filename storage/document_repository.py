"""Document reads of the piccolo repository (contract: DocumentScope in ats/ports.py; fake:
storage/memory_documents.py), in one trip each: storage/document_sql.py."""

from __future__ import annotations

from uuid import UUID

from piccolo.engine import Engine

from ats.ports import DocumentScope
from storage import document_sql


class DocumentQueries:
    engine: Engine

    async def document_scope(self, record_id: UUID, user_id: UUID | None) -> DocumentScope | None:
        """Outside a transaction only (its own connection)."""
        return await document_sql.document_scope(self.engine, record_id, user_id)
