"""Validation of what a candidate types in. Errors name the field and say how to fix it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pycountry
from email_validator import EmailNotValidError, validate_email

from ats.domain.errors import ValidationError

MAX_NAME = 200
MAX_EMAIL = 254  # RFC 5321 path limit
MAX_PHONE = 40
_PHONE = re.compile(r"^\+?[0-9 ()./-]{4,39}$")
COUNTRIES: dict[str, str] = {c.alpha_2: c.name for c in pycountry.countries}


@dataclass(frozen=True)
class ApplicantDetails:
    full_name: str
    email: str
    phone: str | None
    country: str
    talent_pool_consent: bool


def _clean_text(value: str) -> str:
    text = unicodedata.normalize("NFC", value)
    text = "".join(" " if ch.isspace() else ch for ch in text)
    # Control and format characters (bidi overrides included) have no place in a name.
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return " ".join(text.split())


def parse_flag(value: object) -> bool:
    """A checkbox or JSON flag: true only for an explicit yes."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in {"true", "on", "yes", "1"}


def validate_applicant(
    *,
    full_name: object,
    email: object,
    phone: object,
    country: object,
    privacy_notice_acknowledged: object,
    talent_pool_consent: object = None,
) -> ApplicantDetails:
    """Check every field; raise the first problem as a ValidationError naming its field."""
    errors, normal_email = _check(
        full_name=full_name,
        email=email,
        phone=phone,
        country=country,
        privacy_notice_acknowledged=privacy_notice_acknowledged,
    )
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationError(message, field=field)
    assert isinstance(full_name, str) and normal_email is not None and isinstance(country, str)
    return ApplicantDetails(
        full_name=_clean_text(full_name),
        email=normal_email,
        phone=_clean_text(phone) if isinstance(phone, str) and phone.strip() else None,
        country=country.strip().upper(),
        talent_pool_consent=parse_flag(talent_pool_consent),
    )


def _normal_email(value: str) -> str:
    result = validate_email(value.strip(), check_deliverability=False)
    return result.normalized.lower()


def collect_errors(
    *,
    full_name: object,
    email: object,
    phone: object,
    country: object,
    privacy_notice_acknowledged: object,
) -> dict[str, str]:
    """All field problems at once, so a form can show each next to its field."""
    return _check(
        full_name=full_name,
        email=email,
        phone=phone,
        country=country,
        privacy_notice_acknowledged=privacy_notice_acknowledged,
    )[0]


def _check(
    *,
    full_name: object,
    email: object,
    phone: object,
    country: object,
    privacy_notice_acknowledged: object,
) -> tuple[dict[str, str], str | None]:
    """The field problems, and the normalised email when it is valid (validated once)."""
    errors: dict[str, str] = {}
    normal_email = None
    if not isinstance(full_name, str) or not _clean_text(full_name):
        errors["full_name"] = "Enter your full name."
    elif len(_clean_text(full_name)) > MAX_NAME:
        errors["full_name"] = f"Your name must be at most {MAX_NAME} characters."
    if not isinstance(email, str) or not email.strip():
        errors["email"] = "Enter your email address, like name@example.com."
    elif len(email.strip()) > MAX_EMAIL:
        errors["email"] = f"Your email address must be at most {MAX_EMAIL} characters."
    else:
        try:
            normal_email = _normal_email(email)
        except EmailNotValidError:
            errors["email"] = "Enter a valid email address, like name@example.com."
    if phone is not None and not isinstance(phone, str):
        errors["phone"] = "Enter your phone number as text, or leave it empty."
    elif isinstance(phone, str) and phone.strip() and not _PHONE.match(phone.strip()):
        errors["phone"] = "Enter a phone number using digits, spaces and + ( ) - only."
    if not isinstance(country, str) or country.strip().upper() not in COUNTRIES:
        errors["country"] = "Choose the country you live in."
    if not parse_flag(privacy_notice_acknowledged):
        errors["privacy_notice_acknowledged"] = (
            "Confirm that you have read the privacy notice to send your application."
        )
    return errors, normal_email
