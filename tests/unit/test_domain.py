"""Unit tests for the pure domain (ats.domain): retention, records and tags, the audit chain,
applicant validation and role checks. No I/O, no fakes needed."""

from __future__ import annotations

import dataclasses
import itertools
import re
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from ats.domain import audit
from ats.domain.actors import CANDIDATE, STAFF_ROLES, SYSTEM, Actor, require_role, staff
from ats.domain.applicants import (
    MAX_EMAIL,
    MAX_NAME,
    ApplicantDetails,
    collect_errors,
    validate_applicant,
)
from ats.domain.errors import Forbidden, ValidationError
from ats.domain.model import (
    AuditEvent,
    DataSubject,
    LegalBasis,
    Purpose,
    RecordType,
    Role,
)
from ats.domain.records import (
    RECORD_SPECS,
    TAG_KEYS,
    application_prefix,
    new_record,
    tags_for,
)
from ats.domain.references import ALPHABET, new_reference
from ats.domain.retention import (
    PENDING,
    RETENTION_RULE,
    add_years,
    expires_on_tag,
    is_due,
    retention_until,
)

UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

# --- retention ---------------------------------------------------------------------------------


def test_add_years_keeps_the_calendar_date() -> None:
    moment = datetime(2025, 3, 31, 17, 45, 12, 345678, tzinfo=UTC)
    assert add_years(moment, 4) == datetime(2029, 3, 31, 17, 45, 12, 345678, tzinfo=UTC)


def test_add_years_29_february_falls_back_to_28_february() -> None:
    leap = datetime(2024, 2, 29, 12, 30, tzinfo=UTC)
    assert add_years(leap, 1) == datetime(2025, 2, 28, 12, 30, tzinfo=UTC)
    # ... but stays on 29 February when the target year has one.
    assert add_years(leap, 4) == datetime(2028, 2, 29, 12, 30, tzinfo=UTC)


def test_retention_until_is_four_calendar_years_later() -> None:
    concluded = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
    assert retention_until(concluded) == datetime(2030, 6, 15, 8, 0, tzinfo=UTC)


def test_retention_until_29_february_into_a_non_leap_year() -> None:
    # 2100 is not a leap year (divisible by 100, not by 400).
    until = retention_until(datetime(2096, 2, 29, 23, 59, 59, tzinfo=UTC))
    assert until == datetime(2100, 2, 28, 23, 59, 59, tzinfo=UTC)


def test_retention_until_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError):
        retention_until(datetime(2026, 6, 15, 8, 0))


