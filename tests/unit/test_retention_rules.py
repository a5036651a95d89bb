"""The retention table (ats/policy/retention.json) and each record's expiry from its rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ats.domain.model import RecordType
from ats.domain.retention_rules import Anchor, Period, RetentionTable, Rule, record_expiry
from ats.policy_loader import PolicyFileError, load_policy
from ats.policy_retention import load_retention

POLICY = load_policy()
TABLE = load_retention(policy=POLICY)
SHIPPED = Path("ats/policy/retention.json")


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 9, 30, tzinfo=UTC)


def expiry(record_type: RecordType, code: str, created: datetime, concluded: datetime | None) -> datetime | None:
    return record_expiry(TABLE.rule_for(record_type, code), created_at=created, hiring_concluded_at=concluded)


@pytest.mark.parametrize(
    ("record_type", "code", "created", "concluded", "expected"),
    [
        # The application's rule: hiring concluded + 4 years, a leap day falling back to 28 February.
        (RecordType.CV, "GB", at(2023, 5, 1), at(2024, 2, 29), at(2028, 2, 29)),
        (RecordType.CV, "FR", at(2023, 5, 1), at(2028, 2, 29), at(2032, 2, 29)),
        (RecordType.COVER_LETTER, "IN", at(2019, 1, 1), at(2020, 2, 29), at(2024, 2, 29)),
        (RecordType.REFERENCE_REPORT, "CA", at(2021, 1, 1), at(2021, 2, 28), at(2025, 2, 28)),
        (RecordType.CV, "US-CA", at(2021, 1, 1), at(2025, 2, 28), at(2029, 2, 28)),
        (RecordType.CV, "US", at(2021, 1, 1), None, None),  # pending until hiring concludes
        # GB check results: six months after the later of the report and the decision; month ends.
        (RecordType.BACKGROUND_CHECK_REPORT, "GB", at(2025, 8, 31), at(2025, 7, 1), at(2026, 2, 28)),
        (RecordType.BACKGROUND_CHECK_REPORT, "GB", at(2023, 8, 31), at(2023, 8, 1), at(2024, 2, 29)),
        (RecordType.BACKGROUND_CHECK_REPORT, "GB", at(2025, 1, 1), at(2025, 3, 31), at(2025, 9, 30)),
        (RecordType.BACKGROUND_CHECK_REPORT, "GB", at(2025, 1, 1), None, None),
        # US: one year from the record or the personnel action, whichever later (29 CFR 1602.14).
        (RecordType.BACKGROUND_CHECK_REPORT, "US", at(2024, 2, 29), at(2024, 1, 10), at(2025, 2, 28)),
        (RecordType.BACKGROUND_CHECK_REPORT, "US", at(2024, 1, 10), at(2024, 2, 29), at(2025, 2, 28)),
        (RecordType.BACKGROUND_CHECK_REPORT, "US-NY-NYC", at(2024, 12, 31), at(2024, 6, 1), at(2025, 12, 31)),
        (RecordType.BACKGROUND_CHECK_REPORT, "US-CA", at(2024, 12, 31), at(2025, 1, 2), at(2029, 1, 2)),
        (RecordType.BACKGROUND_CHECK_REPORT, "IN", at(2024, 12, 31), at(2025, 1, 2), at(2029, 1, 2)),
        # France keeps no copy: a stray one is due at once.
        (RecordType.BACKGROUND_CHECK_REPORT, "FR", at(2025, 1, 31), None, at(2025, 1, 31)),
        # Talent pool: two years after the consent (CNIL), whatever the position does.
        (RecordType.TALENT_POOL_CONSENT, "FR", at(2024, 2, 29), None, at(2026, 2, 28)),
        (RecordType.TALENT_POOL_CONSENT, "US", at(2025, 1, 31), at(2025, 3, 1), at(2027, 1, 31)),
        # Exports: 7 days, across a month end and a leap day.
        (RecordType.EXPORT, "GB", at(2024, 2, 26), None, at(2024, 3, 4)),
        (RecordType.EXPORT, "US-NY-NYC", at(2025, 12, 28), at(2020, 1, 1), at(2026, 1, 4)),
    ],
)
def test_each_record_type_and_jurisdiction_gets_its_rule(record_type, code, created, concluded, expected) -> None:
    assert expiry(record_type, code, created, concluded) == expected


def test_every_record_type_has_a_default_and_every_rule_a_source() -> None:
    for record_type in RecordType:
        assert TABLE.rule_for(record_type, "ZZ-unknown").jurisdiction == "*"
    assert all(len(r.source) >= 8 for r in TABLE.rules())
    assert TABLE.rule_for(RecordType.BACKGROUND_CHECK_REPORT, "GB").label == "later-of-created-and-hiring-concluded+P6M"


def _write(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = json.loads(SHIPPED.read_text())
    change(data)
    path = tmp_path / "retention.json"
    path.write_text(json.dumps(data))
    return path


def _us_rule(data: dict) -> dict:
    return next(r for r in data["rules"] if r["record_type"] == "background-check-report" and r["jurisdiction"] == "US")


def test_a_rule_below_its_legal_minimum_stops_start_up(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda d: _us_rule(d).update(period="P11M"))
    with pytest.raises(PolicyFileError, match="below the legal minimum P1Y"):
        load_retention(path, policy=POLICY)
    # 365 days is below a year from a day before a leap day.
    path = _write(tmp_path, lambda d: _us_rule(d).update(period="P365D"))
    with pytest.raises(PolicyFileError, match="below the legal minimum"):
        load_retention(path, policy=POLICY)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _us_rule(d).update(period="P5Y"), "outlives the application"),
        (lambda d: _us_rule(d).update(source="x"), "source"),
        (lambda d: _us_rule(d).update(jurisdiction="DE"), "unknown jurisdiction DE"),
        (lambda d: _us_rule(d).update(period="six months"), "not a period"),
        (lambda d: d["rules"].append(dict(_us_rule(d))), "two rules"),
        (lambda d: d["rules"].pop(), "no default"),
        (lambda d: d["rules"].remove(next(r for r in d["rules"] if r["jurisdiction"] == "FR")), "FR keeps no"),
        (lambda d: d["application"].update(rule="hiring-concluded+P3Y"), "application rule"),
    ],
)
def test_an_invalid_table_stops_start_up(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PolicyFileError, match=message):
        load_retention(_write(tmp_path, change), policy=POLICY)


def test_period_arithmetic_at_month_ends_and_leap_days() -> None:
    assert Period.parse("P1M").after(at(2024, 1, 31)) == at(2024, 2, 29)
    assert Period.parse("P1M").after(at(2025, 1, 31)) == at(2025, 2, 28)
    assert Period.parse("P1Y").after(at(2024, 2, 29)) == at(2025, 2, 28)
    assert Period.parse("P4Y").after(at(2024, 2, 29)) == at(2028, 2, 29)
    assert Period.parse("P1Y6M").iso() == "P1Y6M"


def test_a_table_rule_inside_code_is_checked_too() -> None:
    rule = Rule(RecordType.CV, "*", Anchor.HIRING_CONCLUDED, Period(years=5), "company policy, too long")
    with pytest.raises(ValueError, match="outlives"):
        RetentionTable("v1", [rule], {"GB"})


def test_the_export_rule_is_the_one_the_exports_job_applies() -> None:
    from ats.domain.exports import EXPORT_RETENTION_RULE

    assert TABLE.rule_for(RecordType.EXPORT, "GB").label == EXPORT_RETENTION_RULE
