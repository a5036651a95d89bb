"""Background-check notices (ats.domain.notices, ats/policy/notices.json): each jurisdiction's
required content, with its sources, and a loader that refuses a file missing any of it."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from ats.domain import notices
from ats.domain.errors import ValidationError
from ats.policy_loader import PolicyFileError, load_notices, load_policy

BOOK = load_notices()
LINK = "https://jobs.example.com/report/abc.def"


def facts(**overrides: Any) -> notices.Facts:
    values: dict[str, Any] = {
        "candidate_name": "Ada Lovelace",
        "position_title": "Analyst",
        "reference": "APP-ABCDEFGHJK",
        "check_type": "criminal",
        "respond_by": "2026-01-16",
        "business_days": 5,
        "report_link": LINK,
        "assessment": None,
    }
    values.update(overrides)
    return notices.Facts(**values)


def pre(jurisdiction: str, **overrides: Any) -> str:
    return notices.render(BOOK, jurisdiction, notices.PRE_ADVERSE, facts(**overrides))[1]


def adverse(jurisdiction: str) -> str:
    return notices.render(BOOK, jurisdiction, notices.ADVERSE, facts(report_link=None))[1]


def test_every_policy_jurisdiction_has_both_notices() -> None:
    assert set(BOOK.jurisdictions) == set(load_policy().jurisdictions)


@pytest.mark.parametrize("jurisdiction", ["US", "US-CA", "US-NY-NYC"])
def test_fcra_pre_adverse_notice_gives_the_report_and_the_summary_of_rights(jurisdiction: str) -> None:
    body = pre(jurisdiction, assessment="Weighed.")
    assert LINK in body  # the copy of the report
    assert "A Summary of Your Rights Under the Fair Credit Reporting Act" in body
    assert "https://www.consumerfinance.gov/learnmore" in body
    assert "dispute" in body
    assert "§ 1681b(b)(3)(A)" in body
    assert "2026-01-16" in body and "Ada Lovelace" in body and "APP-ABCDEFGHJK" in body


@pytest.mark.parametrize("jurisdiction", ["US", "US-CA", "US-NY-NYC"])
def test_fcra_adverse_notice_names_the_agency_and_the_rights(jurisdiction: str) -> None:
    body = adverse(jurisdiction)
    assert BOOK.agency.name in body and BOOK.agency.phone in body
    assert "did not make this decision" in body
    assert "free copy" in body and "60 days" in body
    assert "dispute" in body
    assert "§ 1681m(a)" in body
    assert "A Summary of Your Rights Under the Fair Credit Reporting Act" in body


def test_california_preliminary_notice_has_the_individualized_assessment_and_five_days() -> None:
    body = pre("US-CA")
    assert "individualized assessment" in body
    assert "nature and gravity" in body and "nature of the job" in body
    assert "at least 5 business days" in body
    assert "Cal. Gov. Code § 12952" in body
    assert "Civil Rights Department" in adverse("US-CA")


def test_new_york_city_fair_chance_notice_has_the_article_23a_analysis() -> None:
    body = pre("US-NY-NYC", assessment="The offense is 15 years old; the duties are unrelated.")
    assert "Fair Chance Notice" in body
    assert "The offense is 15 years old; the duties are unrelated." in body
    for letter in "abcdefgh":
        assert f"  ({letter}) " in body  # every Correction Law § 753(1) factor
    assert "NYC Admin. Code § 8-107(11-a)" in body
    assert "Correction Law Art. 23-A" in body


def test_the_analysis_is_required_where_the_notice_needs_it() -> None:
    assert BOOK.for_jurisdiction("US-NY-NYC").assessment_required
    assert not BOOK.for_jurisdiction("US").assessment_required
    for missing in (None, "", "   "):
        with pytest.raises(ValidationError) as caught:
            notices.clean_assessment(missing, required=True)
        assert caught.value.field == "assessment"
    for hostile in (3, "x" * (notices.MAX_ASSESSMENT + 1), "a\x00b"):
        with pytest.raises(ValidationError):
            notices.clean_assessment(hostile, required=False)
    assert notices.clean_assessment("  fine  ", required=True) == "fine"


def test_france_says_no_copy_was_kept() -> None:
    body = pre("FR", report_link=None)
    assert "none was kept" in body
    assert "A Summary of Your Rights" not in body


def test_what_a_person_typed_is_never_expanded_as_a_placeholder() -> None:
    subject, body = notices.render(
        BOOK, "US", notices.PRE_ADVERSE, facts(candidate_name="$reference ${agency_name}", position_title="$x")
    )
    assert "Dear $reference ${agency_name}," in body
    assert '"$x"' in body
    assert "\n" not in subject


def test_the_consent_mail_carries_the_link() -> None:
    subject, body = notices.consent_request_text(
        candidate_name="Ada", position_title="Analyst", reference="APP-1", check_types=["criminal"], link=LINK
    )
    assert LINK in body and "criminal" in body and "\n" not in subject


# ---------------------------------------------------------------- the loader refuses bad files


def shipped() -> dict[str, Any]:
    return json.loads(resources.files("ats.policy").joinpath("notices.json").read_text("utf-8"))


def refused(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "notices.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(PolicyFileError) as caught:
        load_notices(path)
    return str(caught.value)


def test_the_shipped_file_loads_from_a_path_too(tmp_path: Path) -> None:
    path = tmp_path / "notices.json"
    path.write_text(json.dumps(shipped()), "utf-8")
    assert load_notices(path) == BOOK


def test_a_us_pre_adverse_notice_without_the_summary_of_rights_is_refused(tmp_path: Path) -> None:
    data = shipped()
    data["jurisdictions"]["US"]["pre_adverse"]["includes"] = ["report"]
    assert "fcra_summary" in refused(tmp_path, data)


def test_a_nyc_notice_without_the_analysis_is_refused(tmp_path: Path) -> None:
    data = shipped()
    data["jurisdictions"]["US-NY-NYC"]["pre_adverse"]["includes"] = ["report", "fcra_summary"]
    assert "article_23a" in refused(tmp_path, data)


def test_a_missing_jurisdiction_an_unknown_placeholder_or_an_uncited_rule_is_refused(tmp_path: Path) -> None:
    data = shipped()
    del data["jurisdictions"]["IN"]
    assert "jurisdictions" in refused(tmp_path, data)
    data = shipped()
    data["jurisdictions"]["GB"]["adverse"]["paragraphs"].append("Your password is $password")
    assert "password" in refused(tmp_path, data)
    data = shipped()
    data["jurisdictions"]["GB"]["adverse"]["sources"] = ["law"]
    assert "source" in refused(tmp_path, data)
    data = shipped()
    data["fcra_summary"]["title"] = "Your rights"
    refused(tmp_path, data)
