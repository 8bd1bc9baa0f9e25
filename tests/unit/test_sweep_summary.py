"""The daily sweep's Markdown summary: counts first, then what an OD manager acts on, with links."""

from __future__ import annotations

from notifications.sweep_summary import MAX_LISTED, sweep_markdown

COUNTS = {"cops": 3, "batches": 1, "reviews_opened": 1, "notices_queued": 5, "escalations_queued": 1,
          "conflicts": 0, "opened": ["data-insight"], "escalated": ["research-it: charter published, 14 days "
                                                                    "overdue → od manager"]}
DELIVERY = {"sent": 4, "retried": 1, "parked": 1, "errors": ["421 try later"],
            "parked_messages": ["gone@uni.example.org (Overdue: charter): 550 5.1.1 no such user"]}


def test_the_summary_names_what_was_opened_escalated_evaluated_closed_and_refused():
    md = sweep_markdown("2026-03-02T07:00:00+00:00", COUNTS,
                        [{"slug": "events", "recommendation": "pass", "report": "/r/events/review-2026-03-02.html"}],
                        [{"slug": "estates", "path": "/a/estates-2026-03-02.zip"}], DELIVERY)
    assert md.startswith("# Daily sweep 2026-03-02\n")
    for line in ("| reviews opened | 1 |", "| of which escalations | 1 |", "| mail parked (refused) | 1 |",
                 "- data-insight", "- research-it: charter published, 14 days overdue → od manager",
                 "- [events](/artifacts/key/copflow-evaluation-events): recommends **pass**; report "
                 "`/r/events/review-2026-03-02.html`",
                 "- [estates](/artifacts/key/copflow-closure-estates): `/a/estates-2026-03-02.zip`",
                 "- gone@uni.example.org (Overdue: charter): 550 5.1.1 no such user", "- 421 try later"):
        assert line in md.splitlines(), line


def test_a_quiet_day_has_counts_and_no_empty_sections():
    quiet = {**COUNTS, "reviews_opened": 0, "escalations_queued": 0, "opened": [], "escalated": []}
    md = sweep_markdown("2026-03-03T07:00:00+00:00", quiet, [], [],
                        {"sent": 0, "retried": 0, "parked": 0, "errors": [], "parked_messages": []})
    assert "##" not in md and "| mail sent | 0 |" in md


def test_a_long_list_is_cut_with_a_pointer_to_the_rest():
    many = [f"p{i}@x.org (s): 550 no" for i in range(MAX_LISTED + 7)]
    md = sweep_markdown("2026-03-03T07:00:00+00:00", COUNTS, [], [],
                        {**DELIVERY, "parked": len(many), "parked_messages": many})
    assert f"- p{MAX_LISTED - 1}@x.org (s): 550 no" in md and f"p{MAX_LISTED}@x.org" not in md
    assert "- … and 7 more (`copflow outbox list --status parked`)" in md


def test_with_a_server_the_links_are_absolute():
    md = sweep_markdown("2026-03-02T07:00:00+00:00", COUNTS, [{"slug": "events", "recommendation": "pass"}], [],
                        DELIVERY, ui="https://prefect.uni.example.org/")
    assert "- [events](https://prefect.uni.example.org/artifacts/key/copflow-evaluation-events): recommends **pass**" \
        in md.splitlines()
    assert "(https://prefect.uni.example.org/artifacts/key/copflow-attention)" in md


def test_an_evaluation_without_a_report_names_none():
    from dataclasses import asdict

    from tasks.evaluation import EvaluatedReview

    unwritten = asdict(EvaluatedReview("events", "pass", ("attendance held up",), None, 2))
    md = sweep_markdown("2026-03-02T07:00:00+00:00", COUNTS, [unwritten], [], DELIVERY)
    assert "- [events](/artifacts/key/copflow-evaluation-events): recommends **pass**" in md.splitlines()
    assert "None" not in md


def test_mail_held_back_by_the_relay_says_how_much_and_until_when():
    md = sweep_markdown("2026-03-02T07:00:00+00:00", COUNTS, [], [],
                        {**DELIVERY, "waiting": 1865, "clears_at": "2026-03-02T08:09:40.5+00:00"})
    assert "| mail still waiting (throttled, retrying or in flight) | 1865 |" in md.splitlines()
    assert "Mail waiting: 1865; at the relay's pace all of it will have gone by 2026-03-02 08:09 UTC." in md
