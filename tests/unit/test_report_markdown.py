"""The evaluation report's Markdown (its file and the Prefect artifact) escapes every value a person typed: action
titles, owner names, targets, statements, the CoP's name (issue 28, break 8) — as the other artifacts do."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lifecycle.action_metrics import ActionRecord
from lifecycle.practice import parse_targets
from lifecycle.review_metrics import EvaluationInput, MemberRecord, evaluate_period
from notifications.reports import render_report

TARGET = "2 blog posts *[pilot]* | `x`"


def test_action_titles_owners_and_targets_are_escaped():
    members = (MemberRecord("a@x.org", "lead", "Library", "m@x.org", date(2025, 1, 1)),)
    actions = (ActionRecord("Fix the <b>|table|</b> **now**", "Ann_Lee [lead]", date(2025, 6, 1), "open",
                            None, TARGET),)
    ev = evaluate_period(EvaluationInput("data", "Data # Insight", date(2025, 3, 1), date(2026, 2, 28), members,
                                         targets=parse_targets([TARGET]), actions=actions))
    markdown, _ = render_report(ev, generated_at=datetime(2026, 3, 1, tzinfo=UTC))
    assert markdown.startswith("# Review of Data \\# Insight\n")
    assert "- Fix the \\<b\\>\\|table\\|\\</b\\> \\*\\*now\\*\\* (Ann\\_Lee \\[lead\\], due 1 June 2025)" in markdown
    escaped_target = "2 blog posts \\*\\[pilot\\]\\* \\| \\`x\\`"
    assert f"| {escaped_target} | " in markdown  # the targets table: the pipe does not split the cell
    assert f'| towards the target "{escaped_target}" |' in markdown
    for raw in ("**now**", "[pilot]", "<b>", "Ann_Lee"):
        assert raw not in markdown
