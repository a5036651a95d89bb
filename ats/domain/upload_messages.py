"""The messages an upload refusal shows a person, shared by the type, PDF and package checks.

Messages are fixed strings: file contents must never be echoed back to a person or a log.
Each says what to change, so the person can fix the file rather than guess.
"""

from __future__ import annotations

from ats.domain.errors import ValidationError

ALLOWED_LIST = "a PDF, Word (.docx), OpenDocument (.odt), RTF or plain-text document"
SAVE_AS = f"Save your CV as {ALLOWED_LIST} and upload that."
# The one fix that removes every kind of active content: a printed PDF holds only page drawings.
PRINT_TO_PDF = "(for example print it to PDF)"

MSG_EXECUTABLE = f"This file is a program, not a document. {SAVE_AS}"
MSG_ARCHIVE = f"This file is a compressed archive (such as .zip), not a document. {SAVE_AS}"
MSG_MACROS = f"This Word file contains macros, which are not accepted. {SAVE_AS}"
MSG_DAMAGED = (
    "This file looks damaged or incomplete and could not be opened. "
    f"Open it on your computer, save it again as {ALLOWED_LIST}, and upload that."
)


def reject(message: str, field: str) -> ValidationError:
    """Not a document type we accept, or not a readable one."""
    return ValidationError(message, field=field, code="unsupported_type")


def active(message: str, field: str) -> ValidationError:
    """An accepted type carrying content that runs, loads or hides something (issue 9)."""
    return ValidationError(message, field=field, code="active_content")
