"""The action plan in the review and at the end, on SQLite and PostgreSQL: the evaluation counts actions done,
dropped and overdue (per annual target where linked), its report says so, and the closure archive and the
lessons-learned draft keep every action with its history."""

from __future__ import annotations

import json
import zipfile
from datetime import date, timedelta

from copflow.db.uow import UnitOfWork
from copflow.services.actions import plan as action_plan
from copflow.services.archiving import close_cop
from copflow.services.evaluation.review_report import evaluate_cop
from copflow.services.reviews.decide import decide_review
from tests.integration.helpers import D, P, at
from tests.integration.test_closure import REVIEW_DAY, under_review

EVAL_DAY = REVIEW_DAY + P.survey_window_days  # 2026-03-23


def plan(url: str) -> None:
    def add(title: str, owner: str, due: date, target: str | None = None, day: int = 120) -> int:
        return action_plan.add_action(UnitOfWork(url), slug="data-insight", title=title, owner=f"{owner}@{D}", due_on=due,
                                  who=f"bob@{D}", via="cli", now=at(day), target=target).id

    def close(action_id: int, status: str, day: int) -> None:
        action_plan.change_status(UnitOfWork(url), action_id=action_id, status=status, who=f"ann@{D}", via="cli",
                              now=at(day))

    close(add("Book the seminar room", "cat", date(2025, 9, 1), "1 seminar"), "done", 200)
    first_blog = add("Write the first blog post", "bob", date(2025, 7, 1), "2 blog posts")
    action_plan.edit_action(UnitOfWork(url), action_id=first_blog, who=f"bob@{D}", via="cli", now=at(150),
                        due_on=date(2025, 8, 1))
    close(first_blog, "done", 205)
    add("Write the second blog post", "bob", date(2026, 1, 15), "2 blog posts")  # overdue at the review
    close(add("Start a newsletter", "ann", date(2025, 10, 1)), "dropped", 250)
    add("Plan next year", "ann", date(2026, 4, 30), day=400)  # open, not yet due


def test_the_evaluation_counts_the_plan_per_target_and_the_report_shows_it(db_url, tmp_path):
    under_review(db_url)
    plan(db_url)
    out = evaluate_cop(UnitOfWork(db_url), slug="data-insight", now=at(EVAL_DAY), policy=P,
                       reports_dir=tmp_path / "reports")
    a = out.evaluation.actions
    assert (a.all.done, a.all.dropped, a.all.open, a.all.overdue) == (2, 1, 2, 1)
    assert [(t.label, t.done, t.dropped, t.open, t.overdue) for t in a.per_target] == [
        ("1 seminar", 1, 0, 0, 0), ("2 blog posts", 1, 0, 1, 1)]
    assert [x.title for x in a.overdue] == ["Write the second blog post"]
    assert "1 action of the plan overdue" in out.evaluation.recommendation.weaknesses
    md = out.markdown
    assert "| all actions in the period | 2 | 1 | 2 | 1 |" in md
    assert '| towards the target "2 blog posts" | 1 | 0 | 1 | 1 |' in md
    # The targets table says what it counts: what was held or made, not the actions done towards a target.
    assert "| target | needed | held or made | met |" in md
    assert "actions done towards a target are in the action\nplan below and do not count towards it" in md
    assert "- Write the second blog post (Bob Kay, due 15 January 2026)" in md
    assert out.html_path and 'Towards the target “1 seminar”' in out.html_path.read_text(encoding="utf-8")
    assert "<th>Held or made</th>" in out.html_path.read_text(encoding="utf-8")


def test_the_archive_and_the_lessons_learned_keep_the_plan_with_its_history(db_url, tmp_path):
    under_review(db_url)
    plan(db_url)
    decide_review(UnitOfWork(db_url), slug="data-insight", decision="close", decided_by=f"odm@{D}",
                  reason="aims met, as the review found", now=at(EVAL_DAY), policy=P, closing_date=at(EVAL_DAY).date() + timedelta(weeks=5))
    result = close_cop(UnitOfWork(db_url), slug="data-insight", now=at(EVAL_DAY + 35), policy=P,
                       archive_dir=tmp_path / "a")
    with zipfile.ZipFile(result.path) as z:
        plan_file = json.loads(z.read("actions.json"))
        lessons = z.read(next(n for n in z.namelist() if n.endswith("lessons_learned.md"))).decode()
    assert [(x["title"], x["status"]) for x in plan_file][:2] == [("Write the first blog post", "done"),
                                                                  ("Book the seminar room", "done")]
    blog = plan_file[0]
    assert blog["summary"] == "created 2025-05-06; edited once; done 2025-07-30"
    assert [h["kind"] for h in blog["history"]] == ["created", "edited", "done"]
    assert blog["history"][1]["changes"] == {"due_on": ["2025-07-01", "2025-08-01"]}
    assert all(x["owner"].startswith("member-") for x in plan_file)  # pseudonymised like the roster
    assert all(h["by"].startswith("member-") for x in plan_file for h in x["history"])
    assert "## The action plan" in lessons
    assert "| Write the first blog post | Bob Kay | 1 August 2025 | done | 2 blog posts | created 2025-05-06; " \
           "edited once; done 2025-07-30 |" in lessons
