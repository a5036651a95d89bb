"""Due dates of data-subject requests (ats.domain.deadlines; DESIGN §11): the ICO's calendar
rule, working days per jurisdiction, and each law's extension limit from the policy table."""

from __future__ import annotations

from datetime import date

import pytest

from ats.domain.deadlines import add_months, deadline, extend
from ats.domain.errors import ValidationError
from ats.policy_loader import load_policy

POLICY = load_policy()


def rules(*codes: str) -> list:
    return POLICY.request_rules(codes)


@pytest.mark.parametrize(
    ("verified", "due"),
    [
        (date(2025, 1, 31), date(2025, 2, 28)),  # non-leap: last day of February (a Friday)
        (date(2028, 1, 31), date(2028, 2, 29)),  # leap year (a Tuesday)
        (date(2027, 3, 15), date(2027, 4, 15)),  # the corresponding date (a Thursday)
    ],
)
def test_one_month_is_the_corresponding_date_or_the_months_last_day(verified: date, due: date) -> None:
    assert deadline(verified, rules("GB")).due_on == due


def test_add_months_over_a_year_end() -> None:
    assert add_months(date(2026, 12, 31), 2) == date(2027, 2, 28)


def test_a_due_date_on_a_saturday_moves_to_the_next_working_day() -> None:
    assert date(2026, 2, 28).weekday() == 5
    assert deadline(date(2026, 1, 31), rules("GB")).due_on == date(2026, 3, 2)


@pytest.mark.parametrize(
    ("code", "verified", "due"),
    [
        ("GB", date(2027, 4, 3), date(2027, 5, 4)),  # 3 May 2027: early May bank holiday
        ("FR", date(2027, 6, 14), date(2027, 7, 15)),  # 14 July 2027 (a Wednesday): fête nationale
        ("US-CA", date(2027, 1, 4), date(2027, 2, 4)),  # a plain Thursday
        ("US", date(2026, 6, 19), date(2026, 7, 20)),  # 19 July 2026 a Sunday
    ],
)
def test_a_due_date_on_a_public_holiday_moves_to_the_next_working_day(code: str, verified: date, due: date) -> None:
    assert deadline(verified, rules(code)).due_on == due


def test_a_shorter_statutory_first_limit_is_not_passed_by_the_move() -> None:
    # PIPEDA s.8(3): 30 days. 1 July + one month = 1 August 2027, a Sunday; the next working day
    # would be 3 August (2 August is a civic holiday in some provinces, not federal), past the
    # 30 days (31 July, a Saturday): the last working day before it, 30 July.
    assert deadline(date(2027, 7, 1), rules("CA")).due_on == date(2027, 7, 30)


@pytest.mark.parametrize(
    ("code", "months", "latest"),
    [
        ("GB", 2, date(2027, 4, 30)),  # GDPR Art. 12(3): two further months
        ("FR", 2, date(2027, 4, 30)),
        ("US-CA", 1, date(2027, 5, 1)),  # CCPA: 45 + 45 days = 1 May 2027 (a Saturday)
        ("CA", 1, date(2027, 4, 1)),  # PIPEDA: 30 + 30 days
        ("IN", 2, date(2027, 5, 1)),  # DPDP Rules 2025 r.14: 90 days
    ],
)
def test_extension_limits_per_jurisdiction(code: str, months: int, latest: date) -> None:
    found = deadline(date(2027, 1, 31), rules(code))
    assert found.extension_months == months
    assert found.latest_on <= latest
    assert (latest - found.latest_on).days <= 3  # moved back to a working day at most


def test_the_strictest_law_of_a_persons_applications_wins() -> None:
    both = deadline(date(2027, 1, 31), rules("GB", "CA"))
    assert both.extension_months == 1
    assert both.latest_on == deadline(date(2027, 1, 31), rules("CA")).latest_on


def test_an_unknown_address_gets_the_policys_default() -> None:
    assert deadline(date(2027, 1, 31), rules()) == deadline(date(2027, 1, 31), rules(POLICY.requests_default))


def _extend(**kw: object) -> date:
    args = {"verified_on": date(2027, 1, 4), "due_on": date(2027, 2, 4), "today": date(2027, 1, 20), "months": 2,
            "applicable": rules("GB"), "already_extended": False}  # fmt: skip
    return extend(**{**args, **kw})  # type: ignore[arg-type]


def test_an_extension_within_the_limit() -> None:
    assert _extend() == date(2027, 4, 5)  # 4 April 2027 is a Sunday: Monday 5 April
    assert _extend(today=date(2027, 2, 4)) == _extend()  # on the due date itself: still in time


def test_an_extension_after_the_due_date_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        _extend(today=date(2027, 2, 5))
    assert caught.value.code == "extension_too_late"


@pytest.mark.parametrize(("kw", "code"), [({"months": 3}, "extension_not_allowed"),
                                           ({"months": 2, "applicable": rules("CA")}, "extension_not_allowed"),
                                           ({"already_extended": True}, "already_extended"),
                                           ({"months": 0}, "invalid"), ({"months": "2"}, "invalid")])  # fmt: skip
def test_an_extension_past_the_law_is_refused(kw: dict, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _extend(**kw)
    assert caught.value.code == code
