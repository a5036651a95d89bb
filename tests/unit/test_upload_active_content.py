"""Unit tests for the active-content and zip-limit checks of ats.domain.uploads (issue 9, items 5/9).

Every hostile file is built in memory; benign documents of each type must still pass.
"""

from __future__ import annotations

import copy
import io
import shutil
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from ats.domain.errors import ValidationError
from ats.domain.uploads import CheckedUpload, check_upload
from tests.helpers import pdf, write_pdf

MAX = 10 * 1024 * 1024
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_TYPE = "application/vnd.oasis.opendocument.text"
SECRET = "S3CRET-PAYLOAD"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 24 + SECRET.encode()
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8


def check(data: bytes) -> CheckedUpload:
    return check_upload(data, "cv", field="cv", max_bytes=MAX)


def refused(data: bytes, *words: str, code: str = "active_content") -> ValidationError:
    with pytest.raises(ValidationError) as info:
        check(data)
    error = info.value
    assert error.field == "cv"
    assert error.code == code, error.message
    assert SECRET not in error.message
    for word in words:
        assert word in error.message, error.message
    return error


# --- PDF -----------------------------------------------------------------------------------------


def pypdf_bytes(writer: PdfWriter) -> bytes:
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def blank_writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.add_metadata({"/Title": "CV", "/Producer": "pypdf"})
    return writer


def raw_pdf(*objects: bytes, trailer: bytes = b"") -> bytes:
    """A PDF written byte by byte (for names pypdf's writer would never produce), object 1 = root."""
    return write_pdf(objects, version=b"1.7", trailer=trailer)


CATALOG_PAGES = (b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", b"<< /Type /Page /Parent 2 0 R >>")


def with_link() -> bytes:
    writer = blank_writer()
    writer.add_uri(0, "https://www.linkedin.com/in/example", [72, 700, 300, 720])
    return pypdf_bytes(writer)


def with_open_destination() -> bytes:
    writer = blank_writer()
    writer.open_destination = writer.pages[0]  # /OpenAction as a destination: go to page 1
    return pypdf_bytes(writer)


def test_benign_pdfs_pass() -> None:
    for data in (pdf(), pypdf_bytes(blank_writer()), with_link(), with_open_destination()):
        assert check(data).content_type == "application/pdf"


# PDFs written by pdfTeX (with object streams, outlines and links), where the system has some.
_SYSTEM_PDFS = sorted(Path("/usr/share/doc").glob("*/*.pdf"))[:4] if Path("/usr/share/doc").is_dir() else []


@pytest.mark.skipif(not _SYSTEM_PDFS, reason="no real-world PDF on this system")
@pytest.mark.parametrize("path", _SYSTEM_PDFS, ids=lambda p: p.name)
def test_real_world_pdfs_pass(path: Path) -> None:
    data = path.read_bytes()
    if len(data) > MAX:
        pytest.skip("larger than the upload limit")
    assert check(data).content_type == "application/pdf"


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="libreoffice is not installed")
def test_libreoffice_pdf_and_odt_and_docx_pass(tmp_path: Path) -> None:
    source = tmp_path / "cv.txt"
    source.write_text("Jane Doe\nSoftware engineer\n")
    for target in ("pdf", "odt", "docx"):
        subprocess.run(
            ["libreoffice", "--headless", "--convert-to", target, "--outdir", str(tmp_path), str(source)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        check((tmp_path / f"cv.{target}").read_bytes())


def add_document_js(writer: PdfWriter, script: str) -> None:
    """Document-level JavaScript: the catalog's /Names /JavaScript name tree (PDF 32000 §12.6.4.16)."""
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(script)}
    )
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("init"), writer._add_object(action)])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})


def js_pdf() -> bytes:
    writer = blank_writer()
    add_document_js(writer, "app.alert('S3CRET-PAYLOAD');")
    return pypdf_bytes(writer)


def pypdf_open_action_js_pdf() -> bytes:
    writer = blank_writer()
    writer.add_open_action(JavaScript("this.print({bUI:true});"))
    return pypdf_bytes(writer)


def open_action_js_pdf() -> bytes:
    writer = blank_writer()
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return pypdf_bytes(writer)


def attachment_pdf() -> bytes:
    writer = blank_writer()
    writer.add_attachment("invoice.exe", PE)
    return pypdf_bytes(writer)