def test_retention_until_stays_in_utc() -> None:
    until = retention_until(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert until.tzinfo is not None and until.utcoffset() == timedelta(0)
    assert until == datetime(2030, 12, 31, 23, 30, tzinfo=UTC)


def test_retention_until_of_another_offset_keeps_the_instant_four_years_on() -> None:
    paris = timezone(timedelta(hours=1))
    concluded = datetime(2026, 1, 10, 0, 30, tzinfo=paris)
    until = retention_until(concluded)
    assert until == datetime(2030, 1, 9, 23, 30, tzinfo=UTC)


def test_retention_and_expires_on_do_not_depend_on_the_input_offset() -> None:
    paris = timezone(timedelta(hours=1))
    local = datetime(2026, 1, 10, 0, 30, tzinfo=paris)  # 2026-01-09 23:30 UTC
    until = retention_until(local)
    assert until.utcoffset() == timedelta(0)
    assert expires_on_tag(until) == expires_on_tag(retention_until(local.astimezone(UTC))) == "2030-01-09"


def test_expires_on_tag() -> None:
    assert expires_on_tag(None) == PENDING == "pending"
    assert expires_on_tag(datetime(2030, 6, 15, 8, 0, tzinfo=UTC)) == "2030-06-15"
    assert expires_on_tag(datetime(2100, 2, 28, 23, 59, 59, tzinfo=UTC)) == "2100-02-28"


def test_is_due_one_second_before_is_not_due() -> None:
    until = datetime(2030, 6, 15, 8, 0, tzinfo=UTC)
    assert not is_due(until, until - timedelta(seconds=1), on_hold=False)
    assert not is_due(until, until - timedelta(microseconds=1), on_hold=False)


def test_is_due_at_and_after_the_due_time() -> None:
    until = datetime(2030, 6, 15, 8, 0, tzinfo=UTC)
    assert is_due(until, until, on_hold=False)
    assert is_due(until, until + timedelta(days=365), on_hold=False)


def test_is_due_compares_instants_across_offsets() -> None:
    until = datetime(2030, 6, 15, 8, 0, tzinfo=UTC)
    ny = timezone(timedelta(hours=-4))
    assert not is_due(until, datetime(2030, 6, 15, 3, 59, 59, tzinfo=ny), on_hold=False)
    assert is_due(until, datetime(2030, 6, 15, 4, 0, tzinfo=ny), on_hold=False)


def test_is_due_never_under_legal_hold_or_while_pending() -> None:
    until = datetime(2030, 6, 15, 8, 0, tzinfo=UTC)
    assert not is_due(until, until + timedelta(days=3650), on_hold=True)
    assert not is_due(None, datetime(2200, 1, 1, tzinfo=UTC), on_hold=False)


# --- records and tags -------------------------------------------------------------------------


def _record(record_type: RecordType = RecordType.CV, **overrides: object):
    values: dict[str, object] = {
        "record_id": uuid4(),
        "application_id": uuid4(),
        "record_type": record_type,
        "jurisdiction": "US-NY-NYC",
        "content_type": "application/pdf",
        "filename": "../../etc/passwd <Ada Lovelace>.pdf",
        "size": 1234,
        "sha256": "ab" * 32,
        "now": NOW,
    }
    values.update(overrides)
    return new_record(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("record_type", list(RecordType))
def test_tags_are_exactly_the_nine_keys_and_equal_the_record(record_type: RecordType) -> None:
    record = _record(record_type)
    record.location = "eu-west-2"  # set by the vault on the put (storage/vault.py)
    tags = tags_for(record)
    assert len(TAG_KEYS) == 9  # S3 allows 10: one left
    assert list(tags) == list(TAG_KEYS)
    assert len(tags) <= 10
    assert tags == {
        "legal-basis": record.legal_basis.value,
        "purpose": record.purpose.value,
        "record-type": record.record_type.value,
        "data-subject": record.data_subject.value,
        "jurisdiction": record.jurisdiction,
        "retention": record.retention_rule,
        "expires-on": record.expires_on,
        "application": str(record.application_id),
        "location": "eu-west-2",
    }
    assert all(isinstance(v, str) and v for v in tags.values())


@pytest.mark.parametrize("record_type", list(RecordType))
def test_new_record_takes_basis_purpose_subject_from_the_spec(record_type: RecordType) -> None:
    record = _record(record_type)
    assert (record.legal_basis, record.purpose, record.data_subject) == RECORD_SPECS[record_type]
    assert record.retention_rule == RETENTION_RULE == "hiring-concluded+P4Y"
    assert record.expires_on == "pending"
    assert record.created_at == NOW
    assert record.version_id == ""


def test_new_record_expires_on_once_retention_is_known() -> None:
    record = _record(retention_until=datetime(2030, 6, 15, 8, 0, tzinfo=UTC))
    assert record.expires_on == "2030-06-15"
    assert tags_for(record)["expires-on"] == "2030-06-15"


@pytest.mark.parametrize("record_type", list(RecordType))
def test_object_key_holds_only_ids_under_the_application_prefix(record_type: RecordType) -> None:
    record_id, application_id = uuid4(), uuid4()
    record = _record(record_type, record_id=record_id, application_id=application_id)
    assert record.object_key.startswith(application_prefix(application_id))
    assert application_prefix(application_id) == f"applications/{application_id}/"
    assert re.fullmatch(rf"applications/{UUID_RE}/[a-z-]+/{UUID_RE}", record.object_key), record.object_key
    assert record.object_key == f"applications/{application_id}/{record_type.value}/{record_id}"
    # Nothing the candidate typed (the filename) reaches the key.
    assert "passwd" not in record.object_key and "Ada" not in record.object_key
    assert ".." not in record.object_key


def test_record_specs_cover_every_record_type() -> None:
    assert set(RECORD_SPECS) == set(RecordType)


@pytest.mark.parametrize(
    ("record_type", "expected"),
    [
        (RecordType.CV, (LegalBasis.LEGITIMATE_INTERESTS, Purpose.RECRUITMENT, DataSubject.JOB_APPLICANT)),
        (
            RecordType.COVER_LETTER,
            (LegalBasis.LEGITIMATE_INTERESTS, Purpose.RECRUITMENT, DataSubject.JOB_APPLICANT),
        ),
        (
            RecordType.TALENT_POOL_CONSENT,
            (LegalBasis.CONSENT, Purpose.TALENT_POOL, DataSubject.JOB_APPLICANT),
        ),
        (
            RecordType.REFERENCE_REPORT,
            (LegalBasis.LEGITIMATE_INTERESTS, Purpose.REFERENCE_CHECK, DataSubject.REFEREE),
        ),
        (
            RecordType.BACKGROUND_CHECK_CONSENT,
            (LegalBasis.CONSENT, Purpose.BACKGROUND_CHECK, DataSubject.JOB_APPLICANT),
        ),
    ],
)
def test_record_specs(record_type: RecordType, expected: tuple) -> None:
    assert RECORD_SPECS[record_type] == expected


def test_record_spec_string_values() -> None:
    assert tuple(v.value for v in RECORD_SPECS[RecordType.CV]) == (
        "legitimate-interests",
        "employment.recruitment",
        "job_applicant",
    )
    assert RECORD_SPECS[RecordType.TALENT_POOL_CONSENT][0].value == "consent"
    assert RECORD_SPECS[RecordType.REFERENCE_REPORT][2].value == "referee"


# --- audit chain ------------------------------------------------------------------------------


def _events(n: int = 4) -> list[AuditEvent]:
    events = [
        AuditEvent(
            actor=f"user:{uuid4()}" if i % 2 else "candidate",
            action=f"action.{i}",
            at=NOW + timedelta(seconds=i, microseconds=123),
            application_id=uuid4() if i % 2 == 0 else None,
            position_id=uuid4(),
            record_id=uuid4() if i == 1 else None,
            details={"count": i, "flag": bool(i % 2), "note": f"n{i}", "none": None},
        )
        for i in range(n)
    ]
    return audit.chain(events, head_seq=0, head_hash=audit.GENESIS)


def test_chain_numbers_and_links_events() -> None:
    events = _events()
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == audit.GENESIS
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert all(re.fullmatch(r"[0-9a-f]{64}", e.hash) for e in events)
    assert len({e.hash for e in events}) == 4
    assert audit.verify(events) is None
    assert audit.verify([]) is None


def test_chain_continues_after_a_head() -> None:
    first = _events(2)
    more = audit.chain(_events(2), head_seq=first[-1].seq, head_hash=first[-1].hash)
    assert [e.seq for e in more] == [3, 4]
    assert audit.verify(first + more) is None


_TAMPERS = {
    "actor": lambda e: "user:someone-else",
    "action": lambda e: e.action + ".x",
    "at": lambda e: e.at + timedelta(microseconds=1),
    "application_id": lambda e: uuid4(),
    "position_id": lambda e: None,
    "record_id": lambda e: uuid4(),
    "details": lambda e: {**e.details, "count": 99},
    "seq": lambda e: e.seq + 10,
    "prev_hash": lambda e: "f" * 64,
    "hash": lambda e: "0" * 63 + "1",
}


def test_every_event_field_is_covered_by_the_tamper_cases() -> None:
    assert set(_TAMPERS) == {f.name for f in dataclasses.fields(AuditEvent)}


@pytest.mark.parametrize("field", sorted(_TAMPERS))
@pytest.mark.parametrize("index", [0, 1, 3])
def test_changing_any_field_of_any_event_is_detected(field: str, index: int) -> None:
    events = _events()
    target = events[index]
    setattr(target, field, _TAMPERS[field](target))
    broken = audit.verify(events)
    assert broken is not None
    # The tampered event (or, when only its seq was changed, the same one) is named.
    assert broken == target.seq


def test_details_added_key_is_detected() -> None:
    events = _events()
    events[2].details["email"] = "x@example.com"
    assert audit.verify(events) == 3


def test_reordering_is_detected() -> None:
    events = _events()
    events[1], events[2] = events[2], events[1]
    assert audit.verify(events) is not None


@pytest.mark.parametrize("index", [0, 1, 2])
def test_deleting_an_event_is_detected(index: int) -> None:
    events = _events()
    del events[index]
    assert audit.verify(events) is not None


def test_rehashing_a_changed_event_still_breaks_the_next_link() -> None:
    events = _events()
    events[1].action = "forged"
    audit.chain([events[1]], head_seq=events[0].seq, head_hash=events[0].hash)
    assert audit.verify(events) == events[2].seq


# --- applicant validation ---------------------------------------------------------------------

GOOD = {
    "full_name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+44 20 7946 0958",
    "country": "GB",
    "privacy_notice_acknowledged": "true",
}


def _errors(**changes: object) -> dict[str, str]:
    return collect_errors(**{**GOOD, **changes})  # type: ignore[arg-type]


def _valid(**changes: object) -> ApplicantDetails:
    return validate_applicant(**{**GOOD, **changes})  # type: ignore[arg-type]


def _refused(field: str, **changes: object) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        _valid(**changes)
    assert info.value.field == field
    assert info.value.message
    return info.value


def test_good_details_pass() -> None:
    assert _errors() == {}
    details = _valid(talent_pool_consent="on")
    assert details == ApplicantDetails(
        full_name="Ada Lovelace",
        email="ada@example.com",
        phone="+44 20 7946 0958",
        country="GB",
        talent_pool_consent=True,
    )


def test_all_missing_fields_are_reported_at_once() -> None:
    errors = collect_errors(
        full_name=None, email=None, phone=None, country=None, privacy_notice_acknowledged=None
    )
    assert set(errors) == {"full_name", "email", "country", "privacy_notice_acknowledged"}
    assert all(isinstance(m, str) and m.endswith(".") for m in errors.values())


@pytest.mark.parametrize("field", ["full_name", "email", "country", "privacy_notice_acknowledged"])
def test_missing_required_field_is_refused(field: str) -> None:
    assert set(_errors(**{field: None})) == {field}
    _refused(field, **{field: None})


@pytest.mark.parametrize("field", ["full_name", "email", "country"])
@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_blank_required_field_is_refused(field: str, value: str) -> None:
    assert set(_errors(**{field: value})) == {field}


@pytest.mark.parametrize("field", ["full_name", "email", "phone", "country"])
@pytest.mark.parametrize("value", [42, 4.5, ["Ada"], {"a": "b"}, b"Ada", True])
def test_wrong_types_are_refused_not_crashing(field: str, value: object) -> None:
    assert set(_errors(**{field: value})) == {field}
    _refused(field, **{field: value})


def test_first_error_is_raised_with_its_field() -> None:
    error = _refused("full_name", full_name="", email="bad")
    assert error.code == "invalid"


def test_markup_in_a_name_is_kept_as_text() -> None:
    name = '<script>alert("x")</script> & <b>Ada</b>'
    assert _valid(full_name=name).full_name == name


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Ada\u202eecalevoL", "AdaecalevoL"),  # right-to-left override
        ("\u2066Ada\u2069 Lovelace", "Ada Lovelace"),  # isolates
        ("Ada\x00 Love\x07lace\x1b", "Ada Lovelace"),  # C0 controls
        ("Ada\u200b Lovelace\ufeff", "Ada Lovelace"),  # zero-width space, BOM
        ("  Ada    Lovelace  ", "Ada Lovelace"),
    ],
)
def test_control_and_bidi_characters_are_dropped(raw: str, clean: str) -> None:
    assert _valid(full_name=raw).full_name == clean


