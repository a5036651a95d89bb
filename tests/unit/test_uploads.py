"""Unit tests for ats.domain.uploads: detection by content, hostile files, safe display names."""

from __future__ import annotations

import dataclasses
import io
import tarfile
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ats.domain.errors import TooLarge, ValidationError
from ats.domain.uploads import ALLOWED_TYPES, CheckedUpload, check_upload, safe_filename
from tests.helpers import pdf

FIELD = "cv"
MAX = 10 * 1024 * 1024
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_TYPE = "application/vnd.oasis.opendocument.text"
# Planted in hostile payloads to prove messages never echo file contents.
SECRET = b"S3CRET-PAYLOAD"


# --- builders: real documents, made in memory -------------------------------------------------


def make_zip(entries: list[tuple[str, bytes]], *, stored: tuple[str, ...] = ()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, content in entries:
            method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=method)
    return buf.getvalue()


def make_docx(*, extra: tuple[tuple[str, bytes], ...] = (), upper: bool = False) -> bytes:
    document = "WORD/DOCUMENT.XML" if upper else "word/document.xml"
    return make_zip(
        [
            ("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
            ("_rels/.rels", b'<?xml version="1.0"?><Relationships/>'),
            (document, b'<?xml version="1.0"?><w:document>Jane Doe</w:document>'),
            *extra,
        ]
    )


def make_odt(mimetype: bytes = ODT_TYPE.encode(), *, stored: bool = True) -> bytes:
    return make_zip(
        [
            ("mimetype", mimetype),
            ("content.xml", b'<?xml version="1.0"?><office:document-content/>'),
            ("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest:manifest/>'),
        ],
        stored=("mimetype",) if stored else (),
    )


def make_tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        info = tarfile.TarInfo("cv.pdf")
        info.size = len(SECRET)
        archive.addfile(info, io.BytesIO(SECRET))
    return buf.getvalue()


PDF = pdf()
RTF = b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}}\\f0 Jane Doe}"


def check(data: bytes, filename: str | None = "cv", max_bytes: int = MAX) -> CheckedUpload:
    return check_upload(data, filename, field=FIELD, max_bytes=max_bytes)


def rejected(data: bytes, filename: str | None = "cv") -> ValidationError:
    with pytest.raises(ValidationError) as info:
        check(data, filename)
    error = info.value
    assert error.field == FIELD
    assert SECRET.decode() not in error.message
    return error


# --- accepted types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type", "extension"),
    [
        (PDF, "application/pdf", "pdf"),
        (make_docx(), DOCX_TYPE, "docx"),
        (make_docx(upper=True), DOCX_TYPE, "docx"),  # OPC part names are case-insensitive
        (make_odt(), ODT_TYPE, "odt"),
        (RTF, "application/rtf", "rtf"),
        (b"Jane Doe\nSoftware engineer\n", "text/plain", "txt"),
        ("Zoë Ñúñez — Résumé\r\n\tPython\f".encode(), "text/plain", "txt"),
        (b"\xef\xbb\xbfJane Doe with a BOM", "text/plain", "txt"),
        (b"MZ Consulting Ltd, 2019-2024", "text/plain", "txt"),  # "MZ" prose is not a program
        (b"I know a < b and 2 > 1", "text/plain", "txt"),
    ],
)
def test_accepts_supported_types(data: bytes, content_type: str, extension: str) -> None:
    upload = check(data, "My CV.bin")
    assert upload == CheckedUpload(content_type, extension, f"My CV.{extension}", len(data))
    assert ALLOWED_TYPES[upload.content_type] == upload.extension


def test_allowed_types_table() -> None:
    assert ALLOWED_TYPES == {
        "application/pdf": "pdf",
        DOCX_TYPE: "docx",
        ODT_TYPE: "odt",
        "application/rtf": "rtf",
        "text/plain": "txt",
    }


def test_checked_upload_is_frozen() -> None:
    upload = check(PDF)
    with pytest.raises(dataclasses.FrozenInstanceError):
        upload.content_type = "text/html"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (PDF, "cv.docx", "cv.pdf"),
        (make_docx(), "cv.pdf", "cv.docx"),
        (make_odt(), "cv.exe", "cv.odt"),
        (RTF, "cv.txt", "cv.rtf"),
        (b"plain", "cv.pdf", "cv.txt"),
    ],
)
def test_extension_is_forced_to_detected_type(data: bytes, name: str, expected: str) -> None:
    assert check(data, name).filename == expected


# --- rejected content --------------------------------------------------------------------------

PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"PE\x00\x00" + SECRET
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + SECRET
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script>" + SECRET + b"</body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>' + SECRET


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (PE, "cv.pdf", "program"),
        (ELF, "cv.pdf", "program"),
        (b"\xfe\xed\xfa\xce" + SECRET, "cv.pdf", "program"),
        (b"\xfe\xed\xfa\xcf" + SECRET, "cv.pdf", "program"),
        (b"\xcf\xfa\xed\xfe" + SECRET, "cv.pdf", "program"),
        (b"\xce\xfa\xed\xfe" + SECRET, "cv.pdf", "program"),
        (b"\xca\xfe\xba\xbe" + SECRET, "cv.pdf", "program"),
        (make_zip([("cv.pdf", PDF), ("run.exe", PE)]), "cv.docx", "archive"),
        (make_zip([("[Content_Types].xml", b"<Types/>")]), "cv.docx", "archive"),
        (make_zip([]), "cv.docx", "archive"),
        (make_odt(b"application/vnd.oasis.opendocument.spreadsheet"), "cv.odt", "archive"),
        (make_odt(stored=False), "cv.odt", "archive"),  # mimetype must be stored, not deflated
        (make_odt(ODT_TYPE.encode() + b" " * 200), "cv.odt", "archive"),  # too big to read
        (  # "mimetype" present but not the first entry
            make_zip(
                [("content.xml", b"<x/>"), ("mimetype", ODT_TYPE.encode())], stored=("mimetype",)
            ),
            "cv.odt",
            "archive",
        ),
        (b"\x1f\x8b\x08\x00" + SECRET, "cv.pdf", "archive"),
        (b"7z\xbc\xaf\x27\x1c" + SECRET, "cv.pdf", "archive"),
        (b"Rar!\x1a\x07\x01\x00" + SECRET, "cv.pdf", "archive"),
        (b"BZh91AY&SY" + SECRET, "cv.pdf", "archive"),
        (b"\xfd7zXZ\x00" + SECRET, "cv.pdf", "archive"),
        (make_tar(), "cv.pdf", "archive"),
        (HTML, "cv.txt", "markup"),
        (SVG, "cv.pdf", "markup"),
        (b'<?xml version="1.0"?><cv>' + SECRET + b"</cv>", "cv.txt", "markup"),
        (b"\xef\xbb\xbf \n\t<HTML><p>" + SECRET, "cv.txt", "markup"),
        (b" " * 5000 + b"<p>hi</p>", "cv.txt", "markup"),  # padding does not hide markup
        (b"Jane Doe\nSkills: " + SECRET + b"<script src=x></script>", "cv.txt", "markup"),
        (b"Jane Doe <SVG onload=alert(1)>", "cv.txt", "markup"),
        (b"#!/bin/sh\nrm -rf ~ # " + SECRET, "cv.txt", "script"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + SECRET, "cv.pdf", "image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + SECRET, "cv.pdf", "image"),
        (b"GIF89a\x01\x00\x01\x00" + SECRET, "cv.pdf", "image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + SECRET, "cv.doc", ".doc"),
        (b"Jane Doe\x00" + SECRET, "cv.txt", "not a PDF"),
        (b"\x00\x01\x02\x03" + SECRET, None, "not a PDF"),
        ("Zoë Ñúñez".encode("latin-1") + SECRET, "cv.txt", "UTF-8"),
        ("Jane Doe".encode("utf-16"), "cv.txt", "not a PDF"),  # UTF-16 is full of NULs
        (b"Jane\x1b[31mDoe" + SECRET, "cv.txt", "UTF-8"),  # terminal escape codes
    ],
)
def test_rejects_unsupported_content(data: bytes, name: str | None, kind: str) -> None:
    error = rejected(data, name)
    assert error.code == "unsupported_type"
    assert kind in error.message
    # Every rejection tells the person what would be accepted instead.
    assert "PDF" in error.message


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + b"\xde\xad\xbe\xef" * 64,
        b"PK\x03\x04",
        b"PK\x05\x06" + b"\x00" * 10,  # truncated end-of-central-directory record
    ],
)
def test_corrupt_zip_is_a_validation_error(data: bytes) -> None:
    error = rejected(data, "cv.docx")
    assert error.code == "unsupported_type"


@pytest.mark.parametrize("document", [make_docx(), make_odt()], ids=["docx", "odt"])
def test_truncated_zip_never_raises_anything_but_validation_error(document: bytes) -> None:
    # From 4 bytes on the ZIP signature is complete ("P" and "PK" alone are harmless text).
    for cut in range(4, len(document)):
        with pytest.raises(ValidationError):
            check(document[:cut], "cv.docx")


def test_odt_mimetype_with_bad_crc_is_rejected_not_crashed() -> None:
    data = bytearray(make_odt())
    # The stored mimetype's bytes start right after its 30-byte local header and name.
    body = 30 + len("mimetype")
    data[body] ^= 0xFF
    assert rejected(bytes(data), "cv.odt").code == "unsupported_type"


def test_encrypted_odt_mimetype_is_rejected_not_crashed() -> None:
    # zipfile raises RuntimeError (not BadZipFile) for an encrypted entry.
    data = bytearray(make_odt())
    data[6] |= 0x01  # "encrypted" flag in the local header...
    data[data.find(b"PK\x01\x02") + 8] |= 0x01  # ...and in the central directory
    assert rejected(bytes(data), "cv.odt").code == "unsupported_type"