def page_aa_pdf() -> bytes:
    writer = blank_writer()
    # An automatic action on opening the page: a URI fetch (a tracking beacon), no script at all.
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject("https://x.test/t")}
    )
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
    return pypdf_bytes(writer)


def open_action_uri_pdf() -> bytes:
    writer = blank_writer()
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject("https://x.test/t")}
    )
    writer._root_object[NameObject("/OpenAction")] = action
    return pypdf_bytes(writer)


def xfa_pdf() -> bytes:
    writer = blank_writer()
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): TextStringObject("<xdp/>")}
    )
    return pypdf_bytes(writer)


def rich_media_pdf() -> bytes:
    writer = blank_writer()
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/RichMedia"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return pypdf_bytes(writer)


def launch_pdf() -> bytes:
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /Outlines 4 0 R >>",
        *CATALOG_PAGES,
        b"<< /Count 1 /First 5 0 R /Last 5 0 R >>",
        b"<< /Title (Open me) /Parent 4 0 R /A << /S /Launch /F (cmd.exe) >> >>",
    )


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (js_pdf(), ("JavaScript", "print it to PDF")),
        (open_action_js_pdf(), ("JavaScript",)),
        (pypdf_open_action_js_pdf(), ("JavaScript",)),
        (attachment_pdf(), ("attached",)),
        (page_aa_pdf(), ("automatically",)),
        (open_action_uri_pdf(), ("automatically",)),
        (xfa_pdf(), ("XFA",)),
        (rich_media_pdf(), ("media",)),
        (launch_pdf(), ("starts a program",)),
        # Names hidden with #xx escapes: pypdf decodes them, a byte scan would not see them.
        (
            raw_pdf(
                b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
                *CATALOG_PAGES,
                b"<< /S /Java#53cript /#4AS (app.alert\\(1\\)) >>",
            ),
            ("JavaScript",),
        ),
        (
            raw_pdf(
                b"<< /Type /Catalog /Pages 2 0 R /Names << /#45mbeddedFiles 4 0 R >> >>",
                *CATALOG_PAGES,
                b"<< /Names [(a.exe) << /Type /Filespec /F (a.exe) >>] >>",
            ),
            ("attached",),
        ),
        # An object no page refers to is still checked: viewers repairing a file may reach it.
        (
            raw_pdf(
                b"<< /Type /Catalog /Pages 2 0 R >>",
                *CATALOG_PAGES,
                b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
            ),
            ("JavaScript",),
        ),
        # /JS in the document information dictionary, reached from the trailer, not the root.
        (
            raw_pdf(
                b"<< /Type /Catalog /Pages 2 0 R >>",
                *CATALOG_PAGES,
                b"<< /Title (x) /AA << /O << /S /JavaScript /JS (1) >> >> >>",
                trailer=b"/Info 4 0 R ",
            ),
            ("JavaScript",),
        ),
    ],
)
def test_pdf_active_content_is_refused(data: bytes, words: tuple[str, ...]) -> None:
    error = refused(data, *words)
    assert "PDF" in error.message


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n" + PE + SECRET.encode(),
        b"%PDF-1.4\n" + ELF + SECRET.encode(),
        b"%PDF-1.7\n\xcf\xfa\xed\xfe" + b"\x00" * 64,
        # The executable after the header, and a well-formed PDF after that.
        b"%PDF-1.4\n" + PE + b"\n" + pdf()[9:],
    ],
)
def test_pdf_header_followed_by_a_program_is_refused(data: bytes) -> None:
    refused(data, "program", code="unsupported_type")


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n" + SECRET.encode() + b"\n%%EOF\n",
        b"%PDF-1.4 this is text, not a file",
        b"%PDF-",
        b"%PDF-1.4\n" + b"\x00\x01\x02" * 100,
        pdf()[:-40],  # truncated: the trailer is cut off
        # Nested 50,000 deep: pypdf's recursive parser must fail cleanly, not crash the check.
        raw_pdf(b"<< /Type /Catalog /X " + b"[" * 50_000 + b"]" * 50_000 + b" >>"),
    ],
)
def test_pdf_that_pypdf_cannot_read_is_refused(data: bytes) -> None:
    refused(data, "PDF", code="unsupported_type")


def test_pdf_with_too_many_objects_is_refused() -> None:
    count = 6_000
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", *CATALOG_PAGES]
    objects += [b"<< /N %d >>" % n for n in range(count)]
    refused(raw_pdf(*objects), "too complex", code="unsupported_type")


