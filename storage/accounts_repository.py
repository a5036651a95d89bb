"""Token and user lifecycle queries of the piccolo repository (contract: AccountRepository in
ats/ports.py; fake: storage/memory_accounts.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from ats.domain.tokens import DEFAULT_DAYS, ApiToken
from storage import tables as t


def token_from(row: dict[str, Any]) -> ApiToken:
    # Rows written before the lifecycle migration without an expiry get the default lifetime.
    expires = row["expires_at"] or row["created_at"] + timedelta(days=DEFAULT_DAYS)
    return ApiToken(
        id=row["token_id"],
        user_id=row["user_id"],
        token_hash=row["token_hash"],
        created_at=row["created_at"],
        expires_at=expires,
        revoked_at=row["revoked_at"],
        hint=row["hint"] or "",
    )


class AccountQueries:
    async def add_token(self, token: ApiToken) -> None:
        await t.ApiToken.insert(
            t.ApiToken(
                token_hash=token.token_hash,
                user_id=token.user_id,
                created_at=token.created_at,
                token_id=token.id,
                expires_at=token.expires_at,
                revoked_at=token.revoked_at,
                hint=token.hint,
            )
        ).run()

    async def get_token_by_hash(self, token_hash: str) -> ApiToken | None:
        rows = await t.ApiToken.select().where(t.ApiToken.token_hash == token_hash).limit(1).run()
        return token_from(rows[0]) if rows else None

    async def get_token(self, token_id: UUID) -> ApiToken | None:
        rows = await t.ApiToken.select().where(t.ApiToken.token_id == token_id).limit(1).run()
        return token_from(rows[0]) if rows else None

    async def list_tokens(self, user_id: UUID) -> list[ApiToken]:
        rows = (
            await t.ApiToken.select()
            .where(t.ApiToken.user_id == user_id)
            .order_by(t.ApiToken.created_at)
            .order_by(t.ApiToken.token_hash)
            .run()
        )
        return [token_from(r) for r in rows]

    async def revoke_token(self, token_id: UUID, at: datetime) -> None:
        await t.ApiToken.update({t.ApiToken.revoked_at: at}).where(
            (t.ApiToken.token_id == token_id) & t.ApiToken.revoked_at.is_null()
        ).run()

    async def revoke_user_tokens(self, user_id: UUID, at: datetime) -> None:
        await t.ApiToken.update({t.ApiToken.revoked_at: at}).where(
            (t.ApiToken.user_id == user_id) & t.ApiToken.revoked_at.is_null()
        ).run()

    async def set_user_active(self, user_id: UUID, active: bool) -> None:
        await t.User.update({t.User.active: active}).where(t.User.id == user_id).run()
