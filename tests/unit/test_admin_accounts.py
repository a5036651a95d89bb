"""The admin pages' use cases on the fakes (issue 8, item 3): only admins (or the CLI's
operator) manage users and tokens, the signed-in admin is on the audit trail, and bad input
changes nothing."""

from __future__ import annotations

from uuid import uuid4

import pytest

from ats.domain.actors import cli_operator, staff
from ats.domain.errors import Conflict, Forbidden, NotFound, ValidationError
from ats.domain.model import Role
from ats.services import accounts, positions
from ats.services.deps import Deps
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault

PASSWORD = "correct horse battery staple"


@pytest.fixture
def deps() -> Deps:
    return Deps(uow=MemoryUnitOfWork(), vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()), clock=FixedClock())


async def _admin(deps: Deps):  # type: ignore[no-untyped-def]
    user = await accounts.create_user(
        deps, email="admin@example.com", role="admin", password=PASSWORD, actor=cli_operator("root")
    )
    return staff(user.id, Role.ADMIN)


async def test_the_signed_in_admin_is_the_actor_of_every_change(deps: Deps) -> None:
    admin = await _admin(deps)
    user = await accounts.create_user(deps, email="Rec@Example.com", role="recruiter", password=PASSWORD, actor=admin)
    issued = await accounts.issue_token_for(deps, admin, user.id, days="30")
    await accounts.revoke_token(deps, issued.token.id, actor=admin, user_id=user.id)
    await accounts.deactivate_user(deps, admin, user.id)
    trail = [(e.actor, e.action) for e in deps.uow.repo.audit][-4:]  # type: ignore[attr-defined]
    assert trail == [
        (admin.label, "user.created"),
        (admin.label, "user.token_issued"),
        (admin.label, "user.token_revoked"),
        (admin.label, "user.deactivated"),
    ]
    assert user.email == "rec@example.com"
    assert (issued.token.expires_at - issued.token.created_at).days == 30
    listed, tokens = await accounts.user_account(deps, admin, user.id)
    assert listed.active is False and [t.status(deps.clock.now()) for t in tokens] == ["revoked"]


@pytest.mark.parametrize("role", [Role.RECRUITER, Role.HIRING_MANAGER, Role.PRIVACY_OFFICER])
async def test_other_roles_manage_no_one(deps: Deps, role: Role) -> None:
    await _admin(deps)
    someone = staff(uuid4(), role)
    admin_id = (await accounts.list_users(deps, cli_operator("root")))[0].id
    for call in (
        accounts.list_users(deps, someone),
        accounts.create_user(deps, email="x@example.com", role="admin", password=PASSWORD, actor=someone),
        accounts.issue_token_for(deps, someone, admin_id, days=""),
        accounts.deactivate_user(deps, someone, admin_id),
        accounts.user_account(deps, someone, admin_id),
        positions.list_with_counts(deps, someone),
    ):
        with pytest.raises(Forbidden):
            await call
    assert [u.email for u in await accounts.list_users(deps, cli_operator("root"))] == ["admin@example.com"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "<b>x</b>@example.com"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "a" * 250 + "@example.com"}, "email"),
        ({"email": None}, "email"),
        ({"role": "superuser"}, "role"),
        ({"role": None}, "role"),
        ({"password": "short"}, "password"),
        ({"password": "p" * 257}, "password"),
        ({"password": None}, "password"),
    ],
)
async def test_bad_user_input_changes_nothing(deps: Deps, fields: dict, field: str) -> None:
    admin = await _admin(deps)
    values = {"email": "new@example.com", "role": "recruiter", "password": PASSWORD, **fields}
    with pytest.raises(ValidationError) as raised:
        await accounts.create_user(deps, actor=admin, **values)
    assert raised.value.field == field
    assert len(await accounts.list_users(deps, admin)) == 1


async def test_a_duplicate_email_is_a_conflict(deps: Deps) -> None:
    admin = await _admin(deps)
    with pytest.raises(Conflict):
        await accounts.create_user(deps, email=" ADMIN@example.com ", role="recruiter", password=PASSWORD, actor=admin)


@pytest.mark.parametrize("days", ["0", "367", "-1", "1.5", "ten", "٣", "99999", None])
async def test_token_days_outside_1_to_366_are_refused(deps: Deps, days: object) -> None:
    admin = await _admin(deps)
    with pytest.raises(ValidationError) as raised:
        await accounts.issue_token_for(deps, admin, admin.user_id, days=days)
    assert raised.value.field == "days"
    assert (await accounts.user_account(deps, admin, admin.user_id))[1] == []


async def test_a_token_is_revoked_only_under_its_own_user(deps: Deps) -> None:
    admin = await _admin(deps)
    other = await accounts.create_user(deps, email="o@example.com", role="recruiter", password=PASSWORD, actor=admin)
    issued = await accounts.issue_token_for(deps, admin, other.id, days="")
    with pytest.raises(NotFound):
        await accounts.revoke_token(deps, issued.token.id, actor=admin, user_id=admin.user_id)
    assert (await accounts.user_account(deps, admin, other.id))[1][0].revoked_at is None


async def test_an_admin_cannot_deactivate_themselves(deps: Deps) -> None:
    admin = await _admin(deps)
    with pytest.raises(Conflict):
        await accounts.deactivate_user(deps, admin, admin.user_id)
    assert (await accounts.user_account(deps, admin, admin.user_id))[0].active is True


async def test_unknown_users_are_not_found(deps: Deps) -> None:
    admin = await _admin(deps)
    with pytest.raises(NotFound):
        await accounts.user_account(deps, admin, uuid4())
    with pytest.raises(NotFound):
        await accounts.deactivate_user(deps, admin, uuid4())


async def test_positions_with_counts(deps: Deps) -> None:
    admin = await _admin(deps)
    made = await positions.create_position(deps, admin, title="Demo role", jurisdiction="GB")
    assert await positions.list_with_counts(deps, admin) == [(made, 0)]