def test_password_protected_pdf_is_refused() -> None:
    writer = blank_writer()
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    refused(pypdf_bytes(writer), "password", code="unsupported_type")


def test_pdf_protected_only_against_editing_passes_and_is_checked() -> None:
    # An empty user password opens without asking: viewers show it, so it is checked like any PDF.
    writer = blank_writer()
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    assert check(pypdf_bytes(writer)).content_type == "application/pdf"
    writer = blank_writer()
    add_document_js(writer, "app.alert(1)")
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    refused(pypdf_bytes(writer), "JavaScript")


# --- RTF -----------------------------------------------------------------------------------------

RTF_HEAD = b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}}\\f0 Jane Doe\\par "


@pytest.mark.parametrize(
    "data",
    [
        RTF_HEAD + b"{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata 01050000020000000b}}}",
        RTF_HEAD + b"{\\*\\objdata0105000002000000}}",
        RTF_HEAD + b"{\\object\\objautlink\\objupdate{\\*\\objclass Word.Document.8}}}",
        RTF_HEAD + b"{\\objocx}}",
    ],
)
def test_rtf_with_ole_objects_is_refused(data: bytes) -> None:
    refused(data, "RTF", "embedded objects")


def test_rtf_with_remote_template_is_refused() -> None:
    refused(RTF_HEAD + b"{\\*\\template http://x.test/t.dot}}", "RTF", "template")


@pytest.mark.parametrize(
    "data",
    [
        RTF_HEAD + b"}",
        RTF_HEAD + b"See C:\\\\object\\\\data and \\\\objdata in my notes}",  # escaped backslashes: text
        RTF_HEAD + b"{\\pict\\pngblip 89504e47}}",
    ],
)
def test_benign_rtf_passes(data: bytes) -> None:
    assert check(data).content_type == "application/rtf"


# --- zip limits (item 5) ---------------------------------------------------------------------------


def make_zip(entries: list[tuple[str, bytes]], *, stored: tuple[str, ...] = ()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, content in entries:
            method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=method)
    return buf.getvalue()