# --- size limits -------------------------------------------------------------------------------


def test_empty_file() -> None:
    error = rejected(b"", "cv.pdf")
    assert error.code == "empty"
    assert type(error) is ValidationError
    assert "empty" in error.message


@pytest.mark.parametrize("data", [b" \n\t\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf  \n"])
def test_blank_text_counts_as_empty(data: bytes) -> None:
    assert rejected(data, "cv.txt").code == "empty"


def test_exactly_max_bytes_is_accepted() -> None:
    data = PDF + b"0" * (1000 - len(PDF))
    assert check(data, "cv.pdf", max_bytes=1000).size == 1000


def test_one_byte_over_max_is_too_large() -> None:
    data = PDF + b"0" * (1001 - len(PDF))
    with pytest.raises(TooLarge) as info:
        check(data, "cv.pdf", max_bytes=1000)
    assert info.value.code == "too_large"
    assert info.value.field == FIELD


def test_too_large_message_names_the_limit_in_mb() -> None:
    with pytest.raises(TooLarge) as info:
        check(b"x" * (MAX + 1), "cv.txt", max_bytes=MAX)
    assert "larger than 10 MB" in info.value.message


def test_size_is_checked_before_content() -> None:
    # A huge executable is refused for its size without being inspected.
    with pytest.raises(TooLarge):
        check(PE + b"\x00" * 100, "cv.exe", max_bytes=50)


# --- display names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("..\\..\\win.ini", "win.pdf"),
        ("/abs/path/cv.pdf", "cv.pdf"),
        ("C:\\Users\\jane\\Desktop\\cv.docx", "cv.pdf"),
        (".hidden", "hidden.pdf"),
        (". . .bashrc", "bashrc.pdf"),
        ("..", "document.pdf"),
        ("....", "document.pdf"),
        ("cv.pdf/", "document.pdf"),
        ("<script>alert(1)</script>.pdf", "script.pdf"),  # split on "/" first
        ("cv<script>alert(1)<script>.pdf", "cvscriptalert(1)script.pdf"),
        ('a<b>c:d"e|f?g*h.pdf', "abcdefgh.pdf"),
        ("cv\x00.exe.pdf", "cv.exe.pdf"),
        ("cv\x00", "cv.pdf"),
        ("cv\u202efdp.exe", "cvfdp.pdf"),  # RTL override cannot disguise the name
        ("zero\u200bwidth.pdf", "zerowidth.pdf"),
        ("a" * 300 + ".pdf", "a" * 100 + ".pdf"),
        ("Zoë Ñúñez CV.docx", "Zoë Ñúñez CV.pdf"),
        ("Zoe\u0308.pdf", "Zo\u00eb.pdf"),  # NFD input comes out NFC
        ("履歴書.pdf", "履歴書.pdf"),
        ("  Jane\t\n Doe   CV .pdf ", "Jane Doe CV.pdf"),
        ("J. Smith CV", "J. Smith CV.pdf"),  # ". Smith CV" is not an extension
        ("cv.", "cv.pdf"),
        ("cv..pdf", "cv.pdf"),
        ("cv.tar.gz", "cv.tar.pdf"),
        (None, "document.pdf"),
        ("", "document.pdf"),
        ("   ", "document.pdf"),
        ("\x00\x01\x02", "document.pdf"),
    ],
)
def test_safe_filename(name: str | None, expected: str) -> None:
    assert safe_filename(name, "pdf") == expected


def test_safe_filename_caps_stem_without_trailing_space() -> None:
    name = "a" * 99 + " " + "b" * 50 + ".pdf"
    assert safe_filename(name, "pdf") == "a" * 99 + ".pdf"


@pytest.mark.parametrize("extension", ["", ".pdf", "../x", "PDF", "p/df", "pdf\x00"])
def test_safe_filename_rejects_a_bad_extension(extension: str) -> None:
    with pytest.raises(ValueError, match="invalid extension"):
        safe_filename("cv", extension)


def test_check_upload_uses_safe_filename() -> None:
    assert check(PDF, "../../etc/cv\u202e.pdf").filename == "cv.pdf"
    assert check(PDF, None).filename == "document.pdf"


_AWKWARD = st.sampled_from([*"./\\ \t\x00\u202e\u200b<>:\"|?*é", "..", "../", "..\\"])


@settings(database=None, max_examples=500)
@given(
    name=st.one_of(st.none(), st.text(), st.lists(_AWKWARD | st.text(max_size=3)).map("".join)),
    extension=st.sampled_from(sorted(set(ALLOWED_TYPES.values()))),
)
def test_safe_filename_property(name: str | None, extension: str) -> None:
    result = safe_filename(name, extension)
    assert "/" not in result
    assert "\\" not in result
    assert "\x00" not in result
    assert not result.startswith(".")
    assert result.endswith("." + extension)
    assert result not in {".", ".."}
    assert len(result) <= 100 + 1 + len(extension)
