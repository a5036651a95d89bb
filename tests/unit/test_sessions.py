"""The session lifetime rule (ats.domain.sessions): idle and absolute timeouts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ats.domain.sessions import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT, parse_time, session_live

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_live_until_the_idle_timeout() -> None:
    assert session_live(T0, T0, T0 + IDLE_TIMEOUT - timedelta(seconds=1))
    assert not session_live(T0, T0, T0 + IDLE_TIMEOUT)


def test_live_until_the_absolute_timeout_however_recent_the_last_request() -> None:
    end = T0 + ABSOLUTE_TIMEOUT
    assert session_live(T0, end - timedelta(minutes=1), end - timedelta(seconds=1))
    assert not session_live(T0, end - timedelta(minutes=1), end)


def test_times_in_the_future_or_out_of_order_are_expired() -> None:
    assert not session_live(T0 + timedelta(minutes=1), T0 + timedelta(minutes=1), T0)
    assert not session_live(T0, T0 - timedelta(minutes=1), T0)


def test_parse_time_takes_only_aware_iso_times() -> None:
    assert parse_time(T0.isoformat()) == T0
    for bad in (None, 5, "", "yesterday", "2026-12-02T09:00:00"):
        assert parse_time(bad) is None
