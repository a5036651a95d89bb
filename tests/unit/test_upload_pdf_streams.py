"""The PDF check (ats.domain.upload_pdf) on files whose names are hidden from a byte search:
compressed into object streams, or spelt with #xx escapes. And the upload is read without a copy."""

from __future__ import annotations

import struct
import zlib

import pytest

from ats.domain import upload_pdf
from ats.domain.errors import ValidationError
from tests.helpers import pdf


def object_stream_pdf(hidden: bytes) -> bytes:
    """Object 3 (`hidden`) compressed into object stream 4, found through the cross-reference
    stream 5 (PDF 32000-1:2008 §7.5.7, §7.5.8): its names are not in the file's bytes as such."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in ((1, b"<< /Type /Catalog /Pages 2 0 R /Names 3 0 R >>"), (2, b"<< /Type /Pages /Kids [] /Count 0 >>")):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    header = b"3 0 "
    packed = zlib.compress(header + hidden)
    offsets[4] = len(out)
    out += b"4 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(header), len(packed)) + packed + b"\nendstream\nendobj\n"
    offsets[5] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offsets[1], 0), struct.pack(">BIH", 1, offsets[2], 0)]
    rows += [struct.pack(">BIH", 2, 4, 0), struct.pack(">BIH", 1, offsets[4], 0), struct.pack(">BIH", 1, offsets[5], 0)]
    table = b"".join(rows)
    out += b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[5]
    return bytes(out)


def test_a_harmless_object_stream_passes() -> None:
    upload_pdf.check_pdf(object_stream_pdf(b"<< /Dests 6 0 R >>"), "cv")


@pytest.mark.parametrize("name", [b"/JavaScript", b"/Java#53cript", b"/#4Aava#53cript"])
def test_a_script_inside_an_object_stream_is_found(name: bytes) -> None:
    with pytest.raises(ValidationError) as info:
        upload_pdf.check_pdf(object_stream_pdf(b"<< %s << /Names [(x) << /S /JavaScript /JS (1) >>] >> >>" % name), "cv")
    assert info.value.code == "active_content"


def test_pypdf_never_asks_for_the_buffer(monkeypatch: pytest.MonkeyPatch) -> None:
    # BytesIO.getbuffer() copies a buffer shared with its bytes: the check must not trigger it.
    asked: list[int] = []

    class Watched(upload_pdf._Bytes):
        def __getattribute__(self, name: str):  # type: ignore[no-untyped-def]
            if name == "getbuffer":
                asked.append(1)
            return super().__getattribute__(name)

    monkeypatch.setattr(upload_pdf, "_Bytes", Watched)
    upload_pdf.check_pdf(pdf(), "cv")
    assert asked  # pypdf looked for it ...
    assert not hasattr(upload_pdf._Bytes(b""), "getbuffer")  # ... and found none
