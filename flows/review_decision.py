"""The review decision in the Prefect UI: the flow shows the CoP's state, pauses for a typed decision
(pass / evolve / close, by whom, why), then calls the same service as `copflow review decide`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any, Literal

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import Field

from lifecycle import CopflowError
from tasks.gates import take_review_decision


class NoDecision(CopflowError):
    """Every answer the form was given was refused: the run fails, naming the last refusal."""


class ReviewDecision(RunInput):
    decision: Literal["pass", "evolve", "close"] = Field(description="Continue, evolve, or close the CoP")
    decided_by: str = Field(description="Your work email")
    reason: str = Field(description="Why: this is kept in the audit trail")
    closing_date: date | None = Field(default=None, description="For close: at least the notice period away")
    evolve_kind: Literal["renew", "split", "merge"] | None = Field(default=None, description="For evolve")


@flow(name="review-decision", flow_run_name="review-decision {slug}", log_prints=True)
def review_decision(slug: str, timeout_hours: int = 24 * 14, attempts: int = 3) -> dict[str, Any]:
    """Wait (up to `timeout_hours`) for an OD manager's decision; a refused one is asked for again."""
    create_markdown_artifact(key=f"copflow-review-{slug}", markdown=_summary(slug),
                             description=f"The review of {slug}, waiting for a decision")
    problem = ""
    for _ in range(attempts):
        if problem:
            print(f"decision refused: {problem}; asking again")
        note = f"Decide the review of **{slug}**." + (f"\n\nLast answer refused: {problem}" if problem else "")
        answer = pause_flow_run(wait_for_input=ReviewDecision.with_initial_data(description=note),
                                timeout=timeout_hours * 3600, poll_interval=2)
        try:
            result = asdict(take_review_decision(slug, answer.decision, answer.decided_by, answer.reason,
                                                 datetime.now(UTC), answer.closing_date, answer.evolve_kind))
        except CopflowError as exc:  # the OD manager's answer was refused (not a bug): ask again
            problem = str(exc)
            continue
        _republish_report(slug)
        return result
    raise NoDecision(f"no acceptable decision for {slug} after {attempts} answers: {problem}", cop=slug)


def _republish_report(slug: str) -> None:
    """The evaluation artifact again, now with the decision on it (who, when, why)."""
    from copflow.services.evaluation.review_report import latest_report
    from tasks.common import uow

    report = latest_report(uow(), slug=slug)
    if report:
        create_markdown_artifact(key=f"copflow-evaluation-{slug}", markdown=report,
                                 description=f"Evaluation of {slug}, with the OD manager's decision")


def _summary(slug: str) -> str:
    from copflow.services.cops import show_cop
    from tasks.common import settings, uow

    d = show_cop(uow(), slug, datetime.now(UTC), settings().policy())
    from notifications.markdown_views import escape

    lines = [f"# Review of {escape(d.name)}", "", f"Stage: **{d.stage}**; decision due {d.next_due_on}.", ""]
    charter = d.charter
    if charter is not None:
        lines += ["## Charter", f"- purpose: {escape(charter.purpose)}",
                  *[f"- annual target: {escape(t)}" for t in charter.annual_targets], ""]
    from copflow.services.evaluation.review_report import latest_report

    report = latest_report(uow(), slug=slug)
    if report:
        lines += ["## Evaluation", "", report.replace("\n# ", "\n### ", 1).lstrip("# "), ""]
    else:
        lines += ["The evaluation has not run yet (it runs when the survey window closes, or when a decision is made).",
                  ""]
    lines += ["Decide with the form: pass (continue), evolve (renew, split, merge) or close."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    review_decision("example")
