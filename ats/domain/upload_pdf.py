"""Refuse PDFs that pypdf cannot read or that carry active content (issue 9).

A file is a PDF only if a maintained parser (pypdf, on the bytes in memory) can read its
cross-reference table and trailer: "%PDF-" followed by a program or by text is not a document.
Then every indirect object the file lists, and everything reachable from the trailer, is looked
at once, up to a fixed budget, for what a viewer would run, launch, fetch or unpack:

- /JS, /JavaScript (document scripts, actions, the name tree), PDF 32000-1:2008 §12.6.4.16;
- /Launch, /ImportData, /SubmitForm and /GoToE actions (§12.6.4.5, .8, .15, .14 / 12.6.4.4);
- /AA additional actions and an /OpenAction that is an action (§12.6.3, §7.7.2), since both run
  without a click; an /OpenAction that is only a destination (page 1, fit) is harmless;
- embedded files: /EmbeddedFile(s), /EF file specifications, /FileAttachment annotations (§7.11.4);
- /RichMedia (Flash/video), /Rendition and /Movie (§13.2, §13.7), and /XFA forms (scriptable).

pypdf decodes names, so /Java#53cript is seen as /JavaScript (a byte search would miss it). Only
dictionaries and arrays are walked: content streams are never decoded, and pypdf caps what it
inflates (75 MB per stream by default).
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from ats.domain.errors import ValidationError
from ats.domain.upload_messages import MSG_EXECUTABLE, PRINT_TO_PDF, active, reject

# A CV written by Word, LibreOffice or pdfTeX holds a few hundred objects (a 36-page pdfTeX manual:
# 440); pypdf resolves one in ~0.1 ms, so the budgets bound the check on hostile files to ~0.5 s
# (bench/uploads.py) while leaving real documents far inside them.
MAX_OBJECTS = 5_000
MAX_NODES = 50_000

_AGAIN = f"Save it again without {{}} {PRINT_TO_PDF} and upload that."
_MSG_NOT_PDF = (
    "This file starts like a PDF but is not a readable PDF document. "
    f"Open it, save it again as PDF {PRINT_TO_PDF} and upload that."
)
_MSG_COMPLEX = (
    "This PDF is too complex to check (it holds too many objects for a CV). "
    f"Save a simpler copy {PRINT_TO_PDF} and upload that."
)
_MSG_LOCKED = "This PDF is password-protected. Save it again without a password and upload that."
_MSG_JS = "This PDF contains JavaScript. " + _AGAIN.format("scripts")
_MSG_LAUNCH = (
    "This PDF contains an action that starts a program, opens another file or sends data. "
    + _AGAIN.format("it")
)
_MSG_AUTOMATIC = "This PDF runs actions automatically when it is opened or viewed. " + _AGAIN.format("them")
_MSG_ATTACHED = "This PDF has files attached inside it. " + _AGAIN.format("the attachments")
_MSG_MEDIA = "This PDF contains embedded media (Flash, video or sound). " + _AGAIN.format("it")
_MSG_XFA = "This PDF is a dynamic (XFA) form, which can run scripts. " + _AGAIN.format("the form")

_ACTION_TYPES = {
    "/JavaScript": _MSG_JS,
    "/Launch": _MSG_LAUNCH,
    "/ImportData": _MSG_LAUNCH,
    "/SubmitForm": _MSG_LAUNCH,
    "/GoToE": _MSG_ATTACHED,
    "/RichMediaExecute": _MSG_MEDIA,
    "/Rendition": _MSG_MEDIA,
    "/Movie": _MSG_MEDIA,
    "/Sound": _MSG_MEDIA,
}
_KEYS = {
    "/JS": _MSG_JS,
    "/JavaScript": _MSG_JS,
    "/AA": _MSG_AUTOMATIC,
    "/EmbeddedFile": _MSG_ATTACHED,
    "/EmbeddedFiles": _MSG_ATTACHED,
    "/EF": _MSG_ATTACHED,
    "/RichMediaContent": _MSG_MEDIA,
    "/XFA": _MSG_XFA,
}
_SUBTYPES = {
    "/FileAttachment": _MSG_ATTACHED,
    "/RichMedia": _MSG_MEDIA,
    "/Movie": _MSG_MEDIA,
    "/Sound": _MSG_MEDIA,
}
class _Bytes(io.BytesIO):
    """The upload as a stream pypdf reads without copying it first: given a BytesIO, pypdf sizes
    it with getbuffer() (pypdf/_utils.get_stream_size), which makes BytesIO copy the whole file
    (its buffer is shared with the bytes object until then); without getbuffer, pypdf seeks and
    tells. A quarter of the check's CPU on a 1 MB CV (bench/intake.py)."""

    @property
    def getbuffer(self):  # type: ignore[override]  # hasattr() must answer False
        raise AttributeError("getbuffer")


