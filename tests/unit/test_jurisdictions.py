"""The jurisdiction policy (DESIGN §6): what the shipped table allows and forbids, deny by default,
waiting periods in business days, and a policy file that is wrong stops start-up."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ats.policy
from ats.domain.actors import staff
from ats.domain.background import CheckStatus
from ats.domain.business_days import add_business_days
from ats.domain.errors import Conflict, ValidationError
from ats.domain.jurisdiction import CHECK_TYPES
from ats.domain.model import JURISDICTIONS, Role
from ats.policy_loader import PolicyFileError, load_policy
from ats.services import applications, background, consents, positions, workflow
from ats.services.applications import Upload
from ats.services.deps import Deps
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault
from tests.helpers import pdf

POLICY = load_policy()
POLICY_FILE = Path(ats.policy.__file__).parent / "jurisdictions.json"
ALL = set(CHECK_TYPES)

# jurisdiction -> (allowed, keep_document); everything else must be explicitly forbidden.
EXPECTED: dict[str, tuple[set[str], bool]] = {
    "US": (ALL, True),
    "US-CA": (ALL - {"credit"}, True),
    "US-NY-NYC": ({"criminal"}, True),
    "FR": ({"criminal"}, False),
    "GB": ({"criminal", "identity"}, True),
    "CA": ({"criminal"}, True),
    "IN": ({"criminal", "employment", "education", "identity"}, True),
}
RECRUITER = staff(uuid4(), Role.RECRUITER)
PDF = pdf("Background check report")


# -- the shipped table -------------------------------------------------------------------------


def test_every_jurisdiction_has_a_policy_entry() -> None:
    assert set(POLICY.jurisdictions) == set(JURISDICTIONS) == set(EXPECTED)
    assert tuple(CHECK_TYPES) == ("criminal", "credit", "employment", "education", "identity", "driving")


@pytest.mark.parametrize("code", list(EXPECTED))
def test_allowed_and_forbidden_check_types(code: str) -> None:
    allowed, keep_document = EXPECTED[code]
    policy = POLICY.get(code)
    assert policy is not None
    assert policy.code == code
    assert set(policy.allowed) == allowed
    assert set(policy.forbidden) == ALL - allowed  # every type ruled on explicitly
    assert not set(policy.allowed) & set(policy.forbidden)
    assert policy.keep_document is keep_document
    # Every rule cites a source.
    for check, source in {**policy.allowed, **policy.forbidden}.items():
        assert isinstance(source, str) and source.strip(), (code, check)
    assert policy.disclosure_source.strip() and policy.waiting_source.strip()
    assert policy.disclosure_text.strip() and len(policy.disclosure_sha256) == 64
    assert policy.version == POLICY.version
    # The book's check answers accordingly, one type at a time.
    for check in sorted(allowed):
        assert POLICY.check_types(code, [check]) == [check]
    for check in sorted(ALL - allowed):
        with pytest.raises(ValidationError) as caught:
            POLICY.check_types(code, [check])
        assert caught.value.code == "forbidden_check_type"
        assert caught.value.field == "check_types"
        assert policy.forbidden[check] in caught.value.message  # the person is told why
    # All allowed at once pass (in the order asked, without duplicates); one forbidden spoils it.
    ordered = sorted(allowed, reverse=True)
    assert POLICY.check_types(code, ordered + ordered) == ordered
    if allowed != ALL:
        with pytest.raises(ValidationError):
            POLICY.check_types(code, [*ordered, sorted(ALL - allowed)[0]])


def test_the_specific_expectations_of_the_issue() -> None:
    assert set(POLICY.jurisdictions["US"].allowed) == ALL
    assert "credit" in POLICY.jurisdictions["US-CA"].forbidden
    assert set(POLICY.jurisdictions["US-NY-NYC"].allowed) == {"criminal"}
    assert set(POLICY.jurisdictions["FR"].allowed) == {"criminal"}
    assert POLICY.jurisdictions["FR"].keep_document is False
    assert set(POLICY.jurisdictions["GB"].allowed) == {"criminal", "identity"}
    assert POLICY.jurisdictions["GB"].criminal_offence_condition  # Art. 10 condition named
    for code in ("US", "US-CA", "US-NY-NYC"):
        assert POLICY.jurisdictions[code].standalone_disclosure is True
        assert POLICY.jurisdictions[code].waiting_business_days >= 5


@pytest.mark.parametrize("code", ["XX", "US-TX", "", "us", "DE"])
@pytest.mark.parametrize("check", CHECK_TYPES)
def test_unknown_jurisdiction_denies_everything(code: str, check: str) -> None:
    with pytest.raises(ValidationError) as caught:
        POLICY.check_types(code, [check])
    assert caught.value.code == "forbidden_check_type"
    assert caught.value.field == "check_types"


@pytest.mark.parametrize("types", [["polygraph"], ["Criminal"], [""], ["criminal", "dna"], [" criminal"]])
def test_unknown_check_type_is_refused(types: list[str]) -> None:
    for code in ("US", "XX"):
        with pytest.raises(ValidationError) as caught:
            POLICY.check_types(code, types)
        assert caught.value.field == "check_types"
        assert caught.value.code != "forbidden_check_type"  # unknown, not forbidden
        assert "criminal" in caught.value.message  # lists the known types


@pytest.mark.parametrize(
    "types", [[], None, "criminal", ("criminal",), {"criminal": True}, [1], [None], ["criminal", 2], 0]
)
def test_empty_or_non_list_is_refused(types: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        POLICY.check_types("US", types)
    assert caught.value.field == "check_types"
    assert "non-empty list" in caught.value.message


# -- business days -----------------------------------------------------------------------------

FRI, SAT, SUN, MON = date(2026, 1, 9), date(2026, 1, 10), date(2026, 1, 11), date(2026, 1, 12)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (FRI, 0, FRI),
        (FRI, 1, MON),
        (FRI, 5, date(2026, 1, 16)),  # Friday -> the next Friday
        (SAT, 0, SAT),
        (SAT, 1, MON),
        (SAT, 5, date(2026, 1, 16)),
        (SUN, 1, MON),
        (SUN, 5, date(2026, 1, 16)),
        (MON, 0, MON),
        (MON, 1, date(2026, 1, 13)),
        (MON, 4, date(2026, 1, 16)),
        (MON, 5, date(2026, 1, 19)),  # Monday -> the next Monday
        (MON, 10, date(2026, 1, 26)),
        (date(2026, 1, 29), 5, date(2026, 2, 5)),  # across a month end
        (date(2026, 2, 27), 1, date(2026, 3, 2)),  # Friday 27 February -> Monday 2 March
        (date(2028, 2, 28), 1, date(2028, 2, 29)),  # a leap day is a business day
        (date(2025, 12, 31), 5, date(2026, 1, 7)),  # across a year end (holidays not modelled)
        (date(2026, 12, 31), 2, date(2027, 1, 4)),  # Thursday -> Friday, weekend, Monday
        (date(2027, 12, 31), 1, date(2028, 1, 3)),  # Friday 31 December -> Monday 3 January
    ],
)
def test_add_business_days(start: date, days: int, expected: date) -> None:
    assert add_business_days(start, days) == expected
    moment = datetime.combine(start, datetime.min.time(), tzinfo=UTC) + timedelta(hours=23, minutes=59)
    assert add_business_days(moment, days) == expected  # a datetime counts from its date


def test_negative_business_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_business_days(MON, -1)


@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), days=st.integers(0, 60))
def test_add_business_days_counts_exactly_the_weekdays(start: date, days: int) -> None:
    end = add_business_days(start, days)
    between = [start + timedelta(n) for n in range(1, (end - start).days + 1)]
    assert sum(d.weekday() < 5 for d in between) == days
    if days:
        assert end.weekday() < 5
        assert (end - start).days <= days + 2 * (days // 5 + 1)
    else:
        assert end == start


# -- waiting period through the services -------------------------------------------------------


async def _pre_adverse_on(deps: Deps, clock: FixedClock, jurisdiction: str) -> Any:
    """An application in `jurisdiction` taken to a check with a 'consider' result."""
    position = await positions.create_position(deps, RECRUITER, title="Driver", jurisdiction=jurisdiction)
    submitted = await applications.submit_application(
        deps,
        position_id=position.id,
        fields={
            "full_name": "Wait Period",
            "email": "wait@example.org",
            "country": "US",
            "privacy_notice_acknowledged": "true",
        },
        cv=Upload("cv.pdf", PDF),
    )
    for state in ("screening", "interview", "reference_check"):
        await workflow.transition(deps, RECRUITER, submitted.id, to=state)
    moved = await workflow.transition(deps, RECRUITER, submitted.id, to="offer_extended")
    assert moved.offer_token
    await workflow.answer_offer(deps, moved.offer_token, accept=True)
    consent, token = await consents.request_consent(deps, RECRUITER, submitted.id, ["criminal"])
    await consents.answer_consent(deps, token, authorise=True, typed_name="Wait Period", confirmed=True)
    check = await background.start_check(
        deps, RECRUITER, submitted.id, consent_id=consent.id, check_type="criminal"
    )
    if POLICY.jurisdictions[jurisdiction].keep_document:
        await background.record_result(
            deps, RECRUITER, check.id, result="consider", document=("report.pdf", PDF)
        )
    else:
        await background.record_result(deps, RECRUITER, check.id, seen=True, satisfactory=False)
    return check


@pytest.mark.parametrize("jurisdiction", list(EXPECTED))
def test_pre_adverse_on_a_friday_waits_until_the_next_friday(jurisdiction: str) -> None:
    assert POLICY.jurisdictions[jurisdiction].waiting_business_days == 5
    friday = datetime(2026, 1, 9, 16, 30, tzinfo=UTC)
    clock = FixedClock(friday)
    deps = Deps(
        uow=MemoryUnitOfWork(),
        vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()),
        clock=clock,
        policy=POLICY,
    )

    async def run() -> None:
        check = await _pre_adverse_on(deps, clock, jurisdiction)
        # New York City's Fair Chance Notice needs the recruiter's Article 23-A analysis.
        sent = await background.send_pre_adverse_notice(deps, RECRUITER, check.id, assessment="Factors weighed.")
        assert sent.status is CheckStatus.PRE_ADVERSE
        assert sent.respond_by == date(2026, 1, 16)  # the next Friday
        stored = deps.uow.repo.state["checks"][check.id]
        assert stored.respond_by == date(2026, 1, 16)
        # Refused before and on respond_by, to its last minute.
        for moment in (
            friday,
            datetime(2026, 1, 12, 9, 0, tzinfo=UTC),
            datetime(2026, 1, 16, 0, 0, tzinfo=UTC),
            datetime(2026, 1, 16, 23, 59, 59, tzinfo=UTC),
        ):
            clock._now = moment
            with pytest.raises(Conflict) as caught:
                await background.decide(deps, RECRUITER, check.id, decision="adverse")
            assert caught.value.code == "waiting_period"
            assert "2026-01-16" in caught.value.message
            assert deps.uow.repo.state["checks"][check.id].status is CheckStatus.PRE_ADVERSE
        # Allowed the day after.
        clock._now = datetime(2026, 1, 17, 0, 0, tzinfo=UTC)
        decided = await background.decide(deps, RECRUITER, check.id, decision="adverse")
        assert decided.status is CheckStatus.ADVERSE
        assert decided.decided_at == clock.now()
        with pytest.raises(Conflict):
            await background.decide(deps, RECRUITER, check.id, decision="proceed")  # decided once

    asyncio.run(run())


# -- an invalid policy file stops start-up -----------------------------------------------------


def _shipped() -> dict[str, Any]:
    return json.loads(POLICY_FILE.read_text("utf-8"))


def _missing_source(data: dict[str, Any]) -> None:
    data["jurisdictions"]["US"]["allowed"]["credit"] = ""


def _short_source(data: dict[str, Any]) -> None:
    data["jurisdictions"]["US-CA"]["forbidden"]["credit"] = "   law  "


def _missing_adverse_source(data: dict[str, Any]) -> None:
    del data["jurisdictions"]["GB"]["adverse_action"]["source"]


def _unknown_jurisdiction(data: dict[str, Any]) -> None:
    data["jurisdictions"]["US-TX"] = copy.deepcopy(data["jurisdictions"]["US"])


def _both(data: dict[str, Any]) -> None:
    data["jurisdictions"]["GB"]["forbidden"]["identity"] = "Company policy: not needed (test)"


def _negative_wait(data: dict[str, Any]) -> None:
    data["jurisdictions"]["FR"]["adverse_action"]["waiting_business_days"] = -1


def _unknown_type(data: dict[str, Any]) -> None:
    data["jurisdictions"]["IN"]["allowed"]["polygraph"] = "A made-up statute, s.1 (test)"


def _check_types_changed(data: dict[str, Any]) -> None:
    data["check_types"] = data["check_types"][:-1]


def _extra_field(data: dict[str, Any]) -> None:
    data["jurisdictions"]["CA"]["notes"] = "free text"


def _keep_document_text(data: dict[str, Any]) -> None:
    data["jurisdictions"]["FR"]["keep_document"] = "sometimes"


@pytest.mark.parametrize(
    "mutate",
    [
        _missing_source,
        _short_source,
        _missing_adverse_source,
        _unknown_jurisdiction,
        _both,
        _negative_wait,
        _unknown_type,
        _check_types_changed,
        _extra_field,
        _keep_document_text,
    ],
)
def test_invalid_policy_file_is_refused(tmp_path: Path, mutate: Any) -> None:
    data = _shipped()
    mutate(data)
    path = tmp_path / "jurisdictions.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(PolicyFileError) as caught:
        load_policy(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("text", ["{not json", "", "[]", "null", '{"version": "2026-11-22"}'])
def test_bad_json_policy_file_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "jurisdictions.json"
    path.write_text(text, "utf-8")
    with pytest.raises(PolicyFileError):
        load_policy(path)


def test_missing_policy_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError):
        load_policy(tmp_path / "absent.json")


def test_the_shipped_file_loads_from_a_path_too(tmp_path: Path) -> None:
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(_shipped()), "utf-8")
    assert load_policy(path) == POLICY
