"""Tokens and users with a lifecycle (issue 9, item 12) on the fakes: expiry, revocation,
deactivation, and the operator (not "system") on the audit trail."""

from __future__ import annotations

from uuid import uuid4

import pytest

from ats.domain.actors import cli_operator
from ats.domain.errors import Conflict, NotFound, Unauthorized, ValidationError
from ats.domain.tokens import listing
from ats.services import accounts
from ats.services.deps import Deps
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault

EMAIL = "recruiter.one@example.com"
PASSWORD = "correct horse battery staple"
OPERATOR = cli_operator("alice")


@pytest.fixture
def deps() -> Deps:
    return Deps(uow=MemoryUnitOfWork(), vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()), clock=FixedClock())


def audit(deps: Deps) -> list:
    return deps.uow.repo.audit  # type: ignore[attr-defined]


async def test_a_token_expires_after_its_days(deps: Deps) -> None:
    await accounts.create_user(deps, email=EMAIL, role="recruiter", password=PASSWORD)
    issued = await accounts.new_token(deps, email=EMAIL, days=2, actor=OPERATOR)
    default = await accounts.new_token(deps, email=EMAIL, actor=OPERATOR)
    assert (default.token.expires_at - default.token.created_at).days == 90
    assert (await accounts.actor_for_token(deps, issued.secret)).kind == "user"
    deps.clock.advance(days=2)  # type: ignore[attr-defined]
    with pytest.raises(Unauthorized):
        await accounts.actor_for_token(deps, issued.secret)
    assert (await accounts.actor_for_token(deps, default.secret)).kind == "user"
    event = audit(deps)[-1]
    assert (event.action, event.actor) == ("user.token_issued", "cli:alice")
    assert event.details == {"user": str(issued.token.user_id), "token": str(default.token.id)}


@pytest.mark.parametrize("days", [0, -1, 367])
async def test_a_lifetime_out_of_range_is_refused(deps: Deps, days: int) -> None:
    await accounts.create_user(deps, email=EMAIL, role="recruiter", password=PASSWORD)
    with pytest.raises(ValidationError) as info:
        await accounts.new_token(deps, email=EMAIL, days=days, actor=OPERATOR)
    assert info.value.field == "days"
    assert await accounts.list_tokens(deps, email=EMAIL) == []


async def test_a_revoked_token_is_refused_and_listed_without_its_secret(deps: Deps) -> None:
    await accounts.create_user(deps, email=EMAIL, role="recruiter", password=PASSWORD)
    issued = await accounts.new_token(deps, email=EMAIL, actor=OPERATOR)
    kept = await accounts.new_token(deps, email=EMAIL, actor=OPERATOR)
    await accounts.revoke_token(deps, issued.token.id, actor=OPERATOR)
    before = len(audit(deps))
    await accounts.revoke_token(deps, issued.token.id, actor=OPERATOR)  # again: nothing new
    assert len(audit(deps)) == before
    assert audit(deps)[-1].action == "user.token_revoked" and audit(deps)[-1].actor == "cli:alice"
    with pytest.raises(Unauthorized):
        await accounts.actor_for_token(deps, issued.secret)
    assert (await accounts.actor_for_token(deps, kept.secret)).kind == "user"
    rows = [listing(t, deps.clock.now()) for t in await accounts.list_tokens(deps, email=EMAIL)]
    # Both were issued at the test clock's one instant: their order in the list is a tie.
    by_id = {r["id"]: r for r in rows}
    assert by_id[str(issued.token.id)]["status"] == "revoked"
    assert by_id[str(kept.token.id)]["status"] == "active"
    assert by_id[str(kept.token.id)]["last4"] == kept.secret[-4:]
    text = repr(rows)
    for secret, token in ((issued.secret, issued.token), (kept.secret, kept.token)):
        assert secret not in text and token.token_hash not in text
    with pytest.raises(NotFound):
        await accounts.revoke_token(deps, uuid4(), actor=OPERATOR)


async def test_deactivation_ends_sessions_and_tokens(deps: Deps) -> None:
    user = await accounts.create_user(deps, email=EMAIL, role="recruiter", password=PASSWORD)
    issued = await accounts.new_token(deps, email=EMAIL, actor=OPERATOR)
    version = await accounts.session_version(deps, user.id)
    assert await accounts.actor_for_session(deps, user.id, version) is not None
    await accounts.deactivate(deps, email=EMAIL, actor=OPERATOR)
    assert await accounts.actor_for_session(deps, user.id, version) is None
    with pytest.raises(Unauthorized):
        await accounts.actor_for_token(deps, issued.secret)
    with pytest.raises(Unauthorized):
        await accounts.authenticate(deps, email=EMAIL, password=PASSWORD)
    with pytest.raises(Conflict):
        await accounts.new_token(deps, email=EMAIL, actor=OPERATOR)
    assert [e.action for e in audit(deps)].count("user.deactivated") == 1
    assert next(e for e in audit(deps) if e.action == "user.deactivated").actor == "cli:alice"
    assert "recruiter.one" not in repr(audit(deps))


def test_the_operator_label_carries_no_free_text() -> None:
    assert cli_operator("bob").label == "cli:bob"
    assert cli_operator("Bob Smith <b@x>").label == "cli:Bob_Smith__b_x_"
    assert cli_operator("").label == "cli:unknown"
