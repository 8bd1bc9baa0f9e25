"""Decompression bombs made in milliseconds, for the tests of the importers' and readers' limits (issue 28).

Small on disk, huge unpacked: a deflate stream of one block repeated (after a full flush a compressor starts
afresh, so every repeat compresses to the same bytes), written into a zip by hand so that nothing is compressed
twice. The bombs are real: each unpacks to the size its header says, with the right CRC.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

HEADER = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
FOOTER = "</sheetData></worksheet>"
DOCX_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w='
             '"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
DOCX_FOOT = "</w:body></w:document>"


def repeated(head: bytes, chunk: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """(raw deflate stream, CRC-32, unpacked size) of head + chunk * times + tail."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.compress(tail) + c.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    return start + block * times + end, crc & 0xFFFFFFFF, len(head) + len(chunk) * times + len(tail)


def write_zip(path: Path, members: dict[str, bytes | tuple[bytes, int, int]]) -> None:
    """A zip of `members`: bytes are deflated here, (stream, crc, size) triples are written as they are."""
    out, central = io.BytesIO(), []
    for name, member in members.items():
        if isinstance(member, bytes):
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            member = (c.compress(member) + c.flush(), zlib.crc32(member) & 0xFFFFFFFF, len(member))
        data, crc, size = member
        raw = name.encode()
        offset = out.tell()
        out.write(struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, 0, 8, 0, 0x21, crc, len(data), size, len(raw), 0))
        out.write(raw + data)
        central.append(struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 0, 20, 0, 0, 8, 0, 0x21, crc, len(data),
                                   size, len(raw), 0, 0, 0, 0, 0, offset) + raw)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), out.tell() - start, start, 0))
    path.write_bytes(out.getvalue())


def workbook_members(rows: list[list[str]]) -> dict[str, bytes]:
    """The members of a real one-sheet workbook (openpyxl) holding `rows`."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)  # type: ignore[union-attr]
    buf = io.BytesIO()
    book.save(buf)
    with zipfile.ZipFile(buf) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def make(path: Path, spec: dict[str, object]) -> None:
    """Write the file a corpus case describes: {"xlsx": {...}}, {"docx": {...}} or {"repeat": s, "times": n}."""
    if "repeat" in spec:
        path.write_text(str(spec["repeat"]) * int(spec["times"]), encoding="utf-8")  # type: ignore[call-overload]
        return
    if "xlsx" in spec:
        how: dict[str, object] = spec["xlsx"]  # type: ignore[assignment]
        members: dict[str, bytes | tuple[bytes, int, int]] = dict(workbook_members([["email", "name"],
                                                                                    ["al@uni.example.org", "Al"]]))
        parts: dict[str, dict[str, object]] = how.get("parts") or {str(how["member"]): how}  # type: ignore[assignment, attr-defined]
        for target, part in parts.items():
            if "rows" in part:  # rows with no numbers: a reader counts them as it goes
                row = b"<row><c><v>1</v></c></row>" * 1000
                members[target] = repeated(HEADER.encode(), row, int(part["rows"]) // 1000, FOOTER.encode())  # type: ignore[call-overload]
            else:
                fill = str(part["fill"]).encode()
                members[target] = repeated(b"", fill * 65536, int(part["bytes"]) // (65536 * len(fill)), b"")  # type: ignore[call-overload]
        write_zip(path, members)
        return
    how = spec["docx"]  # type: ignore[assignment]
    from docx import Document

    buf = io.BytesIO()
    Document().save(buf)
    import zipfile

    with zipfile.ZipFile(buf) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    paragraph = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 1000
    members["word/document.xml"] = repeated(DOCX_HEAD.encode(), paragraph, int(how["paragraphs"]) // 1000,  # type: ignore[call-overload]
                                            DOCX_FOOT.encode())
    write_zip(path, members)
