"""The need-to-know rules of DESIGN §8 (ats.domain.access) as a table: role x position state x
assigned, for every action; and the record types and moves each role may make."""

from __future__ import annotations

import pytest

from ats.domain import access
from ats.domain.access import Action as A
from ats.domain.model import ApplicationStatus as S
from ats.domain.model import RecordType as T
from ats.domain.model import Role as R

HIRING_WORK = {A.LIST, A.READ, A.MOVE, A.REFERENCES, A.READ_REFERENCES, A.BACKGROUND, A.READ_BACKGROUND, A.OFFER}

# (role, assigned, open) -> the actions allowed; every other action is refused.
TABLE: dict[tuple[R, bool, bool], set[A]] = {
    (R.RECRUITER, True, True): {A.SEE_POSITION, A.CONCLUDE} | HIRING_WORK,
    (R.RECRUITER, True, False): {A.SEE_POSITION, A.CONCLUDE},  # archive: the summary (a 2nd conclusion: 409)
    (R.RECRUITER, False, True): set(),
    (R.RECRUITER, False, False): set(),
    (R.HIRING_MANAGER, True, True): {A.SEE_POSITION, A.LIST, A.READ, A.MOVE},
    (R.HIRING_MANAGER, True, False): {A.SEE_POSITION},
    (R.HIRING_MANAGER, False, True): set(),
    (R.HIRING_MANAGER, False, False): set(),
    **{
        (R.PRIVACY_OFFICER, assigned, open_): {A.SEE_POSITION, A.LIST, A.READ, A.READ_REFERENCES, A.READ_BACKGROUND, A.HOLD}
        for assigned in (True, False)
        for open_ in (True, False)
    },
    **{(R.ADMIN, assigned, open_): {A.SEE_POSITION, A.CONCLUDE} for assigned in (True, False) for open_ in (True, False)},
}


@pytest.mark.parametrize(("role", "assigned", "open_"), sorted(TABLE, key=str))
@pytest.mark.parametrize("action", list(A))
def test_the_access_table(role: R, assigned: bool, open_: bool, action: A) -> None:
    expected = action in TABLE[(role, assigned, open_)]
    assert access.may(role, action, assigned=assigned, open=open_) is expected


@pytest.mark.parametrize("action", list(A))
def test_no_role_may_do_nothing(action: A) -> None:
    assert not access.may(None, action, assigned=True, open=True)


@pytest.mark.parametrize(
    ("role", "readable"),
    [
        (R.RECRUITER, set(T) - {T.EXPORT}),
        (R.HIRING_MANAGER, {T.CV, T.COVER_LETTER}),
        (R.PRIVACY_OFFICER, set(T)),
        (R.ADMIN, set()),
    ],
)
@pytest.mark.parametrize("record_type", list(T))
def test_record_types_each_role_may_read_while_in_scope(role: R, readable: set[T], record_type: T) -> None:
    assert access.may_read_record(role, record_type, assigned=True, open=True) is (record_type in readable)


@pytest.mark.parametrize("record_type", list(T))
def test_criminal_offence_data_only_to_assigned_recruiters_and_privacy_officers(record_type: T) -> None:
    """Background-check reports: DESIGN §8, GDPR Art. 10. Never a hiring manager, an admin, a
    recruiter of another position, or the hiring team after the archive phase began."""
    report = T.BACKGROUND_CHECK_REPORT
    assert access.may_read_record(R.RECRUITER, report, assigned=True, open=True)
    assert access.may_read_record(R.PRIVACY_OFFICER, report, assigned=False, open=False)
    for role, assigned, open_ in [
        (R.HIRING_MANAGER, True, True),
        (R.ADMIN, True, True),
        (R.RECRUITER, False, True),
        (R.RECRUITER, True, False),
    ]:
        assert not access.may_read_record(role, report, assigned=assigned, open=open_)
    # and nothing at all of a position out of scope or archived, whatever the type
    assert not access.may_read_record(R.HIRING_MANAGER, record_type, assigned=False, open=True)
    assert not access.may_read_record(R.HIRING_MANAGER, record_type, assigned=True, open=False)


HM_ALLOWED = {
    (S.SUBMITTED, S.SCREENING),
    (S.SCREENING, S.INTERVIEW),
    (S.SCREENING, S.REFERENCE_CHECK),
    (S.INTERVIEW, S.SCREENING),
    (S.INTERVIEW, S.REFERENCE_CHECK),
    (S.REFERENCE_CHECK, S.SCREENING),
    (S.REFERENCE_CHECK, S.INTERVIEW),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_moves_per_role(current: S, target: S) -> None:
    assert access.may_move(R.RECRUITER, current, target)
    assert access.may_move(R.HIRING_MANAGER, current, target) is ((current, target) in HM_ALLOWED)
    assert not access.may_move(R.PRIVACY_OFFICER, current, target)
    assert not access.may_move(R.ADMIN, current, target)


def test_who_lists_every_position_and_who_the_archive_applies_to() -> None:
    assert access.sees_all_positions(R.PRIVACY_OFFICER) and access.sees_all_positions(R.ADMIN)
    assert not access.sees_all_positions(R.RECRUITER) and not access.sees_all_positions(R.HIRING_MANAGER)
    assert access.archived_for(R.RECRUITER, assigned=True, open=False)
    assert access.archived_for(R.HIRING_MANAGER, assigned=True, open=False)
    assert not access.archived_for(R.RECRUITER, assigned=True, open=True)
    assert not access.archived_for(R.RECRUITER, assigned=False, open=False)
    assert not access.archived_for(R.PRIVACY_OFFICER, assigned=True, open=False)
