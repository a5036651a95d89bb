"""Multipart parsing that keeps uploads in memory.

Starlette spools uploads over 1 MB to a temporary file on local disk; a CV must never touch
local disk outside the database (DESIGN §4.1), so the spool threshold is raised above the body
limit that `BodyLimit` enforces. The parsing itself is Starlette's (python-multipart).
"""

from __future__ import annotations

import sys

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from ats.domain.errors import ValidationError
from ats.services.applications import Upload


class InMemoryMultiPartParser(MultiPartParser):
    spool_max_size = sys.maxsize


MAX_FIELD_BYTES = 16 * 1024


async def parse_multipart(request: Request, *, max_files: int = 2, max_fields: int = 20) -> FormData:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise ValidationError(
            "Send the application as multipart/form-data, with the CV as a file field.",
            code="unsupported_media_type",
        )
    parser = InMemoryMultiPartParser(
        request.headers,
        request.stream(),
        max_files=max_files,
        max_fields=max_fields,
        max_part_size=MAX_FIELD_BYTES,
    )
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise ValidationError(f"The form could not be read: {exc.message}", code="malformed_form") from None


async def upload_from(form: FormData, name: str) -> Upload | None:
    value = form.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, UploadFile):
        raise ValidationError("Attach a file here, not text.", field=name, code="not_a_file")
    data = await value.read()
    if not data and not value.filename:
        return None  # a browser sends an empty part for a file input left blank
    return Upload(filename=value.filename, data=data)


def text_fields(form: FormData, names: tuple[str, ...]) -> dict[str, object]:
    """Only string values; a file where text belongs becomes a type error for its field."""
    fields: dict[str, object] = {}
    for name in names:
        value = form.get(name)
        fields[name] = value if isinstance(value, str) else (None if value is None else 0)
    return fields


def referees_from(form: FormData) -> list[dict[str, object]]:
    """Referee blocks of a form: repeated `referee_name` / `referee_email` /
    `referee_relationship` fields; blocks left entirely empty are ignored."""
    names, emails, relations = (form.getlist(f"referee_{k}") for k in ("name", "email", "relationship"))
    blocks = []
    for i in range(max(len(names), len(emails), len(relations))):
        values = [col[i] if i < len(col) else "" for col in (names, emails, relations)]
        if not all(isinstance(v, str) for v in values):
            raise ValidationError("Referee details must be text.", field="referees")
        if any(str(v).strip() for v in values):
            blocks.append({"full_name": values[0], "email": values[1], "relationship": values[2]})
    return blocks
