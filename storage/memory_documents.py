"""In-memory document reads for MemoryRepository (same contract as storage/document_repository.py)."""

from __future__ import annotations

import copy
from typing import Any
from uuid import UUID

from ats.domain.model import User
from ats.domain.tokens import ApiToken
from ats.ports import DocumentScope


class MemoryDocuments:
    state: dict[str, dict[Any, Any]]

    async def document_scope(self, record_id: UUID, user_id: UUID | None) -> DocumentScope | None:
        record = self.state["records"].get(record_id)
        application = self.state["applications"].get(record.application_id) if record else None
        position = self.state["positions"].get(application.position_id) if application else None
        if record is None or application is None or position is None:
            return None
        assigned = user_id is not None and (position.id, user_id) in self.state.get("assignments", {})
        return DocumentScope(
            record=copy.copy(record),
            application=copy.copy(application),
            position=copy.copy(position),
            assigned=assigned,
            data_key=copy.copy(self.state["data_keys"].get(record.application_id)),
        )

    async def sign_in_user(self, user_id: UUID) -> User | None:
        return copy.copy(self.state["users"].get(user_id))

    async def sign_in_token(self, token_hash: str) -> tuple[ApiToken, User] | None:
        token = self.state["tokens"].get(token_hash)
        user = self.state["users"].get(token.user_id) if token else None
        return (copy.copy(token), copy.copy(user)) if token and user else None
