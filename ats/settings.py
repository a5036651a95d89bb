"""Settings, read once from the environment. A missing or malformed value stops start-up
with a message naming the variable (DESIGN §9)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlparse, urlsplit

import limits
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MB = 1024 * 1024


# Development From address: RFC 6761 reserves .localhost, so it names no real domain.
DEV_MAIL_FROM = "no-reply@ats.localhost"

EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")

DEV_PUBLIC_URL = "http://127.0.0.1:8000"
# Per-client limits by name, in the `limits` library's notation
# (https://limits.readthedocs.io/en/stable/quickstart.html#rate-limit-string-notation).
DEFAULT_RATE_LIMITS = {
    "applications": "20/minute",
    "privacy_requests": "5/minute",
    "verification_codes": "10/minute",
    "login": "10/minute",
}


class SettingsError(Exception):
    """Start-up configuration problem; the message names each bad variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", env_file=None)

    @classmethod
    def settings_customise_sources(  # type: ignore[no-untyped-def]
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        # `load_settings` reads the environment itself, once. pydantic-settings' own environment
        # source would read it again behind that, JSON-decoding dict and tuple fields (so
        # `ATS_RATE_LIMITS=applications=20/minute` failed) and leaking the process environment
        # into settings built from an explicit mapping (the embedded mode, tests).
        return (init_settings,)

    ats_env: Literal["development", "production"]
    ats_database_url: str
    ats_s3_bucket: str = Field(min_length=3, max_length=63, pattern=r"^[a-z0-9][a-z0-9.-]+[a-z0-9]$")
    ats_s3_endpoint_url: str | None = None
    ats_kms_key_id: str = Field(min_length=1)
    aws_region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    ats_secret_key: SecretStr = Field(min_length=32)
    ats_max_upload_mb: int = Field(default=10, ge=1, le=100)
    # Named in the privacy notice (GDPR Art. 13(1)(a): the controller's identity and contact).
    ats_controller_name: str = Field(default="", max_length=200)
    ats_privacy_contact: str = Field(default="", max_length=254, validate_default=True)
    # The site's own origin: every link meant for a person is built from it, never from the
    # request's Host header (DESIGN §8). Required in production.
    ats_public_url: str = Field(default="", validate_default=True)
    # Extra Host names the server answers to besides the public URL's (comma-separated), e.g. an
    # internal service name; loopback names are accepted in development only.
    ats_allowed_hosts: tuple[str, ...] = ()
    ats_rate_limits: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS), validate_default=True)
    # Mail (DESIGN §10): required in production; in development without it mail waits in the
    # outbox (the embedded mode sets both to its own in-process SMTP server).
    ats_smtp_url: SecretStr | None = Field(default=None, validate_default=True)
    ats_mail_from: str = Field(default="", max_length=254, validate_default=True)
    # Operators' signals (issue 12 item 5). /metrics exists only when a token is set, and then
    # answers only `Authorization: Bearer <token>`; ATS_METRICS_PORT serves the same metrics,
    # without a token, on a separate port for a network only the scraper reaches.
    ats_metrics_token: SecretStr | None = None
    ats_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # One JSON object per line (production default) or plain text lines (development default).
    ats_log_format: Literal["json", "text"] | None = None
    # Positions open longer than this are flagged on the retention dashboard (issue 11 item 6).
    ats_stale_position_months: int = Field(default=12, ge=1, le=120)
    # The KMS key (asymmetric, ECC_NIST_P256, SIGN_VERIFY) that signs the audit chain's checkpoints
    # (ats.services.audit). Required in production (issue 11: tamper evidence that survives
    # database access); unset in development: no checkpoints, and `ats audit verify` refuses.
    ats_audit_signing_key_id: str | None = Field(default=None, validate_default=True)
    # True only for `ats serve --embedded`: talk to the local emulator with fake credentials.
    embedded: bool = False

    @field_validator("ats_metrics_token", "ats_metrics_port", "ats_log_format", "ats_audit_signing_key_id", mode="before")
    @classmethod
    def _optional(cls, value: object, info: ValidationInfo) -> object:
        if value in (None, ""):
            if info.field_name == "ats_audit_signing_key_id" and info.data.get("ats_env") == "production":
                raise ValueError(
                    "is required in production: the KMS key (ECC_NIST_P256, SIGN_VERIFY) that signs the audit "
                    "trail's checkpoints, e.g. the storage stack's AtsAuditSigningKeyId output"
                )
            return None  # set but empty in a manifest: as if unset
        if info.field_name == "ats_metrics_token" and len(str(value)) < 32:
            raise ValueError("must be at least 32 characters, e.g. from: openssl rand -base64 32")
        return value

    @field_validator("ats_database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not (value.startswith("sqlite:///") and len(value) > 10) and not value.startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("must look like sqlite:///path/to/ats.db or postgresql://user@host/db")
        return value

    @field_validator("ats_s3_endpoint_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("ats_controller_name")
    @classmethod
    def _controller(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("ats_privacy_contact")
    @classmethod
    def _contact(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if not value:
            if info.data.get("ats_env") == "production":
                raise ValueError(
                    "is required in production: the privacy notice tells candidates where to "
                    "exercise their rights (an email address or an https:// URL)"
                )
            return value
        if not (EMAIL.fullmatch(value) or re.fullmatch(r"https://[^\s<>\"']+", value)):
            raise ValueError("must be an email address or an https:// URL")
        return value

    @field_validator("ats_smtp_url", mode="before")
    @classmethod
    def _smtp_url(cls, value: object, info: ValidationInfo) -> object:
        if value in (None, ""):
            if info.data.get("ats_env") == "production":
                raise ValueError("is required in production, e.g. smtp://user:pass@mail.example.com:587")
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        parse_smtp_url(text)  # a ValueError names what is wrong, never the password
        return text

    @field_validator("ats_mail_from")
    @classmethod
    def _mail_from(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if not value:
            if info.data.get("ats_env") == "production":
                raise ValueError("is required in production: the From address of mail to candidates")
            return DEV_MAIL_FROM
        if not EMAIL.fullmatch(value):
            raise ValueError("must be an email address, e.g. no-reply@example.com")
        return value

    @field_validator("ats_public_url")
    @classmethod
    def _public_url(cls, value: str, info: ValidationInfo) -> str:
        production = info.data.get("ats_env") == "production"
        value = value.strip()
        if not value:
            if production:
                raise ValueError("is required in production: the site's https:// origin, e.g. https://jobs.example.com")
            return DEV_PUBLIC_URL
        parts = urlsplit(value)
        try:
            parts.port  # noqa: B018  (raises ValueError on a malformed port)
        except ValueError:
            raise ValueError("has a malformed port") from None
        allowed = ("https",) if production else ("https", "http")
        if parts.scheme not in allowed or not parts.hostname:
            raise ValueError("must be an https:// origin" + ("" if production else " (http:// in development)"))
        if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("must be an origin only: scheme, host and optional port, no path, query or user")
        return f"{parts.scheme}://{parts.netloc.lower()}"

    @field_validator("ats_allowed_hosts", mode="before")
    @classmethod
    def _allowed_hosts(cls, value: object) -> tuple[str, ...]:
        names = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        hosts = tuple(str(n).strip().lower() for n in names if str(n).strip())
        for host in hosts:
            if not re.fullmatch(r"(\*\.)?[a-z0-9.-]+|\[[0-9a-f:.]+\]", host):
                raise ValueError(f"{host!r} is not a host name (give names without scheme or port, comma-separated)")
        return hosts

    @field_validator("ats_rate_limits", mode="before")
    @classmethod
    def _rate_limits(cls, value: object) -> dict[str, str]:
        given: dict[str, str] = {}
        if isinstance(value, str):
            for part in filter(None, (p.strip() for p in value.split(";"))):
                name, sep, limit = part.partition("=")
                if not sep:
                    raise ValueError(f"{part!r} must be name=limit, e.g. applications=20/minute")
                given[name.strip()] = limit.strip()
        elif isinstance(value, Mapping):
            given = {str(k): str(v) for k, v in value.items()}
        else:
            raise ValueError("must look like applications=20/minute;privacy_requests=5/minute;login=10/minute")
        unknown = sorted(set(given) - set(DEFAULT_RATE_LIMITS))
        if unknown:
            raise ValueError(f"unknown limit {', '.join(unknown)} (known: {', '.join(DEFAULT_RATE_LIMITS)})")
        for name, limit in given.items():
            try:
                limits.parse(limit)
            except ValueError:
                raise ValueError(f"{name}={limit!r} is not a limit like 20/minute or 100/hour") from None
        return {**DEFAULT_RATE_LIMITS, **given}

    def rate_limit(self, name: str) -> limits.RateLimitItem:
        """The parsed per-client limit `name` (applications, privacy_requests, login)."""
        return limits.parse(self.ats_rate_limits[name])

    @property
    def public_host(self) -> str:
        return urlsplit(self.ats_public_url).hostname or ""

    @property
    def production(self) -> bool:
        return self.ats_env == "production"

    @property
    def log_format(self) -> str:
        return self.ats_log_format or ("json" if self.production else "text")

    @property
    def max_upload_bytes(self) -> int:
        return self.ats_max_upload_mb * MB


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpTarget:
    """ATS_SMTP_URL: smtp://[user:pass@]host[:port] (STARTTLS when offered; port 25 by
    default) or smtps://... (TLS from the start, RFC 8314 §3.3; port 465 by default).
    A ValueError's message never echoes the password."""
    parsed = urlparse(url)
    if parsed.scheme not in ("smtp", "smtps"):
        raise ValueError("must start with smtp:// or smtps://, e.g. smtp://user:pass@mail.example.com:587")
    if not parsed.hostname:
        raise ValueError("needs a host, e.g. smtp://mail.example.com:587")
    try:
        port = parsed.port
    except ValueError:
        raise ValueError("has a port that is not a number between 1 and 65535") from None
    if (parsed.username is None) != (parsed.password is None):
        raise ValueError("needs both a user and a password, or neither (smtp://user:pass@host:port)")
    implicit = parsed.scheme == "smtps"
    return SmtpTarget(
        host=parsed.hostname,
        port=port or (465 if implicit else 25),
        implicit_tls=implicit,
        username=unquote(parsed.username) if parsed.username is not None else None,
        password=unquote(parsed.password) if parsed.password is not None else None,
    )


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read settings from `environ` (the process environment by default)."""
    import os

    source = {k.lower(): v for k, v in (os.environ if environ is None else environ).items()}
    wanted = {n: source[n] for n in Settings.model_fields if n in source and n != "embedded"}
    try:
        return Settings.model_validate({**wanted, **overrides})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            reason = "is required but not set" if error["type"] == "missing" else error["msg"]
            problems.append(f"{name}: {reason}")
        raise SettingsError("Configuration problem: " + "; ".join(problems)) from None
