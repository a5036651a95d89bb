"""Settings: read once; a missing or malformed value stops start-up naming the variable."""

from __future__ import annotations

import pytest

from ats.settings import SettingsError, load_settings

BASE = {
    "ATS_ENV": "development",
    "ATS_DATABASE_URL": "sqlite:///ats.db",
    "ATS_S3_BUCKET": "ats-bucket",
    "ATS_KMS_KEY_ID": "alias/ats",
    "AWS_REGION": "eu-west-2",
    "ATS_SECRET_KEY": "s" * 40,
    # Required in production (DESIGN §10); harmless in development.
    "ATS_SMTP_URL": "smtp://mail.example.com:587",
    "ATS_MAIL_FROM": "jobs@example.com",
    "ATS_AUDIT_SIGNING_KEY_ID": "alias/ats-audit-signing",  # required in production (issue 11)
}


def test_development_needs_no_privacy_contact() -> None:
    settings = load_settings(BASE)
    assert (settings.ats_privacy_contact, settings.ats_controller_name) == ("", "")


def test_production_without_an_audit_signing_key_stops_start_up_naming_it() -> None:
    production = {**BASE, "ATS_ENV": "production", "ATS_PRIVACY_CONTACT": "p@example.com",
                  "ATS_PUBLIC_URL": "https://jobs.example.com"}
    for unset in ({k: v for k, v in production.items() if k != "ATS_AUDIT_SIGNING_KEY_ID"},
                  {**production, "ATS_AUDIT_SIGNING_KEY_ID": ""}):
        with pytest.raises(SettingsError, match=r"ATS_AUDIT_SIGNING_KEY_ID: .*required in production") as caught:
            load_settings(unset)
        assert ";" not in str(caught.value)  # only it is named
    assert load_settings(production).ats_audit_signing_key_id == "alias/ats-audit-signing"
    development = {k: v for k, v in BASE.items() if k != "ATS_AUDIT_SIGNING_KEY_ID"}
    assert load_settings(development).ats_audit_signing_key_id is None


def test_production_without_a_privacy_contact_stops_start_up_naming_it() -> None:
    with pytest.raises(SettingsError, match=r"ATS_PRIVACY_CONTACT: .*required in production"):
        load_settings({**BASE, "ATS_ENV": "production"})


@pytest.mark.parametrize("contact", ["privacy@example.com", "https://example.com/privacy", "  dpo@exämple.fr "])
def test_privacy_contact_accepts_an_email_or_https_url(contact: str) -> None:
    settings = load_settings(
        {**BASE, "ATS_ENV": "production", "ATS_PRIVACY_CONTACT": contact, "ATS_PUBLIC_URL": "https://jobs.example.com"}
    )
    assert settings.ats_privacy_contact == contact.strip()


@pytest.mark.parametrize(
    "contact",
    ["privacy", "http://example.com/privacy", "javascript:alert(1)", "<b>x</b>@example.com", "a@b", "x" * 300],
)
def test_privacy_contact_refuses_anything_else_naming_the_variable(contact: str) -> None:
    with pytest.raises(SettingsError, match="ATS_PRIVACY_CONTACT"):
        load_settings({**BASE, "ATS_PRIVACY_CONTACT": contact})


def test_controller_name_whitespace_is_folded() -> None:
    assert load_settings({**BASE, "ATS_CONTROLLER_NAME": " Acme\n Ltd "}).ats_controller_name == "Acme Ltd"