# The line after "%PDF-x.y": where a program glued behind a PDF header starts.
_PROGRAM_AFTER_HEADER = re.compile(
    rb"%PDF-[^\r\n]{0,32}[\r\n]+(?:\x7fELF|MZ[^\r\n]{0,62}\x00|[\xce\xcf]\xfa\xed\xfe|\xfe\xed\xfa[\xce\xcf]|\xca\xfe\xba\xbe)"
)


def check_pdf(data: bytes, field: str) -> None:
    """Raise ValidationError unless `data` is a PDF pypdf can read, with no active content."""
    if _PROGRAM_AFTER_HEADER.match(data):
        raise reject(MSG_EXECUTABLE, field)
    try:
        reader = PdfReader(_Bytes(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise reject(_MSG_LOCKED, field)
        _walk(reader, field)
    except ValidationError:
        raise
    except Exception as exc:
        # pypdf raises PdfReadError, ValueError, KeyError, RecursionError (deep nesting), ...
        # on hostile input: all of them mean "not a PDF we can vouch for".
        raise reject(_MSG_NOT_PDF, field) from exc


def _walk(reader: PdfReader, field: str) -> None:
    listed = sum(len(ids) for ids in reader.xref.values()) + len(reader.xref_objStm)
    if listed > MAX_OBJECTS:
        raise reject(_MSG_COMPLEX, field)
    # Listed objects too, not only reachable ones: a viewer repairing a file may reach an object
    # the trailer does not.
    stack: list[object] = [reader.trailer]
    stack += [IndirectObject(idnum, gen, reader) for gen, ids in reader.xref.items() for idnum in ids]
    stack += [IndirectObject(idnum, 0, reader) for idnum in reader.xref_objStm]
    seen: set[tuple[int, int]] = set()
    nodes = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            ref = (item.idnum, item.generation)
            if ref in seen:
                continue
            seen.add(ref)
            if len(seen) > MAX_OBJECTS:
                raise reject(_MSG_COMPLEX, field)
            item = item.get_object()
        nodes += 1
        if nodes > MAX_NODES:
            raise reject(_MSG_COMPLEX, field)
        if isinstance(item, DictionaryObject):  # includes streams (their dictionaries)
            _inspect(item, field)
            children = item.values()  # raw values: IndirectObjects stay unresolved until popped
        elif isinstance(item, ArrayObject):
            children = item
        else:
            continue
        stack += [c for c in children if isinstance(c, DictionaryObject | ArrayObject | IndirectObject)]


def _inspect(entry: DictionaryObject, field: str) -> None:
    # Automatic actions first, so a script among them is named as JavaScript, not as "automatic".
    triggers = entry.get("/AA")
    if isinstance(triggers, DictionaryObject):
        for trigger in triggers.values():
            _inspect_action(trigger.get_object(), field)
        raise active(_MSG_AUTOMATIC, field)
    opening = entry.get("/OpenAction")
    if isinstance(opening, DictionaryObject) and opening.get("/S") != "/GoTo":
        # A destination array (go to page 1) is harmless; an action dictionary runs on opening.
        _inspect_action(opening, field)
        raise active(_MSG_AUTOMATIC, field)
    for key, message in _KEYS.items():
        if key in entry:
            raise active(message, field)
    action = _ACTION_TYPES.get(str(entry.get("/S", "")))
    if action is not None:
        raise active(action, field)
    subtype = _SUBTYPES.get(str(entry.get("/Subtype", "")))
    if subtype is not None or entry.get("/Type") == "/EmbeddedFile":
        raise active(subtype or _MSG_ATTACHED, field)


def _inspect_action(action: object, field: str) -> None:
    if isinstance(action, DictionaryObject):
        if "/JS" in action:
            raise active(_MSG_JS, field)
        message = _ACTION_TYPES.get(str(action.get("/S", "")))
        if message is not None:
            raise active(message, field)
