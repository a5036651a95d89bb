"""Map domain errors to HTTP statuses and JSON bodies (DESIGN §9 error shape)."""

from __future__ import annotations

from starlette.responses import JSONResponse

from ats.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    NotFound,
    TooLarge,
    Unauthorized,
    ValidationError,
)
from ats.services.links import LinkExpired, LinkInvalid

STATUS: list[tuple[type[DomainError], int]] = [
    (LinkExpired, 410),
    (LinkInvalid, 400),
    (TooLarge, 413),
    (ValidationError, 422),
    (NotFound, 404),
    (Conflict, 409),
    (Gone, 410),
    (Unauthorized, 401),
    (Forbidden, 403),
]


def status_for(error: DomainError) -> int:
    for cls, status in STATUS:
        if isinstance(error, cls):
            return status
    return 400


def error_body(code: str, message: str, field: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field}}


def json_error(status: int, code: str, message: str, field: str | None = None, **extra: object) -> JSONResponse:
    body = error_body(code, message, field)
    body["error"].update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def json_domain_error(error: DomainError) -> JSONResponse:
    extra = {"tombstone": error.facts} if isinstance(error, Gone) else {}
    return json_error(status_for(error), error.code, error.message, error.field, **extra)
