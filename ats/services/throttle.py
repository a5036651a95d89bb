"""Sign-in throttling per account and per client address, with the `limits` library's moving
window (DESIGN §8; OWASP Authentication Cheat Sheet, "Protect against automated attacks";
NIST SP 800-63B §5.2.2, rate limiting failed attempts on one account).

- Per account: 5 attempts in 15 minutes, keyed by the normalised email whether or not an
  account exists (the answer and its timing reveal nothing); a successful sign-in clears it.
  Each attempt is counted before the password is checked, so concurrent tries cannot all slip
  past the check while their hashes run.
- Per client address: 20 attempts a minute, successes included (password spraying across
  accounts from one address).

A refused attempt runs no argon2. The storage is in memory, so limits are per process: with
several server processes each keeps its own counts (a shared `limits` storage, e.g. Redis,
would make them global)."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from ats.domain.errors import DomainError

ACCOUNT_LIMIT = "5/15minutes"
CLIENT_LIMIT = "20/minute"
_ANNOUNCED_MAX = 10_000


class LoginLocked(DomainError):
    """Too many sign-in attempts (maps to 429 with Retry-After)."""

    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"Too many sign-in attempts. Wait {minutes} minute{'s' if minutes > 1 else ''} "
            "and try again, or ask an administrator to check your account."
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Lockout:
    scope: str  # "account" | "client"
    retry_after: int  # seconds until one more attempt is allowed
    new: bool  # the first refusal of this lockout: the one to audit


class LoginThrottle:
    def __init__(self, *, account: str = ACCOUNT_LIMIT, client: str = CLIENT_LIMIT) -> None:
        self.account_limit: RateLimitItem = parse(account)
        self.client_limit: RateLimitItem = parse(client)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        # (scope, key) -> end of the lockout already audited, so each lockout is audited once.
        self._announced: dict[tuple[str, str], float] = {}

    @staticmethod
    def _key(account: str) -> str:
        # Counters are keyed by a digest, so no email address sits in the limiter's storage.
        return hashlib.sha256(account.encode()).hexdigest()

    def admit(self, account: str, client: str) -> Lockout | None:
        """Count one attempt; a Lockout when the client or the account has no tries left."""
        if not self._limiter.hit(self.client_limit, "login-client", client):
            return self._locked("client", self.client_limit, client)
        key = self._key(account)
        if not self._limiter.hit(self.account_limit, "login-account", key):
            return self._locked("account", self.account_limit, key)
        return None

    def succeeded(self, account: str) -> None:
        key = self._key(account)
        self._limiter.clear(self.account_limit, "login-account", key)
        self._announced.pop(("account", key), None)

    def _locked(self, scope: str, item: RateLimitItem, key: str) -> Lockout:
        now = time.time()  # the clock `limits` itself uses for its windows
        ends = self._limiter.get_window_stats(item, f"login-{scope}", key).reset_time
        retry_after = max(1, math.ceil(ends - now))
        new = self._announced.get((scope, key), 0.0) <= now
        if new:
            if len(self._announced) >= _ANNOUNCED_MAX:
                self._announced = {k: v for k, v in self._announced.items() if v > now}
            self._announced[(scope, key)] = ends
        return Lockout(scope, retry_after, new)
