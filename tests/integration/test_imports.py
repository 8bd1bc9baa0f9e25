"""Importers on SQLite and PostgreSQL: good CSV and Excel files land; every kind of bad row is named precisely
(row, column, reason) and nothing at all is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from copflow.db.models import Activity, Attendance, Membership, Person, SurveyAnswer
from copflow.db.uow import UnitOfWork
from copflow.services.imports import FileRefused, ImportRejected
from copflow.services.imports import reader as reader_module
from copflow.services.imports.activities import import_activities, import_attendance
from copflow.services.imports.people import import_people
from copflow.services.imports.survey import import_survey
from tests.integration.helpers import D, P, at, proposed

NOW = at(100)  # 2025-04-16; the CoP was proposed on 2025-01-06
BY = f"odm@{D}"
TABLES = (Person, Membership, Activity, Attendance, SurveyAnswer)


def counts(url: str) -> dict[str, int]:
    with UnitOfWork(url) as u:
        return {m.__tablename__: u.session.scalar(select(func.count()).select_from(m)) for m in TABLES}


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def xlsx(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / name)
    return tmp_path / name


PEOPLE = (f"email,name,department,line_manager,cop,role\n"
          f"eve@{D},Eve Stone,IT,boss9@{D},data-insight,wider\n"
          f"Fay@{D.upper()},Fay Wu,HR,,data-insight,core\n"
          f"gus@{D},Gus Ó Briain,Estates,,,\n")


def test_people_from_csv_then_excel_add_update_and_join(db_url, tmp_path):
    proposed(db_url)
    before = counts(db_url)
    dry = import_people(UnitOfWork(db_url), write(tmp_path, "p.csv", PEOPLE), now=NOW, policy=P, dry_run=True)
    assert dry.counts == {"people added": 3, "memberships added": 2} and counts(db_url) == before
    r = import_people(UnitOfWork(db_url), write(tmp_path, "p.csv", PEOPLE), now=NOW, policy=P)
    assert r.counts == {"people added": 3, "memberships added": 2}
    again = import_people(UnitOfWork(db_url), xlsx(tmp_path, "p.xlsx", [
        ["Email address", "Full name", "Dept", "Line manager email"],
        [f"gus@{D}", "Gus Ó Briain", "Research", None]]), now=NOW, policy=P)
    assert again.counts == {"people updated": 1}
    with UnitOfWork(db_url) as u:
        fay = u.session.scalar(select(Person).where(Person.email == f"fay@{D.lower()}"))
        gus = u.session.scalar(select(Person).where(Person.email == f"gus@{D}"))
        assert fay is not None and fay.department == "HR"  # address normalised: one person, one row
        assert gus is not None and gus.department == "Research"
    assert counts(db_url)["membership"] == before["membership"] + 2


def test_attendance_activities_and_survey_land(db_url, tmp_path):
    proposed(db_url)
    attendance = write(tmp_path, "a.csv", "Community;Event;Date;Attendee email;Type\n"
                                          f"data-insight;Pivot tables;2025-03-06;ann@{D};lunch & learn\n"
                                          f"data-insight;Pivot tables;06/03/2025;bob@{D};lunch & learn\n"
                                          f"data-insight;Data week;2025-04-01;cat@{D};seminar\n")
    r = import_attendance(UnitOfWork(db_url), attendance, by=BY, now=NOW, policy=P)
    assert r.counts == {"events added": 2, "attendances added": 3}
    outputs = write(tmp_path, "o.csv", "cop,kind,title,date,link\n"
                                       "data-insight,blog post,What we learnt,2025-04-02,https://blog.x/1\n"
                                       "data-insight,Funding bid,Dashboards,2025-04-03,\n", encoding="utf-16")
    assert import_activities(UnitOfWork(db_url), outputs, by=BY, now=NOW, policy=P).counts == {"activities added": 2}
    survey = write(tmp_path, "s.csv", "ID,Start time,Completion time,Email,Name,Belonging,The venue guide helps\n"
                                      "1,2025-04-10 10:00:00,2025-04-10 10:05:00,anonymous,,Agree,Strongly agree\n"
                                      "2,2025-04-11 10:00:00,2025-04-11 10:05:00,anonymous,,Disagree,\n")
    s = import_survey(UnitOfWork(db_url), survey, slug="data-insight", survey="spring", now=NOW, policy=P)
    assert s.counts == {"responses added": 2, "answers added": 3}
    with UnitOfWork(db_url) as u:
        kinds = sorted(u.session.scalars(select(Activity.kind)))
        answers = {(a.respondent, a.statement_key, a.answer, a.benchmark)
                   for a in u.session.scalars(select(SurveyAnswer))}
    assert kinds == ["blog", "funding_bid", "lunch_and_learn", "seminar"]
    assert answers == {("1", "belonging", 4, 89), ("1", "the_venue_guide_help", 5, None), ("2", "belonging", 2, 89)}


BAD_PEOPLE = (f"email,name,department,line_manager,cop,role\n"
              f"not-an-address,Al,IT,,,\n"                                  # row 2
              f"bo@{D},=HYPERLINK(\"http://evil\"),IT,,,\n"                 # row 3
              f"cy@{D},Cy <script>,IT,,,\n"                                 # row 4
              f"di@{D},Di,IT,,no-such-cop,core\n"                           # row 5
              f"ed@{D},Ed,IT,,data-insight,captain\n"                       # row 6
              f"fi@{D},Fi,IT,not-a-manager,,\n"                             # row 7
              f"gu@{D},Gu,IT,,,\n"                                          # row 8
              f"gu@{D},Gu,IT,,,\n"                                          # row 9: duplicate
              f"hy@{D},,IT,,,\n"                                            # row 10
              f"iv@{D},Iv,IT,,,lead\n")                                     # row 11: role without CoP


def test_every_bad_row_is_named_and_nothing_is_written(db_url, tmp_path):
    proposed(db_url)
    before = counts(db_url)
    with pytest.raises(ImportRejected) as e:
        import_people(UnitOfWork(db_url), write(tmp_path, "bad.csv", BAD_PEOPLE), now=NOW, policy=P)
    got = {(p.row, p.column): p.reason for p in e.value.problems}
    assert "is not a valid email address" in got[(2, "email")]
    assert "looks like a spreadsheet formula" in got[(3, "name")]
    assert got[(4, "name")] == "must not contain < or >"
    assert got[(5, "cop")] == "no CoP 'no-such-cop'"
    assert "unknown role 'captain'" in got[(6, "role")]
    assert "not a valid email address" in got[(7, "line_manager")]
    assert got[(9, "email")] == "duplicate of row 8"
    assert got[(10, "name")] == "is empty"
    assert got[(11, "cop")] == "a role needs the CoP it is held in"
    assert len(e.value.problems) == 9 and str(e.value).startswith(f"{tmp_path / 'bad.csv'}: 9 problems, nothing written")
    assert counts(db_url) == before


def test_attendance_refuses_unknown_people_dates_out_of_range_and_repeats(db_url, tmp_path):
    proposed(db_url)
    first = write(tmp_path, "a.csv", f"cop,title,date,email\ndata-insight,Talk,2025-03-06,ann@{D}\n")
    import_attendance(UnitOfWork(db_url), first, by=BY, now=NOW, policy=P)
    before = counts(db_url)
    bad = write(tmp_path, "b.csv", "cop,title,date,email,kind\n"
                                   f"data-insight,Talk,2025-03-06,nobody@{D},\n"         # 2 unknown person
                                   f"data-insight,Talk,2026-01-01,ann@{D},\n"            # 3 in the future
                                   f"data-insight,Talk,2024-12-01,ann@{D},\n"            # 4 before the CoP
                                   f"data-insight,Talk,2025-03-06,ann@{D},\n"            # 5 already recorded
                                   f"data-insight,Later,2025-04-01,bob@{D},\n"
                                   f"data-insight,Later,2025-04-01,bob@{D},\n"           # 7 duplicate
                                   f"data-insight,Later,31/02/2025,bob@{D},\n"           # 8 not a date
                                   f"data-insight,Blog,2025-04-01,bob@{D},blog\n")       # 9 output
    with pytest.raises(ImportRejected) as e:
        import_attendance(UnitOfWork(db_url), bad, by=BY, now=NOW, policy=P)
    got = {(p.row, p.column): p.reason for p in e.value.problems}
    assert got[(2, "email")] == f"unknown person nobody@{D}; import people first"
    assert got[(3, "date")] == "2026-01-01 is in the future (after 2025-04-16)"
    assert got[(4, "date")] == "2024-12-01 is before 2025-01-06, out of range"
    assert got[(5, "email")] == ("already recorded as attending 'Talk' on 2025-03-06 "
                                 "(--skip-existing passes over these)")
    assert got[(7, "email")] == "duplicate of row 6"
    assert got[(8, "date")] == "'31/02/2025' is not a date (YYYY-MM-DD or DD/MM/YYYY)"
    assert got[(9, "kind")] == "a blog is an output: it has no attendance"
    assert counts(db_url) == before


def test_a_sheet_kept_all_year_imports_again_with_only_its_new_rows_written(db_url, tmp_path):
    proposed(db_url)
    march = f"cop,title,date,email\ndata-insight,Talk,2025-03-06,ann@{D}\ndata-insight,Talk,2025-03-06,bob@{D}\n"
    import_attendance(UnitOfWork(db_url), write(tmp_path, "a.csv", march), by=BY, now=NOW, policy=P)
    april = write(tmp_path, "a.csv", march + f"data-insight,Talk,2025-03-06,cat@{D}\n"
                                             f"data-insight,Later,2025-04-01,ann@{D}\n")
    before = counts(db_url)
    with pytest.raises(ImportRejected) as refused:  # without the flag a repeat is still a mistake
        import_attendance(UnitOfWork(db_url), april, by=BY, now=NOW, policy=P)
    assert [p.row for p in refused.value.problems] == [2, 3] and counts(db_url) == before
    dry = import_attendance(UnitOfWork(db_url), april, by=BY, now=NOW, policy=P, dry_run=True, skip_existing=True)
    assert counts(db_url) == before and dry.skipped == 2
    r = import_attendance(UnitOfWork(db_url), april, by=BY, now=NOW, policy=P, skip_existing=True)
    assert r.counts == {"events added": 1, "attendances added": 2} and r.skipped == 2
    assert r.summary().endswith("wrote 1 event added, 2 attendances added; 2 already recorded, skipped")
    assert counts(db_url)["attendance"] == before["attendance"] + 2
    again = import_attendance(UnitOfWork(db_url), april, by=BY, now=NOW, policy=P, skip_existing=True)
    assert again.counts == {"events added": 0, "attendances added": 0} and again.skipped == 4
    # Duplicates inside one file stay mistakes, flag or not.
    doubled = write(tmp_path, "d.csv", march + f"data-insight,Talk,2025-03-06,ann@{D}\n")
    with pytest.raises(ImportRejected, match="1 problem"):
        import_attendance(UnitOfWork(db_url), doubled, by=BY, now=NOW, policy=P, skip_existing=True)

    outputs = "cop,kind,title,date\ndata-insight,blog,Post,2025-03-01\n"
    import_activities(UnitOfWork(db_url), write(tmp_path, "o.csv", outputs), by=BY, now=NOW, policy=P)
    more = write(tmp_path, "o.csv", outputs + "data-insight,blog,Second post,2025-04-01\n")
    with pytest.raises(ImportRejected, match="1 problem"):
        import_activities(UnitOfWork(db_url), more, by=BY, now=NOW, policy=P)
    r = import_activities(UnitOfWork(db_url), more, by=BY, now=NOW, policy=P, skip_existing=True)
    assert r.counts == {"activities added": 1} and r.skipped == 1

    export = [["ID", "Completion time", "Belonging"], [1, None, "Agree"], [2, None, "Disagree"]]
    import_survey(UnitOfWork(db_url), xlsx(tmp_path, "s.xlsx", export), slug="data-insight", survey="s", now=NOW,
                  policy=P)
    later = xlsx(tmp_path, "s.xlsx", [*export, [3, None, "Strongly agree"]])  # the same form, exported again
    with pytest.raises(ImportRejected, match="2 problem"):
        import_survey(UnitOfWork(db_url), later, slug="data-insight", survey="s", now=NOW, policy=P)
    r = import_survey(UnitOfWork(db_url), later, slug="data-insight", survey="s", now=NOW, policy=P,
                      skip_existing=True)
    assert r.counts == {"responses added": 1, "answers added": 1} and r.skipped == 2
    assert counts(db_url)["survey_answer"] == 3


def test_activities_and_survey_bad_rows(db_url, tmp_path):
    proposed(db_url)
    before = counts(db_url)
    bad = write(tmp_path, "o.csv", "cop,kind,title,date\n"
                                   "data-insight,picnic,Fun,2025-03-01\n"
                                   "data-insight,blog,@SUM(A1),2025-03-01\n"
                                   "data-insight,blog,Post,2025-03-01\n"
                                   "data-insight,blog,Post,2025-03-01\n")
    with pytest.raises(ImportRejected) as e:
        import_activities(UnitOfWork(db_url), bad, by=BY, now=NOW, policy=P)
    got = {(p.row, p.column): p.reason for p in e.value.problems}
    assert "unknown activity kind 'picnic'" in got[(2, "kind")]
    assert "spreadsheet formula" in got[(3, "title")] and got[(5, "title")] == "duplicate of row 4"
    survey = xlsx(tmp_path, "s.xlsx", [["ID", "Completion time", "Skills"], [1, None, "Agree"], [1, None, "Agree"],
                                       [2, None, "Maybe"], [3, None, "=1+1"]])
    with pytest.raises(ImportRejected) as e:
        import_survey(UnitOfWork(db_url), survey, slug="data-insight", survey="s", now=NOW, policy=P)
    got = {(p.row, p.column): p.reason for p in e.value.problems}
    assert got[(3, "ID")] == "response 1 appears twice (also row 2)"
    assert "unknown survey answer 'Maybe'" in got[(4, "Skills")]
    assert "spreadsheet formula" in got[(5, "skills")]
    assert counts(db_url) == before


@pytest.mark.parametrize(("name", "content", "message"), [
    ("p.csv", b"email,department\nx@uni.example.org,IT\n", "missing column(s): name (found: email, department)"),
    ("p.csv", "email,name\nann@uni.example.org,Zo\xe9\n".encode("latin-1"), "is not UTF-8 (byte 0xe9 on line 2)"),
    ("p.csv", b"email,name\n", "has no data rows"),
    ("p.csv", b"", "is empty: no header row"),
    ("p.csv", b"email,name,email\na@b.org,A,a@b.org\n", "column(s) appear twice: email"),
    ("p.csv", b"email,name\n\x00\x01\x02", "contains NUL bytes"),
    ("p.xls", b"\xd0\xcf\x11\xe0", "old Excel .xls files are not read"),
    ("p.xlsx", b"PK\x03\x04 not really a workbook", "is not a readable Excel workbook"),
    ("p.json", b"{}", "unknown file type '.json'"),
])
def test_files_that_cannot_be_read_are_refused_whole(db_url, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    before = counts(db_url)
    with pytest.raises(FileRefused) as e:
        import_people(UnitOfWork(db_url), path, now=NOW, policy=P)
    assert message in str(e.value)
    assert counts(db_url) == before


def test_oversize_files_are_refused_before_reading(db_url, tmp_path, monkeypatch):
    monkeypatch.setattr(reader_module, "MAX_BYTES", 100)
    path = write(tmp_path, "big.csv", "email,name\n" + "".join(f"p{i}@{D},P {i}\n" for i in range(20)))
    with pytest.raises(FileRefused, match=r"more than the 100 an import accepts"):
        import_people(UnitOfWork(db_url), path, now=NOW, policy=P)
    assert counts(db_url)["person"] == 0


def test_progress_is_reported_for_large_files(db_url, tmp_path):
    path = write(tmp_path, "many.csv", "email,name\n" + "".join(f"p{i}@{D},Person {i}\n" for i in range(1200)))
    seen: list[tuple[int, int]] = []
    r = import_people(UnitOfWork(db_url), path, now=NOW, policy=P, progress=lambda d, t: seen.append((d, t)))
    assert r.counts == {"people added": 1200}
    assert seen == [(500, 1200), (1000, 1200), (1200, 1200)]
