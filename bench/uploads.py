"""Upload-check benchmark: the worst time `check_upload` spends on hostile files of the upload limit.

    .venv/bin/python bench/uploads.py [--repeat 3] [--max-mb 10]

Every file is built in memory (nothing is written to disk) and checked `--repeat` times with
`ats.domain.uploads.check_upload`; the slowest run and the verdict (accepted type or refusal
code) are printed. The cases are the denial-of-service shapes of issue 9 item 5 and the parsers'
worst cases: a DOCX-looking zip whose central directory lists ~200,000 entries (all pointing at
one local header, so it stays near 10 MB), a PDF made of ~300,000 tiny objects, a deeply nested
PDF array, an RTF of 10 MB of control words, and a plain 10 MB text file as the baseline.
"""

from __future__ import annotations

import argparse
import copy
import io
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ats.domain.errors import ValidationError
from ats.domain.uploads import check_upload
from tests.helpers import write_pdf

MB = 1024 * 1024


def many_entry_docx(max_bytes: int) -> bytes:
    """[Content_Types].xml + word/document.xml, then central-directory entries up to the limit."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
        template = archive.filelist[-1]
        # ~51 bytes of central directory per extra entry: 46-byte record + a 5-character name.
        for i in range((max_bytes - 1024) // 51):
            info = copy.copy(template)
            info.filename = f"{i:05x}"[-5:]
            archive.filelist.append(info)
    return buf.getvalue()


def many_object_pdf(max_bytes: int) -> bytes:
    """A PDF whose body is ~300,000 tiny objects in one array (a classic xref/parse stress)."""
    count = max_bytes // 40
    head = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Extra 3 0 R >>\nendobj\n"
    head += b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    refs = b" ".join(b"%d 0 R" % n for n in range(4, 4 + count))
    out = bytearray(head + b"3 0 obj\n[" + refs + b"]\nendobj\n")
    for n in range(4, 4 + count):
        out += b"%d 0 obj\n<<>>\nendobj\n" % n
        if len(out) > max_bytes - 64:
            break
    out += b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    return bytes(out[:max_bytes])


def capped_object_pdf(max_bytes: int) -> bytes:
    """4,990 small objects with a valid cross-reference table: just inside the walk's budget."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    objects += [b"<< /N [%d [1 2 3] << /A 1 >>] >>" % n for n in range(4_988)]
    return write_pdf(objects)


def directory_at_cap_docx(max_bytes: int) -> bytes:
    """A central directory just under the byte cap (~10,900 entries) whose end record says 2,000."""
    data = bytearray(many_entry_docx(10_900 * 51 + 1024))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8 : end + 12] = (2_000).to_bytes(2, "little") * 2
    return bytes(data)


def nested_pdf(max_bytes: int) -> bytes:
    depth = (max_bytes - 200) // 2
    body = b"[" * depth + b"]" * depth
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /X " + body + b" >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def control_word_rtf(max_bytes: int) -> bytes:
    return b"{\\rtf1 " + b"\\par\\b0\\i0 " * ((max_bytes - 16) // 12) + b"}"


def plain_text(max_bytes: int) -> bytes:
    return (b"Jane Doe, software engineer. " * (max_bytes // 29 + 1))[:max_bytes]


CASES: dict[str, Callable[[int], bytes]] = {
    "zip-200k-entries": many_entry_docx,
    "zip-directory-at-cap": directory_at_cap_docx,
    "pdf-many-objects": many_object_pdf,
    "pdf-5k-objects": capped_object_pdf,
    "pdf-nested-arrays": nested_pdf,
    "rtf-control-words": control_word_rtf,
    "plain-text": plain_text,
}


def runs(data: bytes, max_bytes: int, repeat: int) -> Iterator[tuple[float, str]]:
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            verdict = check_upload(data, "cv", field="cv", max_bytes=max_bytes).content_type
        except ValidationError as error:
            verdict = f"refused ({error.code})"
        yield time.perf_counter() - started, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-mb", type=float, default=10)
    args = parser.parse_args()
    max_bytes = int(args.max_mb * MB)
    print(f"{'case':<20} {'size':>10} {'worst':>9}  verdict")
    for name, build in CASES.items():
        data = build(max_bytes)
        results = list(runs(data, max_bytes, args.repeat))
        worst = max(seconds for seconds, _ in results)
        print(f"{name:<20} {len(data):>10} {worst * 1000:>7.1f}ms  {results[-1][1]}")


if __name__ == "__main__":
    main()
