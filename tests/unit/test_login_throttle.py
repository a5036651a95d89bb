"""Sign-in hardening (issue 9, item 3) on the fakes: throttling per account and per client,
one audit event per lockout, no argon2 while locked, and verification off the event loop with a
bounded number of hashes at a time."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest
from argon2 import PasswordHasher

from ats.domain.errors import Unauthorized
from ats.services import accounts
from ats.services.deps import Deps
from ats.services.passwords import Passwords
from ats.services.throttle import LoginLocked, LoginThrottle
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault

EMAIL = "recruiter.one@example.com"
PASSWORD = "correct horse battery staple"
CLIENT = "192.0.2.10"


class CountingHasher(PasswordHasher):
    """The real argon2 hasher, counting verifications."""

    def __init__(self) -> None:
        super().__init__()
        self.verified = 0

    def verify(self, hash: Any, password: Any) -> bool:
        self.verified += 1
        return super().verify(hash, password)


def make_deps(**kwargs: Any) -> Deps:
    uow = MemoryUnitOfWork()
    return Deps(uow=uow, vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()), clock=FixedClock(), **kwargs)


def actions(deps: Deps) -> list[str]:
    return [e.action for e in deps.uow.repo.audit]  # type: ignore[attr-defined]


async def test_five_failures_lock_the_account_and_the_audit_gets_one_event() -> None:
    hasher = CountingHasher()
    deps = make_deps(passwords=Passwords(hasher=hasher))
    user = await accounts.create_user(deps, email=EMAIL, role="recruiter", password=PASSWORD)
    for _ in range(5):
        with pytest.raises(Unauthorized):
            await accounts.sign_in(deps, email=EMAIL, password="wrong password!!", client=CLIENT)
    verified = hasher.verified
    for password in ("wrong password!!", PASSWORD, "another wrong one", PASSWORD):
        with pytest.raises(LoginLocked) as locked:
            # The normalised address: case and spaces do not open a new allowance.
            await accounts.sign_in(deps, email=f"  {EMAIL.upper()} ", password=password, client=CLIENT)
        assert 1 <= locked.value.retry_after <= 15 * 60
    assert hasher.verified == verified  # no argon2 while locked
    assert actions(deps).count("user.login_failed") == 5
    locks = [e for e in deps.uow.repo.audit if e.action == "user.login_locked"]  # type: ignore[attr-defined]
    assert len(locks) == 1
    assert locks[0].details == {"user": str(user.id), "scope": "account"}
    assert "recruiter.one" not in repr(deps.uow.repo.audit).lower()  # type: ignore[attr-defined]


async def test_an_unknown_address_is_locked_the_same_way() -> None:
    deps = make_deps()
    await accounts.create_user(deps, email=EMAIL, role="recruiter", password=PASSWORD)
    for _ in range(5):
        with pytest.raises(Unauthorized):
            await accounts.sign_in(deps, email="nobody@example.com", password=PASSWORD, client=CLIENT)
    with pytest.raises(LoginLocked):
        await accounts.sign_in(deps, email="nobody@example.com", password=PASSWORD, client=CLIENT)
    lock = deps.uow.repo.audit[-1]  # type: ignore[attr-defined]
    assert (lock.action, lock.details) == ("user.login_locked", {"user": None, "scope": "account"})
    # Another account from the same client is not locked by it.
    actor = await accounts.sign_in(deps, email=EMAIL, password=PASSWORD, client=CLIENT)
    assert actor.kind == "user"


async def test_a_success_clears_the_account_failures() -> None:
    deps = make_deps()
    await accounts.create_user(deps, email=EMAIL, role="recruiter", password=PASSWORD)
    for _ in range(3):
        for _ in range(4):
            with pytest.raises(Unauthorized):
                await accounts.sign_in(deps, email=EMAIL, password="wrong password!!", client=CLIENT)
        await accounts.sign_in(deps, email=EMAIL, password=PASSWORD, client=CLIENT)
    assert "user.login_locked" not in actions(deps)


async def test_one_client_is_limited_across_accounts() -> None:
    deps = make_deps(login_throttle=LoginThrottle(client="3/minute"))
    await accounts.create_user(deps, email=EMAIL, role="recruiter", password=PASSWORD)
    for n in range(3):
        with pytest.raises(Unauthorized):
            await accounts.sign_in(deps, email=f"user{n}@example.com", password=PASSWORD, client=CLIENT)
    for _ in range(2):
        with pytest.raises(LoginLocked) as locked:
            await accounts.sign_in(deps, email=EMAIL, password=PASSWORD, client=CLIENT)
        assert 1 <= locked.value.retry_after <= 60
    lock = [e for e in deps.uow.repo.audit if e.action == "user.login_locked"]  # type: ignore[attr-defined]
    assert [e.details for e in lock] == [{"user": None, "scope": "client"}]
    # Another client still signs in.
    assert (await accounts.sign_in(deps, email=EMAIL, password=PASSWORD, client="192.0.2.99")).kind == "user"


class GatedHasher(PasswordHasher):
    """argon2's verify, held until the test opens the gate, recording how many run at once."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.lock = threading.Lock()
        self.inside = 0
        self.most = 0

    def verify(self, hash: Any, password: Any) -> bool:
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        try:
            # On the event loop this would wait for ever: the loop could not run the test's
            # code that opens the gate. The bound only turns that hang into a failure.
            if not self.gate.wait(timeout=30):
                raise AssertionError("the gate never opened: verification blocked the event loop")
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.inside -= 1


async def test_verification_runs_off_the_event_loop_two_at_a_time() -> None:
    hasher = GatedHasher()
    passwords = Passwords(hasher=hasher, slots=2)
    deps = make_deps(passwords=passwords)
    await accounts.create_user(deps, email=EMAIL, role="recruiter", password=PASSWORD)
    results: list[str] = []

    async def attempt(n: int) -> None:
        try:
            await accounts.sign_in(deps, email=EMAIL, password=PASSWORD, client=f"198.51.100.{n}")
            results.append("ok")
        except LoginLocked:
            results.append("locked")

    async with anyio.create_task_group() as tg:
        for n in range(4):
            tg.start_soon(attempt, n)
        # The loop keeps running while hashes are under way: this coroutine progresses.
        while hasher.inside < 2 or passwords.limiter.statistics().tasks_waiting < 2:
            await anyio.sleep(0.01)
        assert hasher.inside == 2 and passwords.limiter.borrowed_tokens == 2
        hasher.gate.set()
    assert hasher.most == 2
    assert results == ["ok"] * 4
