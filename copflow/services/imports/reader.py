"""Reading the spreadsheets staff already have (CSV or Excel) into rows, refusing what cannot be trusted.

A file-level problem (unreadable, wrong encoding, missing columns, too big) stops the import at once; a row's
problems are collected, so one dry run names every bad row (row number as the spreadsheet shows it, column,
reason) and nothing is written unless all rows are good. Size is checked before anything is read: the file on
disk, a workbook's parts as its zip directory declares them, then rows, columns and cells as they stream past
(notifications/input_limits.py holds the limits).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from copflow.services.errors import CopflowError
from lifecycle.safe_text import one_line
from notifications.input_limits import (
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    LimitExceeded,
    check_zip,
    count_in_part,
)

MAX_BYTES = MAX_FILE_BYTES
MAX_CELLS = 4_000_000  # rows × columns read from one table (200,000 rows of 20 columns)
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
# A cell a spreadsheet would run as a formula when the file is opened again (CSV/formula injection).
_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Problem:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}, {one_line(self.column)}" if self.column else f"row {self.row}"
        return f"{where}: {one_line(self.reason)}"


class ImportRejected(CopflowError):
    """The file has problems; nothing was written. Carries every problem found."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path, self.problems = path, list(problems)
        first = str(self.problems[0]) if self.problems else "unknown problem"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        count = f"{len(self.problems)} problem{'' if len(self.problems) == 1 else 's'}"
        super().__init__(f"{path}: {count}, nothing written; {first}{more}")


class FileRefused(CopflowError):
    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, one_line(reason)
        super().__init__(f"{path}: {self.reason}")


@dataclass
class Row:
    number: int
    cells: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)

    def text(self, column: str, *, required: bool = False, limit: int = 300) -> str | None:
        value = self.cells.get(column)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                self.problem(column, "is empty")
            return None
        if _FORMULA.match(text) and not _NUMBER.match(text):
            self.problem(column, f"looks like a spreadsheet formula ({text[:20]!r}); refused")
            return None
        if any(c in text for c in "\r\n\x00"):
            self.problem(column, "has a line break or NUL inside")
            return None
        if len(text) > limit:
            self.problem(column, f"is longer than {limit} characters")
            return None
        return text

    def day(self, column: str, *, required: bool = True, earliest: date | None = None,
            latest: date | None = None) -> date | None:
        raw = self.cells.get(column)
        if isinstance(raw, datetime):
            value: date | None = raw.date()
        elif isinstance(raw, date):
            value = raw
        else:
            text = self.text(column, required=required)
            if text is None:
                return None
            value = parse_day(text)
            if value is None:
                self.problem(column, f"{text!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")
                return None
        if value is not None and latest and value > latest:
            self.problem(column, f"{value} is in the future (after {latest})")
        elif value is not None and earliest and value < earliest:
            self.problem(column, f"{value} is before {earliest}, out of range")
        return value

    def problem(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.number, column, reason))


def parse_day(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S",
                "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def header_key(name: str) -> str:
    return "_".join(re.sub(r"[^a-z0-9]+", " ", str(name).lower()).split())


@dataclass
class Table:
    path: str
    columns: list[str]  # as in the file
    keys: list[str]  # header_key() of each column
    rows: list[Row]

    def require(self, *columns: str) -> None:
        missing = [c for c in columns if c not in self.keys]
        if missing:
            raise FileRefused(self.path, f"missing column(s): {', '.join(missing)} "
                                         f"(found: {', '.join(self.columns) or 'none'})")


def read_table(path: Path, *, aliases: dict[str, str] | None = None, progress: Progress | None = None) -> Table:
    """The file's rows keyed by normalised header (`aliases` maps alternative headers to ours)."""
    name = str(path)
    if not path.is_file():
        raise FileRefused(name, "no such file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise FileRefused(name, f"is {size:,} bytes, more than the {MAX_BYTES:,} an import accepts")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        header, raw_rows = _excel_rows(path)
    elif suffix in (".csv", ".txt"):
        header, raw_rows = _csv_rows(path)
    elif suffix == ".xls":
        raise FileRefused(name, "old Excel .xls files are not read; save it as .xlsx or CSV UTF-8")
    else:
        raise FileRefused(name, f"unknown file type {suffix or '(none)'!r}; give a .csv or .xlsx file")
    aliases = aliases or {}
    columns = [str(c).strip() if c is not None else "" for c in header]
    keys = [aliases.get(header_key(c), header_key(c)) for c in columns]
    dupes = sorted({k for k in keys if k and keys.count(k) > 1})
    if dupes:
        raise FileRefused(name, f"column(s) appear twice: {', '.join(dupes)}")
    rows: list[Row] = []
    total = len(raw_rows)
    for i, (number, values) in enumerate(raw_rows, 1):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        row = Row(number, {k: v for k, v in zip(keys, values, strict=False) if k})
        if len(values) > len(keys) and any(str(v).strip() for v in values[len(keys):] if v is not None):
            row.problem("", f"has {len(values)} cells but the header has {len(keys)} columns")
        rows.append(row)
        if progress and (i % 500 == 0 or i == total):
            progress(i, total)
    if not rows:
        raise FileRefused(name, "has no data rows: an import reads a table (.csv or .xlsx) with a header row, "
                                "then one row per record")
    return Table(name, columns, keys, rows)


def _csv_rows(path: Path) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        text = data.decode("utf-16")
    else:
        if b"\x00" in data:
            raise FileRefused(str(path), "contains NUL bytes: not a text file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise FileRefused(str(path), f"is not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); "
                                         "save it as 'CSV UTF-8'") from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader, None)
        if not header:
            raise FileRefused(str(path), "is empty: no header row")
        return _bounded(str(path), header, ((reader.line_num, values) for values in reader))
    except csv.Error as exc:
        raise FileRefused(str(path), f"is not valid CSV ({exc})") from None