def docx_entries(**parts: bytes) -> list[tuple[str, bytes]]:
    return [
        ("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
        ("_rels/.rels", RELS % b""),
        ("word/document.xml", b'<?xml version="1.0"?><w:document>Jane Doe</w:document>'),
        *parts.items(),
    ]


def make_docx(*extra: tuple[str, bytes]) -> bytes:
    return make_zip([*docx_entries(), *extra])


def odt_entries() -> list[tuple[str, bytes]]:
    return [
        ("mimetype", ODT_TYPE.encode()),
        ("content.xml", b'<?xml version="1.0"?><office:document-content/>'),
        ("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest:manifest/>'),
    ]


def make_odt(*extra: tuple[str, bytes]) -> bytes:
    return make_zip([*odt_entries(), *extra], stored=("mimetype",))


def with_extra_directory_entries(document: bytes, count: int) -> bytes:
    """`document` with `count` more central-directory entries, all pointing at its last entry."""
    source = zipfile.ZipFile(io.BytesIO(document))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        template = archive.filelist[-1]
        for i in range(count):
            extra = copy.copy(template)
            extra.filename = f"{i:05x}"
            archive.filelist.append(extra)
    return buf.getvalue()


def test_zip_with_too_many_entries_is_refused() -> None:
    refused(with_extra_directory_entries(make_docx(), 2_001), "too many", code="unsupported_type")


def test_zip_whose_end_record_understates_its_entries_is_refused() -> None:
    data = bytearray(with_extra_directory_entries(make_docx(), 20_000))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8 : end + 12] = (3).to_bytes(2, "little") * 2  # "3 entries" on disk and in total
    refused(bytes(data), code="unsupported_type")


def test_zip_with_2000_entries_passes() -> None:
    pictures = [
        (f"word/media/image{i}.png", b"\x89PNG\r\n\x1a\n") for i in range(2_000 - len(docx_entries()))
    ]
    data = make_docx(*pictures)
    assert check(data).content_type == DOCX_TYPE


def test_zip_bomb_by_ratio_is_refused() -> None:
    refused(
        make_docx(("word/media/image1.png", b"\x00" * (8 * 1024 * 1024))), "unpacks", code="unsupported_type"
    )


def test_zip_declaring_a_huge_total_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, content in docx_entries():
            archive.writestr(name, content)
        for i in range(5):
            archive.writestr(f"word/media/image{i}.png", b"\x89PNG" + bytes(range(256)) * 16)
    data = bytearray(buf.getvalue())
    # Declare 50 MB uncompressed for each image in the central directory (the sizes the check reads).
    start = data.find(b"PK\x01\x02")
    while start != -1:
        name_len = int.from_bytes(data[start + 28 : start + 30], "little")
        if data[start + 46 : start + 46 + name_len].startswith(b"word/media/"):
            data[start + 24 : start + 28] = (50 * 1024 * 1024).to_bytes(4, "little")
        start = data.find(b"PK\x01\x02", start + 4)
    refused(bytes(data), "unpacks", code="unsupported_type")


def test_entries_compressed_other_than_deflate_are_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, content in docx_entries():
            archive.writestr(name, content, compress_type=zipfile.ZIP_BZIP2)
    refused(buf.getvalue(), code="unsupported_type")


@pytest.mark.parametrize(
    "name", ["../evil.xml", "/etc/cron.d/x", "word/../../x.xml", "C:\\x.xml", "\\\\srv\\x"]
)
def test_zip_entry_names_with_path_tricks_are_refused(name: str) -> None:
    refused(make_docx((name, b"<x/>")), "unsafe names", code="unsupported_type")


def test_encrypted_entries_are_refused() -> None:
    data = bytearray(make_docx(("word/media/image1.png", b"\x89PNG" + b"\x01" * 64)))
    central = data.rfind(b"PK\x01\x02")  # the last entry's central-directory record
    data[central + 8] |= 0x01
    refused(bytes(data), "password", code="unsupported_type")


@pytest.mark.parametrize(
    "extra",
    [
        ("word/media/chart.xlsx", b"a spreadsheet"),
        ("word/media/image1.png", make_zip([("a.xml", b"<a/>")])),  # a zip by content, not by name
        ("word/media/archive.zip", b"not even a zip"),
        ("word/media/image1.gz", zlib.compress(b"x")),
    ],
)
def test_nested_archives_are_refused(extra: tuple[str, bytes]) -> None:
    refused(make_docx(extra), "archive")


@pytest.mark.parametrize(
    "name",
    [
        "word/run.exe",
        "word/media/x.dll",
        "x.js",
        "a.vbs",
        "b.ps1",
        "c.bat",
        "d.cmd",
        "e.scr",
        "f.com",
        "g.msi",
        "h.jar",
        "i.sh",
        "J.EXE",
        "k.hta",
        "l.lnk",
    ],
)
def test_executable_entries_are_refused_by_name(name: str) -> None:
    refused(make_docx((name, b"harmless bytes")), "program")


@pytest.mark.parametrize("content", [PE, ELF, b"\xcf\xfa\xed\xfe" + b"\x00" * 16, b"#!/bin/sh\necho"])
def test_executable_entries_are_refused_by_content(content: bytes) -> None:
    refused(make_docx(("word/media/image1.png", content)), "program")


# --- DOCX ------------------------------------------------------------------------------------------

RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">%s'
    b"</Relationships>"
)
REL_TYPE = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def rel(kind: bytes, target: bytes, mode: bytes = b'TargetMode="External"') -> bytes:
    return b'<Relationship Id="rId9" Type="%s%s" Target="%s" %s/>' % (REL_TYPE, kind, target, mode)


