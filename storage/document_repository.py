"""Document reads of the piccolo repository (contract: DocumentScope in ats/ports.py; fake:
storage/memory_documents.py), in one trip each: storage/document_sql.py."""

from __future__ import annotations

from uuid import UUID

from piccolo.engine import Engine

from ats.domain.model import User
from ats.domain.tokens import ApiToken
from ats.ports import DocumentScope
from storage import document_sql, signin_sql


class DocumentQueries:
    engine: Engine

    async def document_scope(self, record_id: UUID, user_id: UUID | None) -> DocumentScope | None:
        """Outside a transaction only (its own connection)."""
        return await document_sql.document_scope(self.engine, record_id, user_id)

    async def sign_in_user(self, user_id: UUID) -> User | None:
        """Outside a transaction only (its own connection)."""
        return await signin_sql.user(self.engine, user_id)

    async def sign_in_token(self, token_hash: str) -> tuple[ApiToken, User] | None:
        """Outside a transaction only (its own connection)."""
        return await signin_sql.token_and_user(self.engine, token_hash)
