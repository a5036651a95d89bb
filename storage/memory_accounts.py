"""In-memory token and user lifecycle for MemoryRepository (same contract as
storage/accounts_repository.py). state["tokens"] maps a token's hash to its ApiToken."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from uuid import UUID

from ats.domain.model import User
from ats.domain.tokens import ApiToken


class MemoryAccounts:
    state: dict[str, dict[Any, Any]]

    async def add_token(self, token: ApiToken) -> None:
        self.state["tokens"][token.token_hash] = copy.copy(token)

    async def get_token_by_hash(self, token_hash: str) -> ApiToken | None:
        return copy.copy(self.state["tokens"].get(token_hash))

    async def get_token(self, token_id: UUID) -> ApiToken | None:
        found = [tok for tok in self.state["tokens"].values() if tok.id == token_id]
        return copy.copy(found[0]) if found else None

    async def list_tokens(self, user_id: UUID) -> list[ApiToken]:
        mine = [tok for tok in self.state["tokens"].values() if tok.user_id == user_id]
        return [copy.copy(tok) for tok in sorted(mine, key=lambda tok: (tok.created_at, tok.token_hash))]

    async def revoke_token(self, token_id: UUID, at: datetime) -> None:
        for tok in self.state["tokens"].values():
            if tok.id == token_id and tok.revoked_at is None:
                tok.revoked_at = at

    async def revoke_user_tokens(self, user_id: UUID, at: datetime) -> None:
        for tok in self.state["tokens"].values():
            if tok.user_id == user_id and tok.revoked_at is None:
                tok.revoked_at = at

    async def set_user_active(self, user_id: UUID, active: bool) -> None:
        self.state["users"][user_id].active = active

    async def list_users(self) -> list[User]:
        return [copy.copy(u) for u in sorted(self.state["users"].values(), key=lambda u: u.email)]

    async def count_applications_by_position(self) -> dict[UUID, int]:
        counts: dict[UUID, int] = {}
        for application in self.state["applications"].values():
            counts[application.position_id] = counts.get(application.position_id, 0) + 1
        return counts