def test_whitespace_controls_between_names_become_a_space() -> None:
    assert _valid(full_name="Ada\tLovelace").full_name == "Ada Lovelace"
    assert _valid(full_name="Ada\nLovelace").full_name == "Ada Lovelace"


def test_a_name_of_only_control_characters_is_missing() -> None:
    assert set(_errors(full_name="\u202e\x00\u200b")) == {"full_name"}


@pytest.mark.parametrize(
    "name", ["José Ñúñez", "山田 太郎", "Zoë O'Brien-Smyth", "Михаил Ломоносов", "محمد علي", "Nguyễn Văn A"]
)
def test_unicode_names_are_accepted(name: str) -> None:
    assert _valid(full_name=name).full_name == name


def test_names_are_nfc_normalised() -> None:
    assert _valid(full_name="Jose\u0301").full_name == "Jos\u00e9"


def test_name_length_limit() -> None:
    assert _valid(full_name="A" * MAX_NAME).full_name == "A" * MAX_NAME
    assert set(_errors(full_name="A" * (MAX_NAME + 1))) == {"full_name"}
    assert str(MAX_NAME) in _errors(full_name="A" * (MAX_NAME + 1))["full_name"]


def test_email_length_limit() -> None:
    long_email = "a" * 60 + "@" + ".".join(["b" * 60] * 3) + ".example.com"
    assert len(long_email) > MAX_EMAIL
    errors = _errors(email=long_email)
    assert set(errors) == {"email"} and str(MAX_EMAIL) in errors["email"]


