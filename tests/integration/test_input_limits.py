"""Inputs bounded before they are read (issue 28, break 6): the limits hold at their edges, and what is within them
is read as before. The bombs (tests/bombs.py) are real: small on disk, huge unpacked. The CLI's one-line refusals
are in tests/corpus/bad_input.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from copflow.services.imports.reader import FileRefused, first_sheet, read_table
from notifications.documents import UnreadableDocument, document_text
from notifications.input_limits import (
    MAX_JSON_DEPTH,
    MAX_PARAGRAPHS,
    MAX_PART_BYTES,
    LimitExceeded,
    check_json_depth,
    check_zip,
    count_in_part,
)
from tests.bombs import make, repeated, workbook_members, write_zip


def test_a_part_that_unpacks_past_its_limit_is_refused_from_the_directory_alone(tmp_path):
    book = tmp_path / "b.xlsx"
    make(book, {"xlsx": {"member": "xl/styles.xml", "fill": " ", "bytes": MAX_PART_BYTES + 65536}})
    assert book.stat().st_size < 100_000
    with pytest.raises(LimitExceeded) as err:
        check_zip(book)
    assert (err.value.limit, err.value.value) == (MAX_PART_BYTES, MAX_PART_BYTES + 65536)
    with pytest.raises(FileRefused, match=r"xl/styles.xml unpacks to 33,619,968 bytes"):
        read_table(book)


def test_the_first_sheet_is_counted_and_read_whatever_the_others_hold(tmp_path):
    members: dict[str, bytes | tuple[bytes, int, int]] = dict(
        workbook_members([["email", "name"], ["al@uni.example.org", "Al"]]))
    # The book's first sheet is a part of another name (a relative target), and sheet1.xml, which the book does not
    # list, holds three million rows: only the sheet the import reads is counted.
    members["xl/worksheets/data.xml"] = members.pop("xl/worksheets/sheet1.xml")
    for part in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
        members[part] = members[part].replace(b'Target="/xl/worksheets/sheet1.xml"',  # type: ignore[union-attr]
                                              b'Target="worksheets/data.xml"').replace(
            b"/xl/worksheets/sheet1.xml", b"/xl/worksheets/data.xml")
    members["xl/worksheets/sheet1.xml"] = repeated(b"<worksheet><sheetData>", b"<row><c><v>1</v></c></row>" * 1000,
                                                   3000, b"</sheetData></worksheet>")
    book = tmp_path / "b.xlsx"
    write_zip(book, members)
    assert first_sheet(book) == "xl/worksheets/data.xml"
    assert [r.cells for r in read_table(book).rows] == [{"email": "al@uni.example.org", "name": "Al"}]


def test_a_sheet_just_under_the_row_limit_is_read_and_one_over_is_refused(tmp_path):
    from notifications.input_limits import MAX_ROWS

    sheet = tmp_path / "p.csv"
    sheet.write_text("email,name\n" + "a@x.org,A\n" * MAX_ROWS, encoding="utf-8")
    assert len(read_table(sheet).rows) == MAX_ROWS
    sheet.write_text("email,name\n" + "a@x.org,A\n" * (MAX_ROWS + 1), encoding="utf-8")
    with pytest.raises(FileRefused, match="has more than 200,000 rows, the most an import reads"):
        read_table(sheet)


@pytest.mark.parametrize("paragraphs, refused", [(MAX_PARAGRAPHS, False), (MAX_PARAGRAPHS + 1000, True)])
def test_paragraphs_are_counted_as_the_document_unpacks(tmp_path, paragraphs, refused):
    doc = tmp_path / "lessons.docx"
    make(doc, {"docx": {"paragraphs": paragraphs}})
    pattern = re.compile(rb"<w:p[\s>/]")
    if refused:
        with pytest.raises(UnreadableDocument, match="has more than 50,000 paragraphs"):
            document_text(doc)
        with pytest.raises(LimitExceeded):
            count_in_part(doc, "word/document.xml", pattern, MAX_PARAGRAPHS, "paragraphs")
    else:
        assert count_in_part(doc, "word/document.xml", pattern, MAX_PARAGRAPHS, "paragraphs") == paragraphs
        assert document_text(doc).count("x") == paragraphs


def test_json_nesting_is_measured_outside_strings_before_parsing():
    check_json_depth("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    with pytest.raises(LimitExceeded) as err:
        check_json_depth("[" * (MAX_JSON_DEPTH + 1))
    assert err.value.limit == MAX_JSON_DEPTH
    check_json_depth(json.dumps({"cards": [{"name": "[" * 10_000 + '{"\\"', "desc": "}" * 500}]}))
    check_json_depth('"unterminated [[[[')  # json.loads will say what is wrong with it
    with pytest.raises(LimitExceeded):
        check_json_depth(json.dumps({"a": "\\\"["}) + "[" * 100)


def test_a_trello_export_nested_deeply_is_refused_in_one_line(tmp_path):
    from copflow.services.imports.trello import read_board

    board = tmp_path / "board.json"
    board.write_text('{"cards": ' + "[" * 100_000, encoding="utf-8")
    with pytest.raises(FileRefused, match="is nested more than 64 deep"):
        read_board(board, members={}, done_list="Done", timezone="UTC", targets=())


def test_an_archive_part_is_hashed_as_a_stream(tmp_path):
    """`archive verify` of a manifest listing a 100 MB part: read in chunks, never held whole."""
    import hashlib
    import tracemalloc

    from notifications.archive import verify_archive

    big = 100 * 1024 * 1024
    digest = hashlib.sha256()
    for _ in range(big // 65536):
        digest.update(b" " * 65536)
    manifest = {"files": [{"path": "big.txt", "size": big, "sha256": digest.hexdigest()}]}
    write_zip(tmp_path / "a.zip", {"manifest.json": json.dumps(manifest).encode(),
                                    "big.txt": repeated(b"", b" " * 65536, big // 65536, b"")})
    tracemalloc.start()
    v = verify_archive(Path(tmp_path / "a.zip"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert v.ok, v.problems
    assert peak < 20 * 1024 * 1024