def test_benign_docx_with_hyperlinks_and_images_passes() -> None:
    data = make_docx(
        (
            "word/_rels/document.xml.rels",
            RELS
            % (
                rel(b"hyperlink", b"https://www.linkedin.com/in/example")
                + rel(b"image", b"media/image1.png", b"")
                + rel(b"styles", b"styles.xml", b"")
            ),
        ),
        ("word/media/image1.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
        ("word/styles.xml", b"<w:styles/>"),
        ("word/printerSettings/printerSettings1.bin", b"\x00\x00Microsoft Print to PDF\x00" * 4),
        ("docProps/core.xml", b"<cp:coreProperties/>"),
    )
    assert check(data).content_type == DOCX_TYPE


@pytest.mark.parametrize(
    ("part", "relationship"),
    [
        ("word/_rels/settings.xml.rels", rel(b"attachedTemplate", b"https://x.test/template.dotm")),
        ("word/_rels/settings.xml.rels", rel(b"attachedTemplate", b"file://///x.test/share/t.dotm")),
        ("word/_rels/document.xml.rels", rel(b"image", b"https://x.test/pixel.png")),
        ("word/_rels/document.xml.rels", rel(b"oleObject", b"https://x.test/o.bin")),
        ("word/_rels/document.xml.rels", rel(b"subDocument", b"https://x.test/sub.docx")),
        ("word/_rels/webSettings.xml.rels", rel(b"frame", b"https://x.test/frame.html")),
        # Entity-escaped attribute value: an XML parser reads "External", a byte scan would not.
        (
            "word/_rels/settings.xml.rels",
            rel(b"attachedTemplate", b"https://x.test/t.dotm", b'TargetMode="&#69;xternal"'),
        ),
        ("WORD/_RELS/SETTINGS.XML.RELS", rel(b"attachedTemplate", b"https://x.test/t.dotm")),
    ],
)
def test_docx_loading_outside_content_is_refused(part: str, relationship: bytes) -> None:
    refused(make_docx((part, RELS % relationship)), "outside")


def test_docx_rels_with_a_doctype_is_refused() -> None:
    billion_laughs = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Relationships>&b;</Relationships>'
    )
    refused(make_docx(("word/_rels/document.xml.rels", billion_laughs)), code="unsupported_type")


@pytest.mark.parametrize(
    "extra",
    [
        ("word/embeddings/oleObject1.bin", OLE2),
        ("word/embeddings/Microsoft_Excel_Worksheet.xlsx", make_zip([("a.xml", b"<a/>")])),
        ("word/embeddings/oleObject1.bin", b"not even OLE"),
        ("word/activeX/activeX1.bin", OLE2),
        ("word/media/image1.emf", OLE2),  # OLE2 by content whatever the name
        ("word/_rels/document.xml.rels", RELS % rel(b"oleObject", b"embeddings/x.bin", b"")),
        ("word/_rels/document.xml.rels", RELS % rel(b"package", b"embeddings/x.xlsx", b"")),
    ],
)
def test_docx_with_embedded_objects_is_refused(extra: tuple[str, bytes]) -> None:
    refused(make_docx(extra), "embedded objects")


@pytest.mark.parametrize(
    "extra",
    [
        ("word/vbaProject.bin", b"anything"),
        ("word/VBAPROJECT.BIN", b"anything"),
        ("word/vbaData.xml", b"<wne:vbaSuppData/>"),
        (
            "word/_rels/document.xml.rels",
            RELS % b'<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/'
            b'vbaProject" Target="macros.bin"/>',
        ),
    ],
)
def test_docx_with_macros_is_refused(extra: tuple[str, bytes]) -> None:
    refused(make_docx(extra), "macros")


def test_docx_rels_that_is_not_xml_is_refused() -> None:
    refused(make_docx(("word/_rels/document.xml.rels", b"<Relationships><oops")), code="unsupported_type")


# --- ODT -------------------------------------------------------------------------------------------


def test_benign_odt_with_embedded_chart_passes() -> None:
    data = make_odt(
        ("styles.xml", b"<office:document-styles/>"),
        ("Pictures/1000.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
        ("Object 1/content.xml", b"<office:document-content/>"),
        ("ObjectReplacements/Object 1", b"SVM1\x00\x00"),
        ("Thumbnails/thumbnail.png", b"\x89PNG\r\n\x1a\n"),
    )
    assert check(data).content_type == ODT_TYPE


@pytest.mark.parametrize(
    "extra",
    [
        ("Basic/Standard/Module1.xml", b"<script:module>Sub Main</script:module>"),
        ("Basic/script-lc.xml", b"<library:libraries/>"),
        ("basic/Standard/Module1.xml", b"<script:module/>"),
        ("Scripts/python/evil.py", b"import os"),
        ("Scripts/javascript/x/x.txt", b"var x"),
    ],
)
def test_odt_with_macros_or_scripts_is_refused(extra: tuple[str, bytes]) -> None:
    refused(make_odt(extra), "macros")


@pytest.mark.parametrize(
    "extra",
    [("Object 1", OLE2), ("Object 2/Ole10Native", b"\x01\x02"), ("Object 3", b"binary data")],
)
def test_odt_with_binary_embedded_objects_is_refused(extra: tuple[str, bytes]) -> None:
    refused(make_odt(extra), "embedded objects")


def test_odt_with_an_executable_is_refused() -> None:
    refused(make_odt(("Pictures/setup.exe", PE)), "program")