@pytest.mark.parametrize(
    "email",
    [
        "not-an-email",
        "ada@",
        "@example.com",
        "ada lovelace@example.com",
        "ada@@example.com",
        "ada@example",
        "ada@exa mple.com",
        "<ada@example.com>",
        "ada@example.com\nBcc: x@y.z",
    ],
)
def test_bad_emails_are_refused(email: str) -> None:
    assert set(_errors(email=email)) == {"email"}


def test_email_is_normalised() -> None:
    assert _valid(email="  Ada.Lovelace@Example.COM ").email == "ada.lovelace@example.com"


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("(555) 123-4567", "(555) 123-4567"),
        ("01.23.45.67.89", "01.23.45.67.89"),
        ("+" + "1" * 39, "+" + "1" * 39),
    ],
)
def test_good_phones(phone: str | None, expected: str | None) -> None:
    assert _valid(phone=phone).phone == expected


@pytest.mark.parametrize(
    "phone",
    [
        "abc",
        "123",
        "+44 20 ext. 5",
        "+44<script>",
        "1" * 41,
        "+" + "1" * 40,
        "12345\n67890",
        "020 7946 0958; DROP TABLE",
        "++44 20 7946 0958",
    ],
)
def test_bad_phones(phone: str) -> None:
    assert set(_errors(phone=phone)) == {"phone"}


