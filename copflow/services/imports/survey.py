"""Import a survey export (Microsoft Forms: one row per response, one column per statement, Likert answers).

Statements whose text (or key) matches one of the 2021 impact survey's are compared with its benchmark; any
other statement column is kept as the CoP's own question. Responses are kept by response id, not by name.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from copflow.db.models import SurveyAnswer
from copflow.db.uow import UnitOfWork
from copflow.services import validation as v
from copflow.services.clock import local_date
from copflow.services.errors import InvalidInput
from copflow.services.imports.common import ImportResult, checked, finish
from copflow.services.imports.reader import FileRefused, Progress, read_table
from copflow.services.snapshots import get_cop
from lifecycle import Policy
from lifecycle.practice import find_statement, parse_likert

# Forms' bookkeeping columns: not statements.
META = {"id", "start_time", "completion_time", "email", "name", "last_modified_time", "respondent",
        "response_id", "timestamp", "total_points", "quiz_feedback", "language"}


def import_survey(uow: UnitOfWork, path: Path, *, slug: str, survey: str, now: datetime, policy: Policy,
                  dry_run: bool = False, progress: Progress | None = None,
                  skip_existing: bool = False) -> ImportResult:
    label = v.clean_text("survey", survey, max_len=100)
    table = read_table(path, progress=progress)
    columns = [(k, c) for k, c in zip(table.keys, table.columns, strict=True) if k and k not in META]
    if not columns:
        raise FileRefused(table.path, "has no statement columns (only " + ", ".join(table.columns) + ")")
    statements = {k: find_statement(c) for k, c in columns}
    keys = [s.key for s in statements.values()]
    if len(set(keys)) != len(keys):
        raise FileRefused(table.path, "two columns are the same statement")
    today = local_date(now, policy)
    result = ImportResult("survey", table.path, len(table.rows), dry_run)
    with uow:
        s = uow.session
        cop = get_cop(s, slug, for_write=True)
        if cop.created_at.date() > today:
            raise InvalidInput("cop", f"{slug} was created after today")
        done = set(s.scalars(select(SurveyAnswer.respondent).where(SurveyAnswer.cop_id == cop.id,
                                                                   SurveyAnswer.survey == label)))
        seen: dict[str, int] = {}
        for row in table.rows:
            respondent = row.text("id") or row.text("response_id") or f"row-{row.number}"
            if respondent in seen:
                row.problem("ID", f"response {respondent} appears twice (also row {seen[respondent]})")
                continue
            seen[respondent] = row.number
            if respondent in done:
                if skip_existing:  # a later export of the same form: only the new responses count
                    result.skipped += 1
                else:
                    row.problem("ID", f"response {respondent} is already imported for survey {label!r} "
                                      "(--skip-existing passes over these)")
                continue
            when = row.day("completion_time", required=False, latest=today, earliest=cop.created_at.date())
            answers = []
            for key, column in columns:
                text = row.text(key)
                if text is None:
                    continue  # a statement left unanswered
                value = checked(row, column, parse_likert, text)
                if value is not None:
                    answers.append((statements[key], value))
            if not answers and not row.problems:
                row.problem("", "answers none of the statements")
            if row.problems:
                continue
            result.add("responses added")
            for st, value in answers:
                s.add(SurveyAnswer(cop_id=cop.id, survey=label, respondent=respondent, statement_key=st.key,
                                   statement=st.text, benchmark=st.benchmark, answer=value,
                                   submitted_on=when or today))
                result.add("answers added")
        finish(table, table.rows, uow.commit, dry_run)
    return result
