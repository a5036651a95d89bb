"""Domain errors. Entry points map each class to one HTTP status / CLI exit."""

from __future__ import annotations


class DomainError(Exception):
    """Base class. `code` is stable and machine-readable; `message` is for a person."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class ValidationError(DomainError):
    """Input a person can correct (maps to 422, or 413 for `too_large`)."""

    code = "invalid"


class TooLarge(ValidationError):
    code = "too_large"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The request is valid but the current state forbids it (maps to 409)."""

    code = "conflict"


class Gone(DomainError):
    """The thing existed and was erased (maps to 410)."""

    code = "gone"

    def __init__(self, message: str, *, facts: dict | None = None) -> None:
        super().__init__(message)
        self.facts = facts or {}


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class ArchivedPosition(NotFound):
    """The position's hiring has concluded: its applications are kept for the retention purpose
    only (DESIGN §8, archive phase). Answers like NotFound (404) wherever contents were asked
    for; `summary` holds what the archive page may show (counts per status, dates, outcome: no
    personal data)."""

    code = "position_archived"

    def __init__(self, message: str, *, summary: object) -> None:
        super().__init__(message)
        self.summary = summary
