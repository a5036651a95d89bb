"""Panel session lifetimes (DESIGN §8): an idle and an absolute timeout, judged on the server
from times kept in the signed session, so a copied or replayed cookie ends on time too.

OWASP Session Management Cheat Sheet, "Session Expiration": idle timeouts of 15-30 minutes for
high-value applications, and an absolute timeout bounding a session however active it is."""

from __future__ import annotations

from datetime import datetime, timedelta

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=8)
# Last-seen is rewritten at most this often: each rewrite re-signs and re-sends the cookie.
SEEN_RESOLUTION = timedelta(minutes=1)


def session_live(
    signed_in_at: datetime,
    last_seen: datetime,
    now: datetime,
    *,
    idle: timedelta = IDLE_TIMEOUT,
    absolute: timedelta = ABSOLUTE_TIMEOUT,
) -> bool:
    """True while neither timeout has run out. A time in the future (a clock set back, or a
    forged value, which the signature already prevents) counts as expired."""
    if signed_in_at > now or last_seen > now or last_seen < signed_in_at:
        return False
    return now - last_seen < idle and now - signed_in_at < absolute


def parse_time(value: object) -> datetime | None:
    """An aware ISO time from the session, or None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
