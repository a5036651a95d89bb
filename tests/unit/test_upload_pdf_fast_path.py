"""The PDF check's fast path (ats.domain.upload_pdf): a file skips the object walk only when its
bytes prove no dictionary can hold active content; every doubt takes the walk."""

from __future__ import annotations

import pytest

from ats.domain import upload_pdf
from ats.domain.errors import ValidationError
from tests.helpers import pdf, write_pdf


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = upload_pdf._walk

    def counted(reader, field):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(reader, field)

    monkeypatch.setattr(upload_pdf, "_walk", counted)
    return calls


def test_a_plain_classic_pdf_skips_the_walk(walks: list[int]) -> None:
    upload_pdf.check_pdf(pdf(), "cv")
    assert walks == []


@pytest.mark.parametrize(
    "objects",
    [
        # a harmless key spelt with an escape: no byte search can vouch for escaped names
        [b"<< /Ty#70e /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"],
        # a dangerous name only as text inside a content stream: the walk looks and accepts it
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            b"<< /Length 28 >>\nstream\nBT (/JavaScript /AA) Tj ET\n\nendstream",
        ],
        # an /OpenAction that only goes to page 1 (harmless, but its name means a look)
        [b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>", b"<< /Type /Pages /Kids [] /Count 0 >>"],
    ],
)
def test_any_doubt_takes_the_walk_and_harmless_files_still_pass(walks: list[int], objects: list[bytes]) -> None:
    upload_pdf.check_pdf(write_pdf(objects), "cv")
    assert walks == [1]


def object_stream_pdf(hidden: bytes) -> bytes:
    """Object 3 (`hidden`) compressed into object stream 4, found through the cross-reference
    stream 5 (PDF 32000-1:2008 §7.5.7, §7.5.8): its names are not in the file's bytes as such."""
    import struct
    import zlib

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


def test_object_streams_take_the_walk(walks: list[int]) -> None:
    upload_pdf.check_pdf(object_stream_pdf(b"<< /Dests 6 0 R >>"), "cv")
    assert walks == [1]


def test_a_script_inside_an_object_stream_is_found(walks: list[int]) -> None:
    with pytest.raises(ValidationError) as info:
        upload_pdf.check_pdf(object_stream_pdf(b"<< /JavaScript << /Names [(x) << /S /JavaScript /JS (1) >>] >> >>"), "cv")
    assert info.value.code == "active_content"
    assert walks == [1]


@pytest.mark.parametrize(
    "script",
    [
        b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 3 0 R >> >>",  # literal
        b"<< /Type /Catalog /Pages 2 0 R /Names << /Java#53cript 3 0 R >> >>",  # escaped
        b"<< /Type /Catalog /Pages 2 0 R /Names << /#4Aava#53cript 3 0 R >> >>",  # escaped first letter
    ],
)
def test_scripts_are_found_however_the_name_is_spelt(walks: list[int], script: bytes) -> None:
    objects = [script, b"<< /Type /Pages /Kids [] /Count 0 >>", b"<< /Names [(x) 4 0 R] >>",
               b"<< /S /JavaScript /JS (app.alert(1)) >>"]
    with pytest.raises(ValidationError) as info:
        upload_pdf.check_pdf(write_pdf(objects), "cv")
    assert info.value.code == "active_content"
    assert walks == [1]


def test_the_object_budget_holds_on_the_fast_path(walks: list[int]) -> None:
    many = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    many += [b"<< /N %d >>" % i for i in range(upload_pdf.MAX_OBJECTS)]
    with pytest.raises(ValidationError, match="too complex"):
        upload_pdf.check_pdf(write_pdf(many), "cv")
    assert walks == []


def test_not_a_pdf_is_still_refused_before_any_fast_path() -> None:
    with pytest.raises(ValidationError, match="not a readable PDF"):
        upload_pdf.check_pdf(b"%PDF-1.4\nnothing else here at all\n", "cv")
