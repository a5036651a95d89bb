"""ATS_PUBLIC_URL, ATS_ALLOWED_HOSTS and ATS_RATE_LIMITS: read once, a bad value stops start-up
naming the variable (DESIGN §9)."""

from __future__ import annotations

import pytest

from ats.settings import DEFAULT_RATE_LIMITS, SettingsError, load_settings

BASE = {
    "ATS_ENV": "development",
    "ATS_DATABASE_URL": "sqlite:///ats.db",
    "ATS_S3_BUCKET": "ats-bucket",
    "ATS_KMS_KEY_ID": "alias/ats",
    "AWS_REGION": "eu-west-2",
    "ATS_SECRET_KEY": "s" * 40,
}
PRODUCTION = {
    **BASE,
    "ATS_ENV": "production",
    "ATS_PRIVACY_CONTACT": "privacy@example.com",
    "ATS_SMTP_URL": "smtp://mail.example.com:587",
    "ATS_MAIL_FROM": "no-reply@example.com",
    "ATS_AUDIT_SIGNING_KEY_ID": "alias/ats-audit-signing",
}


def test_public_url_is_required_in_production() -> None:
    with pytest.raises(SettingsError, match=r"ATS_PUBLIC_URL: .*required in production"):
        load_settings(PRODUCTION)
    settings = load_settings({**PRODUCTION, "ATS_PUBLIC_URL": "https://Jobs.Example.com/"})
    assert settings.ats_public_url == "https://jobs.example.com"
    assert settings.public_host == "jobs.example.com"


def test_public_url_defaults_to_loopback_in_development() -> None:
    assert load_settings(BASE).ats_public_url == "http://127.0.0.1:8000"
    assert (
        load_settings({**BASE, "ATS_PUBLIC_URL": "http://127.0.0.1:9000"}).ats_public_url
        == "http://127.0.0.1:9000"
    )


@pytest.mark.parametrize(
    ("env", "url"),
    [
        (PRODUCTION, "http://jobs.example.com"),  # production links must be https
        (BASE, "https://jobs.example.com/careers"),  # an origin, not a page
        (BASE, "https://jobs.example.com?x=1"),
        (BASE, "https://user:pw@jobs.example.com"),
        (BASE, "ftp://jobs.example.com"),
        (BASE, "jobs.example.com"),
        (BASE, "https://jobs.example.com:99999"),
    ],
)
def test_public_url_refuses_anything_but_an_origin(env: dict[str, str], url: str) -> None:
    with pytest.raises(SettingsError, match="ATS_PUBLIC_URL"):
        load_settings({**env, "ATS_PUBLIC_URL": url})


def test_allowed_hosts_are_names_without_scheme_or_port() -> None:
    settings = load_settings({**BASE, "ATS_ALLOWED_HOSTS": " ats.internal , 10.0.0.7,"})
    assert settings.ats_allowed_hosts == ("ats.internal", "10.0.0.7")
    with pytest.raises(SettingsError, match="ATS_ALLOWED_HOSTS"):
        load_settings({**BASE, "ATS_ALLOWED_HOSTS": "https://ats.internal:8000"})


def test_rate_limits_default_and_a_name_left_out_keeps_its_default() -> None:
    assert load_settings(BASE).ats_rate_limits == DEFAULT_RATE_LIMITS
    settings = load_settings({**BASE, "ATS_RATE_LIMITS": "applications=500/minute; login=3/hour"})
    assert settings.ats_rate_limits["applications"] == "500/minute"
    assert settings.ats_rate_limits["privacy_requests"] == DEFAULT_RATE_LIMITS["privacy_requests"]
    login = settings.rate_limit("login")
    assert (login.amount, login.get_expiry()) == (3, 3600)


@pytest.mark.parametrize(
    "value", ["applications", "applications=many", "applications=20/fortnight", "aplications=20/minute"]
)
def test_malformed_rate_limits_stop_start_up_naming_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="ATS_RATE_LIMITS"):
        load_settings({**BASE, "ATS_RATE_LIMITS": value})


def test_rate_limits_in_the_limits_notation_are_read_from_the_process_environment(monkeypatch) -> None:
    """DESIGN §9's notation, as an operator exports it (it failed: pydantic-settings' own
    environment source JSON-decoded the variable before load_settings saw it)."""
    import os

    from ats.settings import load_settings

    env = {
        "ATS_ENV": "development",
        "ATS_DATABASE_URL": "sqlite:///ats.db",
        "ATS_S3_BUCKET": "ats-bucket",
        "ATS_KMS_KEY_ID": "key",
        "AWS_REGION": "eu-west-2",
        "ATS_SECRET_KEY": "s" * 40,
        "ATS_RATE_LIMITS": "applications=5/minute;login=3/minute",
        "ATS_ALLOWED_HOSTS": "ats.internal,*.example.com",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(dict(os.environ))
    assert settings.ats_rate_limits["applications"] == "5/minute"
    assert settings.ats_rate_limits["login"] == "3/minute"
    assert settings.ats_rate_limits["privacy_requests"] == "5/minute"  # left out: its default
    assert settings.ats_allowed_hosts == ("ats.internal", "*.example.com")


def test_settings_from_an_explicit_mapping_ignore_the_process_environment(monkeypatch) -> None:
    from ats.settings import load_settings

    monkeypatch.setenv("ATS_RATE_LIMITS", "not a limit")
    monkeypatch.setenv("ATS_MAX_UPLOAD_MB", "1")
    settings = load_settings(
        {},
        ats_env="development",
        ats_database_url="sqlite:///ats.db",
        ats_s3_bucket="ats-bucket",
        ats_kms_key_id="key",
        aws_region="eu-west-2",
        ats_secret_key="s" * 40,
    )
    assert settings.ats_max_upload_mb == 10
