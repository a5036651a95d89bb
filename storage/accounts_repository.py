"""Token and user lifecycle queries of the piccolo repository (contract: AccountRepository in
ats/ports.py; fake: storage/memory_accounts.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from piccolo.query.functions.aggregate import Count

from ats.domain.model import User
from ats.domain.tokens import DEFAULT_DAYS, ApiToken
from storage import tables as t
from storage.rows import user_from


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

    # what the admin pages list (admin/admin_pages.py): accounts and per-position counts, never
    # anyone's contact details
    async def list_users(self) -> list[User]:
        rows = await t.User.select().order_by(t.User.email).run()
        return [user_from(r) for r in rows]

    async def count_applications_by_position(self) -> dict[UUID, int]:
        """One grouped query (DESIGN §7: a constant number of queries per page)."""
        rows = await t.Application.select(t.Application.position_id, Count(alias="n")).group_by(
            t.Application.position_id
        ).run()
        return {UUID(str(r["position_id"])): r["n"] for r in rows}
