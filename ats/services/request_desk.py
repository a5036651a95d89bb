"""Per-process state of the data-subject request service: the code-hashing key (derived from
ATS_SECRET_KEY, ats.domain.privacy_requests.code_key) and the per-address limits.

Per address, with the `limits` library's moving window like the sign-in throttle
(ats.services.throttle): a few requests an hour and a few code tries an hour for one address,
whoever sends them, so no one floods a person's inbox or spreads guesses over many requests.
Counted for every address, known or not (the answer reveals nothing). Keys are digests, so no
address sits in the limiter's memory. Per process, like the per-client limits."""

from __future__ import annotations

import hashlib
import math
import secrets
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from ats.domain.errors import DomainError
from ats.domain.privacy_requests import code_key

SUBMISSIONS_PER_ADDRESS = "5/hour"
CODE_TRIES_PER_ADDRESS = "10/hour"


class TooManyRequests(DomainError):
    """Maps to 429 with Retry-After."""

    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"Too many requests for this email address. Try again in {minutes} minute"
            f"{'s' if minutes > 1 else ''}; nothing was saved."
        )
        self.retry_after = retry_after


class RequestDesk:
    def __init__(self, secret: str | None = None) -> None:
        self.code_key = code_key(secret or secrets.token_urlsafe(32))
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._limits = {"submit": parse(SUBMISSIONS_PER_ADDRESS), "code": parse(CODE_TRIES_PER_ADDRESS)}

    def admit(self, what: str, email: str) -> None:
        """Count one submission ("submit") or code try ("code") for this address, or raise."""
        item = self._limits[what]
        key = hashlib.sha256(email.encode()).hexdigest()
        if self._limiter.hit(item, "privacy", what, key):
            return
        reset = self._limiter.get_window_stats(item, "privacy", what, key).reset_time
        raise TooManyRequests(max(1, math.ceil(reset - time.time())))
