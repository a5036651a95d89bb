"""Decide whether a zip is a DOCX or ODT we accept, within fixed bounds of time and memory.

Bounds first, from the end-of-central-directory record alone (APPNOTE.TXT §4.3.16, read by
zipfile's own routine so both see the same numbers): at most MAX_ENTRIES entries and a central
directory of at most MAX_DIRECTORY_BYTES. zipfile's parser walks the directory by its byte size,
not by the declared count, so both are capped before it runs: a 10 MB "DOCX" listing 200,000
entries took over a second to list (issue 9, item 5). Then, over the entries' declared sizes: at
most MAX_UNCOMPRESSED bytes in total and no entry over MAX_RATIO:1 (a "zip bomb", OWASP File
Upload Cheat Sheet); only stored or deflated entries (what Word and LibreOffice write; zipfile
reads bzip2/lzma entries without an output limit); no encrypted entry; no name that climbs out
(../) or starts at a root (zip-slip, APPNOTE §4.4.17.1).

Then active content (issue 9): programs and nested archives (by name and by their first bytes,
read 64 bytes per entry), OLE objects and ActiveX controls, macros, and for DOCX any relationship
that loads content from outside the file when it opens (a remote attachedTemplate is the classic
"template injection"; external hyperlinks only open on a click and are allowed).
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

from ats.domain.errors import ValidationError
from ats.domain.upload_messages import (
    MSG_ARCHIVE,
    MSG_DAMAGED,
    MSG_MACROS,
    SAVE_AS,
    active,
    reject,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"

MAX_ENTRIES = 2_000
MAX_DIRECTORY_BYTES = MAX_ENTRIES * 256  # room for 2,000 entries with long names and extras
MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 100  # checked on entries over RATIO_FLOOR: tiny XML parts compress far better
RATIO_FLOOR = 1024 * 1024
MAX_RELS_BYTES = 4 * 1024 * 1024  # all relationship parts together; a CV's are a few KB
_SNIFF = 64

_MSG_TOO_MANY = (
    f"This document has too many parts (more than {MAX_ENTRIES:,}) to be a CV. "
    f"Save it again from your word processor, or as PDF, and upload that. {SAVE_AS}"
)
_MSG_BOMB = (
    "This document unpacks to far more data than a CV needs. Save it again from your word "
    f"processor, or as PDF, and upload that. {SAVE_AS}"
)
_MSG_NAMES = (
    "This document contains files with unsafe names (such as ../ or absolute paths). "
    f"Save it again from your word processor and upload that. {SAVE_AS}"
)
_MSG_LOCKED = "This document is password-protected. Save it again without a password and upload that."
_MSG_PROGRAM_INSIDE = (
    "This document has a program or script file inside it. Remove it, or save the document as PDF, "
    "and upload that."
)
_MSG_NESTED = (
    "This document has another archive (such as a .zip or an embedded spreadsheet) inside it. "
    "Remove it, or save the document as PDF, and upload that."
)
_MSG_EMBEDDED = (
    "This document contains embedded objects (OLE objects or ActiveX controls from other programs). "
    "Remove them, or save the document as PDF, and upload that."
)
_MSG_OUTSIDE = (
    "This Word file loads content from outside the file when it opens (for example an attached "
    "template or a linked picture). Remove the links to outside content (or save it as PDF) and "
    "upload that."
)
_MSG_ODT_MACROS = (
    "This OpenDocument file contains macros or scripts, which are not accepted. Save it again "
    "without macros (or as PDF) and upload that."
)

_PROGRAM_EXTENSIONS = frozenset(
    {
        "exe",
        "dll",
        "com",
        "scr",
        "msi",
        "msp",
        "pif",
        "cpl",
        "sys",
        "drv",
        "ocx",
        "js",
        "jse",
        "vbs",
        "vbe",
        "wsf",
        "wsh",
        "hta",
        "ps1",
        "psm1",
        "bat",
        "cmd",
        "sh",
        "bash",
        "zsh",
        "csh",
        "py",
        "pl",
        "rb",
        "php",
        "jar",
        "class",
        "app",
        "dmg",
        "apk",
        "lnk",
        "reg",
        "inf",
        "scf",
        "url",
        "elf",
        "so",
        "dylib",
    }
)
_ARCHIVE_EXTENSIONS = frozenset(
    {
        "zip",
        "7z",
        "rar",
        "gz",
        "tgz",
        "bz2",
        "xz",
        "tar",
        "cab",
        "iso",
        "arj",
        "lz",
        "lzh",
        "zst",
        "docx",
        "docm",
        "dotm",
        "xlsx",
        "xlsm",
        "pptx",
        "pptm",
        "odt",
        "ods",
        "odp",
        "odg",
    }
)
_PROGRAMS = (
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
_ARCHIVES = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"PK\x07\x08",
    b"\x1f\x8b",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\xfd7zXZ\x00",
    b"BZh",
    b"MSCF",
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DRIVE = re.compile(r"^[A-Za-z]:")
_ODT_OBJECT = re.compile(r"(?i)^object \d+(/|$)")
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
# Internal relationships that pull in another program's object or code (ECMA-376 Part 1 §15.2).
_REL_EMBEDDED = ("/oleobject", "/package", "/control", "/activexcontrol", "/activexcontrolbinary")


def zip_kind(data: bytes, field: str) -> str:
    """DOCX or ODT, if `data` is one within the bounds and without active content."""
    try:
        _check_directory_bounds(data, field)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ENTRIES:
                raise reject(_MSG_TOO_MANY, field)
            names = {info.filename.lower() for info in infos}
            if _is_odt(archive, infos):
                kind = ODT
            # OPC part names are case-insensitive, so Word accepts "WORD/Document.xml" too.
            elif "[content_types].xml" in names and "word/document.xml" in names:
                kind = DOCX
            else:
                raise reject(MSG_ARCHIVE, field)
            _check_bounds(infos, field)
            # The kind's own rules before the generic ones, for the more precise message
            # (a vbaProject.bin is "macros" before it is "an OLE object").
            if kind == DOCX:
                _check_docx(archive, infos, field)
            else:
                _check_odt(infos, field)
            _check_contents(archive, infos, field)
            return kind
    except ValidationError:
        raise
    except Exception as exc:
        # zipfile raises a grab-bag (BadZipFile, ValueError, EOFError, OSError, RuntimeError,
        # NotImplementedError...) on hostile input; all of them mean "cannot accept this".
        raise reject(MSG_DAMAGED, field) from exc


def _check_directory_bounds(data: bytes, field: str) -> None:
    # zipfile's own end-record reader (private, but what ZipFile() itself calls next): no second
    # parser that could disagree with the one that lists the entries.
    end = zipfile._EndRecData(io.BytesIO(data))  # type: ignore[attr-defined]
    if end is None:
        raise reject(MSG_DAMAGED, field)
    if end[zipfile._ECD_ENTRIES_TOTAL] > MAX_ENTRIES or end[zipfile._ECD_SIZE] > MAX_DIRECTORY_BYTES:  # type: ignore[attr-defined]
        raise reject(_MSG_TOO_MANY, field)


def _is_odt(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> bool:
    if not infos:
        return False
    first = infos[0]
    # The ODF spec requires an uncompressed "mimetype" entry first in the file. Reading it only
    # when the declared sizes are tiny means a crafted entry can never make us inflate a bomb.
    if (
        first.filename != "mimetype"
        or first.header_offset != 0
        or first.compress_type != zipfile.ZIP_STORED
        or first.file_size > 100
        or first.compress_size > 100
    ):
        return False
    return archive.read(first) == ODT.encode("ascii")


def _check_bounds(infos: list[zipfile.ZipInfo], field: str) -> None:
    total = 0
    for info in infos:
        name = info.filename
        parts = re.split(r"[/\\]", name)
        if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts:
            raise reject(_MSG_NAMES, field)
        if info.flag_bits & 0x41:  # bit 0: encrypted; bit 6: strong encryption (APPNOTE §4.4.4)
            raise reject(_MSG_LOCKED, field)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise reject(MSG_DAMAGED, field)
        total += info.file_size
        ratio_too_high = info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size
        if total > MAX_UNCOMPRESSED or ratio_too_high:
            raise reject(_MSG_BOMB, field)


def _check_contents(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], field: str) -> None:
    for info in infos:
        if info.is_dir():
            continue
        extension = info.filename.rsplit(".", 1)[-1].lower() if "." in info.filename else ""
        if extension in _PROGRAM_EXTENSIONS:
            raise active(_MSG_PROGRAM_INSIDE, field)
        if extension in _ARCHIVE_EXTENSIONS:
            raise active(_MSG_NESTED, field)
        with archive.open(info) as entry:
            head = entry.read(_SNIFF)  # deflate output is capped per read: this inflates ~4 KB at most
        if head.startswith(_PROGRAMS) or (head.startswith(b"MZ") and b"\x00" in head):
            raise active(_MSG_PROGRAM_INSIDE, field)
        if head.startswith(_ARCHIVES):
            raise active(_MSG_NESTED, field)
        if head.startswith(_OLE2):
            vba = info.filename.lower().endswith("vbaproject.bin")
            raise active(MSG_MACROS if vba else _MSG_EMBEDDED, field)


def _check_docx(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], field: str) -> None:
    rels_bytes = 0
    for info in infos:
        lower = info.filename.lower()
        if lower.endswith(("vbaproject.bin", "vbadata.xml")):
            raise active(MSG_MACROS, field)
        if "/embeddings/" in f"/{lower}" or "/activex/" in f"/{lower}":
            raise active(_MSG_EMBEDDED, field)
        if not lower.endswith(".rels"):
            continue
        rels_bytes += info.file_size
        if rels_bytes > MAX_RELS_BYTES:
            raise reject(_MSG_BOMB, field)
        _check_relationships(archive.read(info), field)


def _check_relationships(xml: bytes, field: str) -> None:
    # A DOCTYPE has no place in an OPC part (ECMA-376 Part 2 §8.1.4 forbids it) and is the way in
    # to entity expansion ("billion laughs"): refuse it before any parser sees it.
    if re.search(rb"<!doctype|<!entity", xml, re.IGNORECASE):
        raise reject(MSG_DAMAGED, field)
    try:
        # No DTD can reach the parser (refused above), so no entity can expand: the known XML
        # attacks need one (defusedxml's checks are the same refusal).
        root = ElementTree.fromstring(xml)  # noqa: S314
    except ElementTree.ParseError as exc:
        raise reject(MSG_DAMAGED, field) from exc
    for relationship in root.iter(_REL):
        kind = relationship.get("Type", "").strip().lower()
        external = relationship.get("TargetMode", "").strip().lower() == "external"
        if external and not kind.endswith("/hyperlink"):
            raise active(_MSG_OUTSIDE, field)
        if kind.endswith("/vbaproject"):
            raise active(MSG_MACROS, field)
        if kind.endswith(_REL_EMBEDDED):
            raise active(_MSG_EMBEDDED, field)


def _check_odt(infos: list[zipfile.ZipInfo], field: str) -> None:
    for info in infos:
        lower = info.filename.lower()
        if lower.startswith(("basic/", "scripts/")):
            raise active(_MSG_ODT_MACROS, field)
        # Embedded objects: "Object N/" directories hold XML (a chart, a formula); anything else
        # is another program's data (an OLE object). "ObjectReplacements/" are preview pictures.
        if _ODT_OBJECT.match(info.filename) and not info.is_dir() and not lower.endswith(".xml"):
            raise active(_MSG_EMBEDDED, field)