@pytest.mark.parametrize("country", ["XX", "ZZ", "UK", "GBR", "G", "United Kingdom", "EU"])
def test_unknown_country_is_refused(country: str) -> None:
    assert set(_errors(country=country)) == {"country"}


@pytest.mark.parametrize(("country", "expected"), [("GB", "GB"), ("gb", "GB"), (" fr ", "FR"), ("IN", "IN")])
def test_country_is_normalised(country: str, expected: str) -> None:
    assert _valid(country=country).country == expected


@pytest.mark.parametrize(
    "value", ["false", "", None, "0", False, "no", "off", 0, 1, "maybe", ["true"], "tru"]
)
def test_acknowledgement_must_be_explicitly_true(value: object) -> None:
    assert set(_errors(privacy_notice_acknowledged=value)) == {"privacy_notice_acknowledged"}
    _refused("privacy_notice_acknowledged", privacy_notice_acknowledged=value)


@pytest.mark.parametrize("value", [True, "true", "TRUE", " on ", "yes", "1"])
def test_acknowledgement_accepted_values(value: object) -> None:
    assert _errors(privacy_notice_acknowledged=value) == {}


@pytest.mark.parametrize(
    ("value", "expected"), [(None, False), ("false", False), ("", False), ("on", True), (True, True)]
)
def test_talent_pool_consent_flag(value: object, expected: bool) -> None:
    assert _valid(talent_pool_consent=value).talent_pool_consent is expected


# --- actors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_require_role_passes_a_listed_role(role: Role) -> None:
    require_role(staff(uuid4(), role), {role})
    require_role(staff(uuid4(), role), STAFF_ROLES)


@pytest.mark.parametrize("role", list(Role))
def test_require_role_refuses_other_roles(role: Role) -> None:
    others = set(Role) - {role}
    with pytest.raises(Forbidden):
        require_role(staff(uuid4(), role), others)


@pytest.mark.parametrize(
    "actor",
    [
        CANDIDATE,
        SYSTEM,
        Actor(kind="candidate", role=Role.ADMIN),
        Actor(kind="system", user_id=uuid4(), role=Role.ADMIN),
        Actor(kind="user", user_id=uuid4(), role=None),
        Actor(kind="USER", user_id=uuid4(), role=Role.ADMIN),
    ],
)
def test_require_role_denies_non_staff_by_default(actor: Actor) -> None:
    with pytest.raises(Forbidden):
        require_role(actor, STAFF_ROLES)


def test_require_role_with_nothing_allowed_denies_everyone() -> None:
    with pytest.raises(Forbidden):
        require_role(staff(uuid4(), Role.ADMIN), set())


def test_actor_label_is_an_id_never_personal() -> None:
    user_id = UUID("12345678-1234-5678-1234-567812345678")
    assert staff(user_id, Role.RECRUITER).label == f"user:{user_id}"
    assert CANDIDATE.label == "candidate"
    assert SYSTEM.label == "system"


def test_references_are_ten_readable_characters_drawn_evenly() -> None:
    refs = [new_reference() for _ in range(4000)]
    assert all(re.fullmatch(r"APP-[0-9A-HJKMNP-TV-Z]{10}", r) for r in refs)  # no I, L, O, U
    counts = {ch: 0 for ch in ALPHABET}
    for ref in refs:
        for ch in ref[4:]:
            counts[ch] += 1
    # 40,000 draws over 32 characters: 1,250 each expected; a biased mapping (e.g. % 31) or a
    # stuck character falls far outside this band.
    assert min(counts.values()) > 1000 and max(counts.values()) < 1500
    assert len(set(refs)) == len(refs)
