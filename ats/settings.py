"""Settings, read once from the environment. A missing or malformed value stops start-up
with a message naming the variable (DESIGN §9)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlparse

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MB = 1024 * 1024


EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")


class SettingsError(Exception):
    """Start-up configuration problem; the message names each bad variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", env_file=None)

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
    # Mail (DESIGN §10): required in production; in development without it mail waits in the
    # outbox (the embedded mode sets both to its own in-process SMTP server).
    ats_smtp_url: SecretStr | None = Field(default=None, validate_default=True)
    ats_mail_from: str = Field(default="", max_length=254, validate_default=True)
    # True only for `ats serve --embedded`: talk to the local emulator with fake credentials.
    embedded: bool = False

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
            return "ats@localhost"
        if not EMAIL.fullmatch(value):
            raise ValueError("must be an email address, e.g. no-reply@example.com")
        return value

    @property
    def production(self) -> bool:
        return self.ats_env == "production"

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
