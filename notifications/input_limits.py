"""How much of a file copflow reads, checked before it is read (issue 28): the size on disk; for a zip (a workbook,
a Word document) every part's unpacked size from the zip's own directory, before anything is unpacked; rows,
columns and paragraphs counted as they stream past; JSON's nesting before it is parsed. Each refusal is one
`LimitExceeded` naming the limit; the importers and readers turn it into their own one-line error.

The table of limits (docs/security.md, "Limits") is this module's constants.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from lifecycle.errors import CopflowError

MAX_FILE_BYTES = 20 * 1024 * 1024  # a spreadsheet, a board's export, a report, as it lies on disk
MAX_PART_BYTES = 32 * 1024 * 1024  # any one part of a zip, unpacked (a workbook's shared strings, a document)
MAX_SHEET_BYTES = 128 * 1024 * 1024  # a worksheet, unpacked: read as a stream, row by row
MAX_UNPACKED_BYTES = 192 * 1024 * 1024  # every part of a zip together, unpacked
MAX_PARTS = 2_000  # parts of one zip
MAX_ROWS = 200_000  # rows of a table, header and empty rows included
MAX_COLUMNS = 500  # columns of a table
MAX_PARAGRAPHS = 50_000  # paragraphs of a Word document
MAX_PDF_PAGES = 500  # pages of a PDF
MAX_JSON_DEPTH = 64  # arrays and objects inside one another (a Trello board's export goes 5 deep)


class LimitExceeded(CopflowError):
    """A file is larger than copflow reads; `limit` is the limit, `value` what the file has (or declares)."""


def check_file_size(path: Path, limit: int = MAX_FILE_BYTES) -> None:
    size = path.stat().st_size
    if size > limit:
        raise LimitExceeded(f"is {size:,} bytes, more than the {limit:,} a file may be", value=size, limit=limit)


def check_zip(path: Path, *, streamed: Callable[[str], bool] = lambda name: False) -> None:
    """Refuse a zip whose directory declares too many parts, or parts that unpack to more than the limits
    (`streamed` parts, read as a stream, may be larger). What is declared is what is read: Python's zipfile
    stops a part at its declared size, so a part that lies about its size cannot unpack to more."""
    with zipfile.ZipFile(path) as zf:
        parts = zf.infolist()
        if len(parts) > MAX_PARTS:
            raise LimitExceeded(f"holds {len(parts):,} parts, more than the {MAX_PARTS:,} a file may",
                                value=len(parts), limit=MAX_PARTS)
        total = 0
        for part in parts:
            limit = MAX_SHEET_BYTES if streamed(part.filename) else MAX_PART_BYTES
            if part.file_size > limit:
                raise LimitExceeded(f"{part.filename} unpacks to {part.file_size:,} bytes, more than the {limit:,} "
                                    "one part of a file may", value=part.file_size, limit=limit)
            total += part.file_size
        if total > MAX_UNPACKED_BYTES:
            raise LimitExceeded(f"unpacks to {total:,} bytes in all, more than the {MAX_UNPACKED_BYTES:,} an import "
                                "reads", value=total, limit=MAX_UNPACKED_BYTES)


def count_in_part(path: Path, part: str, pattern: re.Pattern[bytes], limit: int, what: str) -> int:
    """How often `pattern` occurs in one part of a zip, counted in chunks as it unpacks; LimitExceeded as soon as
    it passes `limit`, so a document of a million paragraphs is refused after 50,000 of them."""
    count, carry = 0, b""
    overlap = 32  # longer than any pattern we count: a match split across two chunks is found once
    with zipfile.ZipFile(path) as zf, zf.open(part) as f:
        while chunk := f.read(1 << 20):
            data = carry + chunk
            cut = max(len(data) - overlap, 0)
            count += sum(1 for m in pattern.finditer(data) if m.start() < cut)
            carry = data[cut:]
            if count > limit:
                raise LimitExceeded(f"has more than {limit:,} {what}", value=count, limit=limit)
        count += sum(1 for _ in pattern.finditer(carry))
    if count > limit:
        raise LimitExceeded(f"has more than {limit:,} {what}", value=count, limit=limit)
    return count


_TOKEN = re.compile(r'["\[\]{}]')
_STRING_REST = re.compile(r'(?:[^"\\]++|\\.)*+"', re.DOTALL)  # possessive: never backtracks


def check_json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than `limit` before json.loads, which recurses once per level (100 KB of "["
    is a RecursionError). One pass, left to right; brackets inside strings do not count, and an unterminated
    string ends the check (json.loads then says what is wrong)."""
    depth, pos = 0, 0
    while m := _TOKEN.search(text, pos):
        if m.group() == '"':
            rest = _STRING_REST.match(text, m.end())
            if rest is None:
                return
            pos = rest.end()
            continue
        depth += 1 if m.group() in "[{" else -1
        if depth > limit:
            raise LimitExceeded(f"is nested more than {limit} deep (arrays and objects inside one another)",
                                value=depth, limit=limit)
        pos = m.end()
