"""Check an uploaded CV by its content and build a safe display name for it.

The type is decided from the bytes alone: a client's filename and declared content
type are attacker-controlled, so the name is only ever used for display.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ats.domain.errors import TooLarge, ValidationError
from ats.domain.upload_messages import (
    ALLOWED_LIST,
    MSG_ARCHIVE,
    MSG_EXECUTABLE,
    PRINT_TO_PDF,
    SAVE_AS,
    active,
    reject,
)
from ats.domain.upload_pdf import check_pdf
from ats.domain.upload_zip import DOCX, ODT, zip_kind

_PDF = "application/pdf"
_DOCX = DOCX
_ODT = ODT
_RTF = "application/rtf"
_TXT = "text/plain"

# Content type -> canonical extension. The type is always detected, never client-declared.
ALLOWED_TYPES: dict[str, str] = {_PDF: "pdf", _DOCX: "docx", _ODT: "odt", _RTF: "rtf", _TXT: "txt"}

# Messages are fixed strings: file contents must never be echoed back to a person or a log.
_MSG_EMPTY = "The file is empty. Choose your CV file again."
_MSG_GENERIC = f"This file is not {ALLOWED_LIST}. {SAVE_AS}"
_MSG_SCRIPT = f"This file is a script, not a document. {SAVE_AS}"
_MSG_MARKUP = f"This file is a web page or markup (HTML, SVG or XML). {SAVE_AS}"
_MSG_IMAGE = f"This file is an image. {SAVE_AS}"
_MSG_LEGACY_WORD = (
    "This is an older Word (.doc) file. Open it in your word processor, save it as "
    "Word (.docx) or PDF, and upload that."
)
_MSG_RTF_OBJECTS = (
    "This RTF file contains embedded objects (such as OLE objects from other programs). "
    f"Remove them, or save the document as PDF {PRINT_TO_PDF}, and upload that."
)
_MSG_RTF_TEMPLATE = (
    "This RTF file loads an attached template from another location when it opens. "
    f"Save it again without the template, or as PDF {PRINT_TO_PDF}, and upload that."
)
_MSG_ENCODING = (
    "This text file is not UTF-8 or contains unreadable characters. "
    f"Save it as UTF-8 text, or {SAVE_AS[0].lower()}{SAVE_AS[1:]}"
)

# Leading signatures of kinds we name specifically. Checked before the plain-text test so a
# hostile binary gets a message a person understands rather than "not UTF-8".
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", MSG_EXECUTABLE),
    (b"\xfe\xed\xfa\xce", MSG_EXECUTABLE),  # Mach-O 32-bit big-endian
    (b"\xfe\xed\xfa\xcf", MSG_EXECUTABLE),  # Mach-O 64-bit big-endian
    (b"\xce\xfa\xed\xfe", MSG_EXECUTABLE),  # Mach-O 32-bit little-endian
    (b"\xcf\xfa\xed\xfe", MSG_EXECUTABLE),  # Mach-O 64-bit little-endian
    (b"\xca\xfe\xba\xbe", MSG_EXECUTABLE),  # Mach-O universal binary / Java class
    (b"\x1f\x8b", MSG_ARCHIVE),  # gzip
    (b"7z\xbc\xaf\x27\x1c", MSG_ARCHIVE),
    (b"Rar!\x1a\x07", MSG_ARCHIVE),
    (b"\xfd7zXZ\x00", MSG_ARCHIVE),  # xz
    (b"\x89PNG\r\n\x1a\n", _MSG_IMAGE),
    (b"\xff\xd8\xff", _MSG_IMAGE),  # JPEG
    (b"GIF87a", _MSG_IMAGE),
    (b"GIF89a", _MSG_IMAGE),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _MSG_LEGACY_WORD),  # OLE2: .doc (also old .xls/.msg)
)
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# RTF control words that embed or link another program's object (\object, \objdata, \objemb,
# \objlink, \objautlink, \objocx...: RTF 1.9.1 "Objects"; \datastore holds OLE data too) or fetch
# an attached template (\template: the RTF form of DOCX template injection). A control word is a
# backslash, letters, then a non-letter. The literal prefix keeps the scan linear.
_RTF_ACTIVE = re.compile(rb"\\(obj[a-z]*|datastore|template)(?![a-zA-Z])")

# C0 controls other than \t \n \f \r: no real CV text contains them, binaries nearly always do.
_BAD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
_LEADING_BLANK = re.compile(r"^[\s\ufeff]+")
_MARKUP_ANYWHERE = ("<script", "<svg", "<html")

_FILENAME_RESERVED = frozenset('<>:"/\\|?*')
_EXTENSION = re.compile(r"[a-z0-9]{1,8}")
_TRAILING_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")
_MAX_STEM = 100


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str  # detected from content, one of ALLOWED_TYPES
    extension: str  # canonical extension for content_type
    filename: str  # safe display name, extension forced to `extension`
    size: int


def check_upload(
    data: bytes, filename: str | None, *, field: str, max_bytes: int
) -> CheckedUpload:
    """Accept `data` only if its content is one of ALLOWED_TYPES; else raise ValidationError."""
    size = len(data)
    if size == 0:
        raise ValidationError(_MSG_EMPTY, field=field, code="empty")
    if size > max_bytes:
        raise TooLarge(
            f"The file is larger than {_describe_limit(max_bytes)}. "
            "Upload a smaller file, for example a PDF without large images.",
            field=field,
        )
    content_type = _detect(data, field)
    extension = ALLOWED_TYPES[content_type]
    return CheckedUpload(content_type, extension, safe_filename(filename, extension), size)


def safe_filename(name: str | None, extension: str) -> str:
    """A display name with no path, no control/reserved characters and `extension` forced on."""
    # The extension comes from our own table; refuse anything else rather than let a caller
    # smuggle a path or a second dot through it.
    if not _EXTENSION.fullmatch(extension):
        raise ValueError(f"invalid extension: {extension!r}")
    # Browsers send bare names, but some clients send full paths from either OS.
    base = re.split(r"[/\\]", name or "")[-1]
    # Whitespace (tabs, newlines) becomes a space first, so "a\tb" does not turn into "ab".
    spaced = (" " if ch.isspace() else ch for ch in unicodedata.normalize("NFC", base))
    # Category C covers controls, format characters such as the U+202E right-to-left override
    # (which can disguise "cv\u202efdp.exe" as "cvexe.pdf"), lone surrogates that cannot be
    # encoded for a header or database, private-use and unassigned code points.
    kept = "".join(
        ch
        for ch in spaced
        if ch not in _FILENAME_RESERVED and not unicodedata.category(ch).startswith("C")
    )
    # Dropping a character can leave a base letter next to a combining mark: normalise again.
    base = re.sub(r" {2,}", " ", unicodedata.normalize("NFC", kept))
    # Leading dots and spaces together, so ". .x" cannot end up as a hidden ".x".
    base = base.lstrip(". ").rstrip()
    stem = _TRAILING_EXTENSION.sub("", base)
    # Trailing dots and spaces are trimmed both before and after the cap: Windows drops them
    # silently, and "cv..pdf" reads like a mistake.
    stem = stem.rstrip(" .")[:_MAX_STEM].rstrip(" .")
    return f"{stem or 'document'}.{extension}"


def _detect(data: bytes, field: str) -> str:
    if data.startswith(b"%PDF-"):
        check_pdf(data, field)
        return _PDF
    if data.startswith(b"{\\rtf"):
        _check_rtf(data, field)
        return _RTF
    if data.startswith(_ZIP_SIGNATURES):
        return zip_kind(data, field)
    for signature, message in _SIGNATURES:
        if data.startswith(signature):
            raise reject(message, field)
    # "MZ" could begin an ordinary sentence and "ustar" sit at byte 257 of a text by chance;
    # real DOS/PE and tar headers always hold NUL bytes, so require one before naming them.
    # (Text with NULs is rejected either way; this only picks the clearer message.)
    if data.startswith(b"MZ") and b"\x00" in data[:64]:
        raise reject(MSG_EXECUTABLE, field)
    if data[257:262] == b"ustar" and b"\x00" in data[:512]:
        raise reject(MSG_ARCHIVE, field)
    if data.startswith(b"BZh") and data[3:4].isdigit():
        raise reject(MSG_ARCHIVE, field)
    _check_plain_text(data, field)
    return _TXT


def _check_rtf(data: bytes, field: str) -> None:
    floor = 0
    for match in _RTF_ACTIVE.finditer(data):
        # After an odd run of backslashes it is text: "\\objdata" in the file prints "\objdata".
        # Each run is counted back only to the previous match, so the scan stays linear.
        at = match.start()
        while at > floor and data[at - 1] == 0x5C:
            at -= 1
        floor = match.end()
        if (match.start() - at) % 2 == 0:
            template = match.group(1) == b"template"
            raise active(_MSG_RTF_TEMPLATE if template else _MSG_RTF_OBJECTS, field)


def _check_plain_text(data: bytes, field: str) -> None:
    text: str | None
    try:
        # utf-8-sig tolerates one BOM; anything not strictly UTF-8 (e.g. Latin-1, UTF-16) fails.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or _BAD_CONTROL.search(text):
        # Without NULs it is most likely text in a legacy encoding (e.g. Latin-1): say how to fix
        # it. With NULs it is some binary format we do not recognise.
        looks_textual = b"\x00" not in data[:4096]
        raise reject(_MSG_ENCODING if looks_textual else _MSG_GENERIC, field)
    # Strip the whole text, not a prefix: padding markup with 5 KB of spaces must not hide it.
    head = _LEADING_BLANK.sub("", text, count=1)[:4096].lower()
    # Browsers may sniff and render markup even when served as text, so it is never "plain".
    if head.startswith("<") or any(tag in head for tag in _MARKUP_ANYWHERE):
        raise reject(_MSG_MARKUP, field)
    if head.startswith("#!"):
        raise reject(_MSG_SCRIPT, field)
    if not head:
        # Only whitespace or a BOM: as useless as an empty file, and the person should hear so.
        raise ValidationError(_MSG_EMPTY, field=field, code="empty")


def _describe_limit(max_bytes: int) -> str:
    # Limits are configured in binary megabytes (10 * 1024 * 1024 reads as "10 MB").
    mb = max_bytes / (1024 * 1024)
    if mb >= 1:
        return f"{mb:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(max_bytes / 1024))} KB"