def _bounded(name: str, header: list[Any], rows: Iterator[tuple[int, list[Any]]]
             ) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    """The header and the rows, read one by one and refused as soon as they pass a limit: a file of three
    million rows stops after 200,001 of them, not after all are in memory."""
    def too_wide(n: int) -> FileRefused:
        return FileRefused(name, f"has {n:,} columns, more than the {MAX_COLUMNS:,} an import reads")

    if len(header) > MAX_COLUMNS:
        raise too_wide(len(header))
    out: list[tuple[int, list[Any]]] = []
    cells = len(header)
    for number, values in rows:
        if len(out) == MAX_ROWS:
            raise FileRefused(name, f"has more than {MAX_ROWS:,} rows, the most an import reads")
        if len(values) > MAX_COLUMNS:
            raise too_wide(len(values))
        cells += len(values)
        if cells > MAX_CELLS:
            raise FileRefused(name, f"has more than {MAX_CELLS:,} cells, the most an import reads")
        out.append((number, list(values)))
    return header, out


def _excel_rows(path: Path) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook  # imported only for Excel files

    try:
        check_zip(path, streamed=lambda part: part.startswith("xl/worksheets/"))
        # Rows counted in the sheet's XML as it unpacks, before openpyxl opens it: without a <dimension> it
        # parses the whole sheet on opening, and a sheet of three million rows would take a minute.
        count_in_part(path, first_sheet(path), _ROW, MAX_ROWS + 1, "rows")
    except LimitExceeded as exc:
        message = f"has more than {MAX_ROWS:,} rows, the most an import reads" if exc.limit == MAX_ROWS + 1 \
            else str(exc)
        raise FileRefused(str(path), message) from None
    except (BadZipFile, OSError, KeyError) as exc:
        raise FileRefused(str(path), f"is not a readable Excel workbook ({type(exc).__name__})") from None
    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # a damaged workbook: openpyxl and its XML parser raise many kinds
        raise FileRefused(str(path), f"is not a readable Excel workbook ({type(exc).__name__})") from None
    try:
        sheet = book.worksheets[0]
        if (sheet.max_column or 0) > MAX_COLUMNS:  # the sheet's own dimension: rows are padded to it
            raise FileRefused(str(path), f"has {sheet.max_column:,} columns, more than the {MAX_COLUMNS:,} an "
                                         "import reads")
        it = sheet.iter_rows(values_only=True)
        header = next(it, None)
        if not header or all(v is None for v in header):
            raise FileRefused(str(path), "is empty: no header row on the first sheet")
        return _bounded(str(path), list(header), ((n, list(values)) for n, values in enumerate(it, 2)))
    except FileRefused:
        raise
    except Exception as exc:  # a damaged sheet inside a valid zip: openpyxl raises many kinds
        raise FileRefused(str(path), f"is not a readable Excel workbook ({type(exc).__name__})") from None
    finally:
        book.close()


def first_sheet(path: Path) -> str:
    """The zip part of a workbook's first sheet, as openpyxl finds it: the first <sheet> of xl/workbook.xml, through
    its relationship (both parts are small, bounded by check_zip). The usual part when they cannot be read: opening
    the workbook then says what is wrong with it."""
    import posixpath
    import zipfile
    from xml.etree import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        with zipfile.ZipFile(path) as zf:
            book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
            first = next(iter(book.iter(f"{main}sheet"))).get(rel)
            target = next(r.get("Target") for r in rels if r.get("Id") == first)
            part = target.lstrip("/") if target and target.startswith("/") else posixpath.normpath(f"xl/{target}")
            zf.getinfo(part)
            return part
    except (KeyError, StopIteration, ElementTree.ParseError, OSError, zipfile.BadZipFile, TypeError):
        return "xl/worksheets/sheet1.xml"
