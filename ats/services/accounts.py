"""Staff accounts: creation, password sign-in (throttled), API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from uuid import UUID, uuid4

from email_validator import EmailNotValidError, validate_email

from ats.domain import tokens
from ats.domain.actors import SYSTEM, Actor, require_role, staff
from ats.domain.errors import Conflict, NotFound, Unauthorized, ValidationError
from ats.domain.model import Role, User
from ats.domain.tokens import ApiToken
from ats.ports import Duplicate
from ats.services.deps import Deps
from ats.services.throttle import LoginLocked

MIN_PASSWORD = 12
MAX_PASSWORD = 256  # argon2 hashes any length; a bound keeps one request's hashing cheap
MAX_EMAIL = 254  # RFC 5321 path limit
ADMIN_ROLES = frozenset({Role.ADMIN})


def generate_password() -> str:
    return secrets.token_urlsafe(18)


def _normal_email(email: str) -> str:
    return email.strip().lower()


def _admin(actor: Actor) -> None:
    """User administration: admins in the panel (DESIGN §8); the CLI's operator and the
    embedded seed act as themselves."""
    if actor.kind == "user":
        require_role(actor, ADMIN_ROLES)


def _staff_email(email: object) -> str:
    if not isinstance(email, str) or not email.strip():
        raise ValidationError("Enter the user's email address, like name@example.com.", field="email")
    if len(email.strip()) > MAX_EMAIL:
        raise ValidationError(f"An email address has at most {MAX_EMAIL} characters.", field="email")
    try:  # the same library the candidate form uses (RFC 5321/5322 syntax; no DNS lookup)
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError("Enter a valid email address, like name@example.com.", field="email") from None


async def create_user(deps: Deps, *, email: object, role: object, password: object, actor: Actor = SYSTEM) -> User:
    _admin(actor)
    address = _staff_email(email)
    try:
        role_value = Role(role)
    except ValueError:
        raise ValidationError(
            f"Choose a role from: {', '.join(r.value for r in Role)}.", field="role"
        ) from None
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationError(f"A password needs at least {MIN_PASSWORD} characters.", field="password")
    if len(password) > MAX_PASSWORD:
        raise ValidationError(f"A password has at most {MAX_PASSWORD} characters.", field="password")
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
    _admin(actor)
    user = await deps.uow.repo.get_user_by_email(_normal_email(email))
    if user is None:
        raise ValidationError("There is no user with this email address.", field="email")
    return await _issue(deps, user, days, actor)


async def _issue(deps: Deps, user: User, days: int | None, actor: Actor) -> IssuedToken:
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


async def list_tokens(deps: Deps, *, email: str, actor: Actor = SYSTEM) -> list[ApiToken]:
    _admin(actor)
    user = await deps.uow.repo.get_user_by_email(_normal_email(email))
    if user is None:
        raise ValidationError("There is no user with this email address.", field="email")
    return await deps.uow.repo.list_tokens(user.id)


async def revoke_token(deps: Deps, token_id: UUID, *, actor: Actor, user_id: UUID | None = None) -> ApiToken:
    """Revoke one token; revoking a revoked token changes nothing and is not audited again.
    `user_id`: the token must be that user's (the panel's URL names both), else 404."""
    _admin(actor)
    token = await deps.uow.repo.get_token(token_id)
    if token is None or (user_id is not None and token.user_id != user_id):
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
    _admin(actor)
    user = await deps.uow.repo.get_user_by_email(_normal_email(email))
    if user is None:
        raise ValidationError("There is no user with this email address.", field="email")
    return await _deactivate(deps, user, actor)


async def _deactivate(deps: Deps, user: User, actor: Actor) -> User:
    if actor.user_id == user.id:
        raise Conflict("You cannot deactivate your own account: ask another admin.", code="own_account")
    if user.active:
        async with deps.uow.transaction() as tx:
            await tx.set_user_active(user.id, False)
            await tx.bump_session_version(user.id)
            await tx.revoke_user_tokens(user.id, deps.clock.now())
            await tx.append_audit([deps.event(actor, "user.deactivated", details={"user": str(user.id)})])
        user.active = False
    return user


async def actor_for_token(deps: Deps, token: str) -> Actor:
    # The token and its user in one read (outside a transaction): every API request starts here.
    pair = await deps.uow.repo.sign_in_token(_token_hash(token))
    found, user = pair if pair else (None, None)
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
    user = await deps.uow.repo.sign_in_user(user_id)  # one read, outside a transaction
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


# The admin pages (admin/admin_pages.py) name users by id; each use case checks the actor.


async def list_users(deps: Deps, actor: Actor) -> list[User]:
    _admin(actor)
    return await deps.uow.repo.list_users()


async def _user(deps: Deps, user_id: UUID) -> User:
    user = await deps.uow.repo.get_user(user_id)
    if user is None:
        raise NotFound("There is no such user.")
    return user


async def user_account(deps: Deps, actor: Actor, user_id: UUID) -> tuple[User, list[ApiToken]]:
    """A user and their tokens (ids, dates, status, last four characters: never a secret)."""
    _admin(actor)
    user = await _user(deps, user_id)
    return user, await deps.uow.repo.list_tokens(user.id)


def parse_days(value: object) -> int | None:
    """A form's "days" field: blank means the default lifetime."""
    text = value.strip() if isinstance(value, str) else None
    if text is None or (text and not (text.isascii() and text.isdigit() and len(text) <= 4)):
        raise ValidationError(f"Enter a whole number of days from 1 to {tokens.MAX_DAYS}.", field="days")
    return int(text) if text else None


async def issue_token_for(deps: Deps, actor: Actor, user_id: UUID, *, days: object) -> IssuedToken:
    """`days` as a form sends it (text; blank: the default lifetime)."""
    _admin(actor)
    lifetime_days = parse_days(days)
    return await _issue(deps, await _user(deps, user_id), lifetime_days, actor)


async def deactivate_user(deps: Deps, actor: Actor, user_id: UUID) -> User:
    _admin(actor)
    return await _deactivate(deps, await _user(deps, user_id), actor)
