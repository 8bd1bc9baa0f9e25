"""The daily sweep's Markdown summary: counts first, then what an OD manager acts on (the digest's own data),
with human headers and links."""

from __future__ import annotations

from notifications.previews import PREVIEWS
from notifications.sweep_summary import MAX_LISTED, reminders_words, sweep_markdown

COUNTS = {"cops": 3, "batches": 1, "reviews_opened": 1, "notices_queued": 5, "escalations_queued": 1,
          "conflicts": 0, "opened": ["Data and Insight"], "escalated": [], "sent": 5}
DELIVERY = {"sent": 4, "retried": 1, "parked": 1, "errors": ["421 try later"],
            "parked_messages": ["gone@uni.example.org (Overdue: charter): 550 5.1.1 no such user"]}
DIGEST = {**PREVIEWS["od-digest"][3]["digest"], "queued": True}
EMPTY = {"escalations": [], "reviews": [], "no_survey": [], "closed": [], "archive_failed": [], "parked": [],
         "queued": False}


def test_the_summary_says_what_the_digest_says():
    md = sweep_markdown("2026-12-01T07:00:00+00:00", COUNTS, [{"slug": "events-management",
                                                               "recommendation": "pass"}], DIGEST, DELIVERY)
    lines = md.splitlines()
    assert lines[0] == "# Daily sweep, Tuesday 1 December 2026"
    assert "| What | How many |" in lines and "| CoPs overdue with the sponsor or OD manager | 1 |" in lines
    for line in ("| CoP | What is late | Leads | Sponsor |",
                 "| **Research IT** | The sponsor meeting, 68 days late (leads last reminded Friday 25 September 2026; "
                 "sponsor told on Thursday 1 October 2026); the charter, 26 days late (leads not reminded; sponsor not "
                 "yet told) | Isla Murray and Dev Patel | Nadia Haddad |",
                 "- **Events Management** · [evaluation](/v2/artifacts/key/copflow-evaluation-events-management): "
                 "recommends **pass**; decide by Friday 18 December 2026",
                 "- **Estates Network**: the archive folder /srv/copflow/archives is not writable",
                 "- **Facilities Management** · [closure record](/v2/artifacts/key/copflow-closure-facilities-management)"
                 " (closed on Monday 28 September 2026): archive facilities-management-2026-09-28.zip (lessons "
                 "learned never completed: the draft only)",
                 "- **Data and Insight**: the evaluation report (PDF), owed since Monday 30 November 2026: Typst "
                 "could not typeset reports/evaluation.typ: file not found",
                 "- gone@uni.example.org (Overdue: charter): 550 5.1.1 no such user", "- 421 try later",
                 "The OD manager's digest: sent."):
        assert line in lines, line
    assert "slug" not in md and "next_gate" not in md and "due_on" not in md


def test_a_quiet_day_has_counts_and_no_empty_sections():
    quiet = {**COUNTS, "reviews_opened": 0, "opened": []}
    md = sweep_markdown("2026-03-03T07:00:00+00:00", quiet, [], EMPTY,
                        {"sent": 0, "retried": 0, "parked": 0, "errors": [], "parked_messages": []})
    assert "##" not in md and "| Mail sent | 5 |" in md and "nothing new to send" in md


def test_a_long_list_is_cut_with_a_pointer_to_the_rest():
    many = [f"p{i}@x.org (s): 550 no" for i in range(MAX_LISTED + 7)]
    md = sweep_markdown("2026-03-03T07:00:00+00:00", COUNTS, [], EMPTY,
                        {**DELIVERY, "parked": len(many), "parked_messages": many})
    assert f"- p{MAX_LISTED - 1}@x.org (s): 550 no" in md and f"p{MAX_LISTED}@x.org" not in md
    assert "- … and 7 more (`copflow outbox list --status parked`)" in md


def test_with_a_server_the_links_are_absolute():
    md = sweep_markdown("2026-03-02T07:00:00+00:00", COUNTS, [{"slug": "events", "recommendation": "pass"}], EMPTY,
                        DELIVERY, ui="https://prefect.uni.example.org/")
    assert "- **events** · [evaluation](https://prefect.uni.example.org/v2/artifacts/key/copflow-evaluation-events): " \
        "recommends **pass**" in md.splitlines()
    assert "(https://prefect.uni.example.org/v2/artifacts/key/copflow-attention)" in md


def test_an_evaluation_without_a_report_names_none():
    from dataclasses import asdict

    from tasks.evaluation import EvaluatedReview

    unwritten = asdict(EvaluatedReview("events", "Events", "pass", ("attendance held up",), None, 2))
    md = sweep_markdown("2026-03-02T07:00:00+00:00", COUNTS, [unwritten], EMPTY, DELIVERY)
    assert "- **Events** · [evaluation](/v2/artifacts/key/copflow-evaluation-events): recommends **pass**" \
        in md.splitlines()
    assert "None" not in md


def test_mail_held_back_by_the_relay_says_how_much_and_until_when():
    md = sweep_markdown("2026-03-02T07:00:00+00:00", COUNTS, [], EMPTY,
                        {**DELIVERY, "waiting": 1865, "clears_at": "2026-03-02T08:09:40.5+00:00"})
    assert "| Mail still waiting (sending limits, retrying or in flight) | 1865 |" in md.splitlines()
    assert "Mail waiting: 1865; at the relay's pace all of it will have gone by Monday 2 March 2026, 08:09 UTC." in md


def test_with_the_hub_each_name_links_to_the_cops_entry_escaped_in_the_digests_order():
    late = {**DIGEST, "escalations": [
        {"slug": "a-b", "name": "A|B [pilot] *core*", "leads": ["Ann"], "sponsors": [],
         "items": [{"gate": "charter_published", "due_on": "2026-09-02", "days": 90, "audience": "sponsor",
                    "leads_told_on": "2026-09-03", "sponsor_told_on": "2026-12-01"}]},
        *DIGEST["escalations"]]}
    md = sweep_markdown("2026-12-01T07:00:00+00:00", COUNTS, [], late, DELIVERY, web_url="https://cops.example.org/")
    lines = md.splitlines()
    first = lines.index("| CoP | What is late | Leads | Sponsor |") + 2
    assert lines[first] == (r"| [A\|B \[pilot\] \*core\*](https://cops.example.org/#cop-a-b) | The charter, 90 days "
                            "late (leads last reminded Thursday 3 September 2026; sponsor told today) | Ann | none named |")
    assert lines[first + 1].startswith("| [Research IT](https://cops.example.org/#cop-research-it) |")
    assert "- [Events Management](https://cops.example.org/#cop-events-management) · [evaluation]" \
           "(/v2/artifacts/key/copflow-evaluation-events-management): recommends" in md


def test_the_reminder_count_says_plainly_who_got_them():
    assert reminders_words(4, 0) == "4 reminders to leads; none to a sponsor"
    assert reminders_words(3, 1) == "2 reminders to leads; 1 to a sponsor"
    assert reminders_words(2, 2) == "no reminders to leads; 2 to sponsors"
