"""Password hashing with argon2id, off the event loop and a bounded number at a time.

argon2 is deliberately slow and memory-hard (RFC 9106): one verification on the event loop
stalls every request of the process, and unbounded worker threads let a burst of sign-ins take
all the memory and CPU. So each hash runs on a worker thread (anyio.to_thread.run_sync) under a
CapacityLimiter of `slots` (DESIGN §8: "off the event loop, a bounded number at a time")."""

from __future__ import annotations

import secrets

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASH_SLOTS = 2  # the deployment target has 2 cores; more would only queue inside argon2

# argon2id with the library's defaults (RFC 9106 "second recommended option" parameters).
DEFAULT_HASHER = PasswordHasher()
# Verified against when the email is unknown, so timing does not reveal which accounts exist.
_DEFAULT_DUMMY = DEFAULT_HASHER.hash(secrets.token_urlsafe(16))


class Passwords:
    def __init__(self, hasher: PasswordHasher | None = None, *, slots: int = HASH_SLOTS) -> None:
        self._hasher = hasher or DEFAULT_HASHER
        self._dummy = _DEFAULT_DUMMY if hasher is None else self._hasher.hash(secrets.token_urlsafe(16))
        self._slots = slots
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        # Made on first use, inside the event loop that serves the requests.
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self._slots)
        return self._limiter

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password, limiter=self.limiter)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when `password` matches; with no hash (unknown account) a dummy hash is
        verified instead, so both cases cost the same."""
        return await anyio.to_thread.run_sync(self._check, password_hash or self._dummy, password, limiter=self.limiter)

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
