"""ATS_METRICS_TOKEN, ATS_METRICS_PORT and ATS_LOG_FORMAT (issue 12 item 5)."""

from __future__ import annotations

import pytest

from ats.settings import SettingsError, load_settings

BASE = {
    "ats_env": "development",
    "ats_database_url": "sqlite:///ats.db",
    "ats_s3_bucket": "ats-bucket",
    "ats_kms_key_id": "key",
    "aws_region": "eu-west-2",
    "ats_secret_key": "s" * 40,
}


def test_unset_or_empty_means_no_metrics_and_text_logs_in_development() -> None:
    for extra in ({}, {"ATS_METRICS_TOKEN": "", "ATS_METRICS_PORT": "", "ATS_LOG_FORMAT": ""}):
        settings = load_settings({**BASE, **extra})
        assert settings.ats_metrics_token is None and settings.ats_metrics_port is None
        assert settings.log_format == "text"


def test_production_logs_json_by_default_and_text_on_request() -> None:
    prod = {
        **BASE,
        "ats_env": "production",
        "ats_public_url": "https://jobs.example.com",
        "ats_privacy_contact": "privacy@example.com",
        "ats_smtp_url": "smtp://mail.example.com:587",
        "ats_mail_from": "no-reply@example.com",
        "ats_audit_signing_key_id": "alias/ats-audit-signing",
    }
    assert load_settings(prod).log_format == "json"
    assert load_settings({**prod, "ATS_LOG_FORMAT": "text"}).log_format == "text"


def test_values_are_read() -> None:
    settings = load_settings({**BASE, "ATS_METRICS_TOKEN": "t" * 32, "ATS_METRICS_PORT": "9100"})
    assert settings.ats_metrics_token is not None and settings.ats_metrics_token.get_secret_value() == "t" * 32
    assert settings.ats_metrics_port == 9100


@pytest.mark.parametrize(
    ("name", "value"),
    [("ATS_METRICS_TOKEN", "short"), ("ATS_METRICS_PORT", "70000"), ("ATS_METRICS_PORT", "x"), ("ATS_LOG_FORMAT", "xml")],
)
def test_a_malformed_value_stops_start_up_naming_it(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name) as raised:
        load_settings({**BASE, name: value})
    assert value not in str(raised.value) or name != "ATS_METRICS_TOKEN"  # a token is never echoed
