"""A position's pipeline: the cards of its applications and the questions a recruiter asks of
them (which state, which reference). Pure: parsing and shapes, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ats.domain.errors import ValidationError
from ats.domain.model import Application, ApplicationStatus
from ats.domain.references import ALPHABET

PREFIX = "APP-"
_REFERENCE = re.compile(rf"{PREFIX}[{ALPHABET}]{{10}}")
# Crockford's base32 decoding rules (crockford.com/base32.html): I and L read as 1, O as 0,
# so a reference read aloud or copied from a printout still finds its application.
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})
MAX_REFERENCE_INPUT = 40


@dataclass(frozen=True)
class Card:
    """One application on the pipeline page: what a card shows and links to. `full_name` is
    None where the viewer's role may not see it (or the contact row is gone)."""

    application: Application
    full_name: str | None


def parse_status(value: object) -> ApplicationStatus | None:
    """The state filter of a query string: absent or empty means every state."""
    if value is None or value == "":
        return None
    try:
        return ApplicationStatus(str(value))
    except ValueError:
        raise ValidationError(
            "Choose a state from the list.", field="status", code="bad_status"
        ) from None


def normalise_reference(value: object) -> str | None:
    """A reference as typed by a person: any case, spaces or hyphens anywhere, the APP- prefix
    optional, Crockford's look-alikes mapped. None when absent; a ValidationError naming the
    expected shape when it cannot be a reference (ats.domain.references makes them)."""
    if value is None or value == "":
        return None
    problem = ValidationError(
        "A reference looks like APP- followed by ten letters and digits, e.g. APP-7KQ2M9X4ZB.",
        field="reference",
        code="bad_reference",
    )
    if not isinstance(value, str) or len(value) > MAX_REFERENCE_INPUT:
        raise problem
    compact = re.sub(r"[\s\-]", "", value).upper()
    if not compact:
        return None
    if len(compact) == 13 and compact.startswith("APP"):  # the prefix; a body may start "APP" too
        compact = compact[3:]
    reference = PREFIX + compact.translate(_CONFUSABLE)
    if not _REFERENCE.fullmatch(reference):
        raise problem
    return reference
