"""Staff accounts: creation, password sign-in (throttled), API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from uuid import UUID, uuid4

from ats.domain import tokens
from ats.domain.actors import SYSTEM, Actor, staff
from ats.domain.errors import Conflict, NotFound, Unauthorized, ValidationError
from ats.domain.model import Role, User
from ats.domain.tokens import ApiToken
from ats.ports import Duplicate
from ats.services.deps import Deps
from ats.services.throttle import LoginLocked

MIN_PASSWORD = 12


def generate_password() -> str:
    return secrets.token_urlsafe(18)


def _normal_email(email: str) -> str:
    return email.strip().lower()


async def create_user(deps: Deps, *, email: str, role: str, password: str, actor: Actor = SYSTEM) -> User:
    address = _normal_email(email)
    if "@" not in address or len(address) > 254 or address.startswith("@") or address.endswith("@"):
        raise ValidationError("Enter a valid email address.", field="email")
    try:
        role_value = Role(role)
    except ValueError:
        raise ValidationError(
            f"Choose a role from: {', '.join(r.value for r in Role)}.", field="role"
        ) from None
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"A password needs at least {MIN_PASSWORD} characters.", field="password")
    user = User(
        id=uuid4(),
        email=address,
        role=role_value,
        password_hash=await deps.passwords.hash(password),
        created_at=deps.clock.now(),
    )
    try:
        async with deps.uow.transaction() as tx:
            await tx.add_user(user)
            await tx.append_audit(
                [deps.event(actor, "user.created", details={"user": str(user.id), "role": role_value.value})]
            )
    except Duplicate:
        raise Conflict("A user with this email address already exists.", field="email") from None
    return user


async def authenticate(deps: Deps, *, email: str, password: str) -> Actor:
    """Check a password (argon2 on a worker thread, deps.passwords). Unthrottled: entry points
    call sign_in."""
    user = await deps.uow.repo.get_user_by_email(_normal_email(email))
    valid = await deps.passwords.verify(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        await deps.audit(SYSTEM, "user.login_failed", details={"user": str(user.id) if user else None})
        raise Unauthorized("The email address or password is not right.")
    actor = staff(user.id, user.role)
    await deps.audit(actor, "user.login")
    return actor


async def sign_in(deps: Deps, *, email: str, password: str, client: str) -> Actor:
    """A password sign-in from `client` (its address), throttled per account and per client
    (ats.services.throttle). A refused attempt runs no argon2 and is not audited one by one:
    each lockout appends one `user.login_locked` event (the user id or null, never the email)."""
    address = _normal_email(email)
    lockout = deps.login_throttle.admit(address, client)
    if lockout is not None:
        if lockout.new:
            user = await deps.uow.repo.get_user_by_email(address) if lockout.scope == "account" else None
            await deps.audit(
                SYSTEM,
                "user.login_locked",
                details={"user": str(user.id) if user else None, "scope": lockout.scope},
            )
        raise LoginLocked(lockout.retry_after)
    actor = await authenticate(deps, email=address, password=password)
    deps.login_throttle.succeeded(address)
    return actor


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    secret: str  # shown once, never stored
    token: ApiToken


async def new_token(deps: Deps, *, email: str, days: int | None = None, actor: Actor = SYSTEM) -> IssuedToken:
    """Issue an API token for a user, valid `days` (default 90); audited under `actor`."""
    user = await deps.uow.repo.get_user_by_email(_normal_email(email))
    if user is None:
        raise ValidationError("There is no user with this email address.", field="email")
    if not user.active:
        raise Conflict("This user is deactivated: no token can be issued.", field="email")
    try:
        valid_for = tokens.lifetime(days)
    except ValueError as exc:
        raise ValidationError(str(exc), field="days") from None
    secret = "ats_" + secrets.token_urlsafe(32)
    now = deps.clock.now()
    token = ApiToken(
        id=uuid4(),
        user_id=user.id,
        token_hash=_token_hash(secret),
        created_at=now,
        expires_at=now + valid_for,
        hint=secret[-tokens.HINT_CHARS :],
    )
    async with deps.uow.transaction() as tx:
        await tx.add_token(token)
        await tx.append_audit(
            [deps.event(actor, "user.token_issued", details={"user": str(user.id), "token": str(token.id)})]
        )
    return IssuedToken(secret, token)


async def issue_token(deps: Deps, *, email: str, days: int | None = None, actor: Actor = SYSTEM) -> str:
    return (await new_token(deps, email=email, days=days, actor=actor)).secret


async def list_tokens(deps: Deps, *, email: str) -> list[ApiToken]:
    user = await deps.uow.repo.get_user_by_email(_normal_email(email))
    if user is None:
        raise ValidationError("There is no user with this email address.", field="email")
    return await deps.uow.repo.list_tokens(user.id)


async def revoke_token(deps: Deps, token_id: UUID, *, actor: Actor) -> ApiToken:
    """Revoke one token; revoking a revoked token changes nothing and is not audited again."""
    token = await deps.uow.repo.get_token(token_id)
    if token is None:
        raise NotFound("There is no token with this id. List them with `ats users tokens`.")
    if token.revoked_at is None:
        now = deps.clock.now()
        async with deps.uow.transaction() as tx:
            await tx.revoke_token(token_id, now)
            await tx.append_audit(
                [deps.event(actor, "user.token_revoked", details={"user": str(token.user_id), "token": str(token_id)})]
            )
        token.revoked_at = now
    return token


async def deactivate(deps: Deps, *, email: str, actor: Actor) -> User:
    """Deactivate a user: sign-in refused, every session ended (the session version moves on),
    every token revoked. Deactivating an inactive user changes nothing."""
    user = await deps.uow.repo.get_user_by_email(_normal_email(email))
    if user is None:
        raise ValidationError("There is no user with this email address.", field="email")
    if user.active:
        async with deps.uow.transaction() as tx:
            await tx.set_user_active(user.id, False)
            await tx.bump_session_version(user.id)
            await tx.revoke_user_tokens(user.id, deps.clock.now())
            await tx.append_audit([deps.event(actor, "user.deactivated", details={"user": str(user.id)})])
        user.active = False
    return user


async def actor_for_token(deps: Deps, token: str) -> Actor:
    found = await deps.uow.repo.get_token_by_hash(_token_hash(token))
    user = await deps.uow.repo.get_user(found.user_id) if found else None
    if found is None or user is None or not user.active or not found.usable(deps.clock.now()):
        # One answer for unknown, expired, revoked and deactivated: a token reveals nothing.
        raise Unauthorized(
            "The API token is not valid (unknown, expired or revoked). Create one with `ats users token`."
        )
    return staff(user.id, user.role)


async def session_version(deps: Deps, user_id: UUID) -> int:
    user = await deps.uow.repo.get_user(user_id)
    return user.session_version if user else -1


async def actor_for_session(deps: Deps, user_id: UUID, version: object) -> Actor | None:
    """The signed-in user, unless they signed out (or were deactivated) since the cookie."""
    user = await deps.uow.repo.get_user(user_id)
    if user is None or not user.active or version != user.session_version:
        return None
    return staff(user.id, user.role)


async def sign_out(deps: Deps, actor: Actor) -> None:
    """End every session of this user: their cookies are signed client-side, so the server
    keeps a version that each cookie must match."""
    assert actor.user_id is not None
    async with deps.uow.transaction() as tx:
        await tx.bump_session_version(actor.user_id)
        await tx.append_audit([deps.event(actor, "user.logout")])
