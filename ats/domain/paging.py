"""Keyset pages of a newest-first list: a page ends at a marker, the next one starts after it.

A marker names the last row shown (its time and id), so a page costs the same query however deep
it is and rows added meanwhile do not shift later pages. It is opaque to clients: base64url of
"<iso time>|<uuid>", checked on the way back in.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ats.domain.errors import ValidationError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Marker:
    at: datetime
    id: UUID


def encode_marker(marker: Marker) -> str:
    return base64.urlsafe_b64encode(f"{marker.at.isoformat()}|{marker.id}".encode()).decode().rstrip("=")


def decode_marker(value: object) -> Marker | None:
    """None for the first page; a ValidationError for anything this module did not make."""
    if value is None or value == "":
        return None
    problem = ValidationError(
        "This page marker is not one this list gave out; start again from the first page.",
        field="after",
        code="bad_page_marker",
    )
    if not isinstance(value, str) or len(value) > 200:
        raise problem
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
        at_text, id_text = text.split("|")
        at = datetime.fromisoformat(at_text)
        marker_id = UUID(id_text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise problem from None
    if at.tzinfo is None:
        raise problem
    return Marker(at=at, id=marker_id)


def parse_limit(value: object) -> int:
    """Page size from a query parameter: absent means the default; 1 to MAX_LIMIT otherwise."""
    if value is None or value == "":
        return DEFAULT_LIMIT
    if isinstance(value, str) and len(value) <= 4 and value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_LIMIT:
        return int(value)
    raise ValidationError(f"Ask for between 1 and {MAX_LIMIT} rows per page.", field="limit", code="bad_limit")
