"""Every message kind, rendered from the real templates, reads as written for its reader: plain words from one
vocabulary, long dates kept on one line, one clear action, no internal names (tests/wording.py)."""

from __future__ import annotations

import html
import re

import pytest

from notifications.previews import PREVIEWS, preview
from notifications.vocabulary import long_date, plural
from tests.wording import problems


@pytest.mark.parametrize("name", list(PREVIEWS))
def test_no_internal_token_reaches_a_reader(name):
    rendered, _ = preview(name)
    to_od = PREVIEWS[name][2] == "the OD manager"
    for part in (rendered.subject, rendered.text, rendered.html):
        assert problems(part, to_od_manager=to_od) == [], (name, problems(part, to_od_manager=to_od))


@pytest.mark.parametrize("name", list(PREVIEWS))
def test_the_text_and_html_parts_end_with_the_same_footer(name):
    rendered, _ = preview(name)
    text = " ".join(rendered.text.rsplit("\n-- \n", 1)[1].split())
    found = re.search(r'<p style="color: #486581; font-size: 12px;">(.*?)</p>\s*</body>', rendered.html, re.S)
    assert found, name
    assert text == " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split()), name


def test_long_dates_and_plurals():
    assert long_date("2026-12-04") == "Friday 4 December 2026"
    assert [plural(1, "day"), plural(3, "day"), plural(6, "CoP"), plural(2, "reply")] == \
        ["1 day", "3 days", "6 CoPs", "2 replies"]


def test_html_dates_never_break_across_lines():
    html = preview("gate-due-soon")[0].html
    assert '<span style="white-space: nowrap">Monday 13 April 2026</span>' in html


def test_a_lead_reminder_says_what_by_when_with_examples_and_one_action():
    soon = preview("gate-due-soon")[0]
    assert soon.subject == "Reminder: the launch event of Data and Insight is due on Monday 13 April 2026"
    assert "How many people attended (for example: 24)" in soon.text
    assert "Record it now" in soon.html and "https://cop.uni.example.org/e/launch-held?t=sample" in soon.html
    late = preview("gate-overdue")[0]  # no form link yet: who to send it to
    assert "The date of the meeting with your sponsor (for example: 12 March 2026)" in late.text
    assert "Reply to this message with these details, or send them to Maya Fischer (od.manager@" in late.text
    assert "copflow" not in late.text.split("--")[0]


def test_the_sponsor_hears_what_is_late_how_long_who_leads_and_what_to_do():
    text = preview("escalation-sponsor")[0].text
    assert "the sponsor meeting was due on Monday 13 April 2026 and is now 7 days late" in text
    assert "Its leads, Amira Khan and Ben Okafor, have been reminded." in text
    assert "What you can do: ask Amira Khan and Ben Okafor what is holding it up" in text


def test_the_digest_groups_by_cop_and_names_people_deadlines_and_reasons():
    d = preview("od-digest")[0]
    assert d.subject == ("CoP programme, Tuesday 1 December 2026: 1 CoP overdue, 1 review to decide, "
                         "1 message refused, 1 address bouncing, 1 post refused, 1 CoP closed, action needed")
    assert "Research IT (leads Isla Murray and Dev Patel; sponsor Nadia Haddad)" in d.text
    assert "POSTS A CHAT CHANNEL REFUSED" in d.text and "Slack answered 404" in d.text  # its leads set it again
    assert "The sponsor meeting: due Thursday 24 September 2026, 68 days late. Leads last reminded Friday 25 " \
           "September 2026; sponsor told on Thursday 1 October 2026" in d.text
    # The ladder's rungs fall on fixed days: a CoP whose sweep missed them was told nothing, and the digest says so.
    assert "The charter: due Thursday 5 November 2026, 26 days late. Leads not reminded; sponsor not yet told" in d.text
    assert "with the sponsor or you" not in d.text.lower() and "\nOVERDUE\n" in d.text
    assert "Events Management: recommends pass; decide by Friday 18 December 2026 (17 days left)" in d.text
    assert "Reason: the archive folder /srv/copflow/archives is not writable" in d.text
    assert "550 5.1.1 no such user" in d.text


def test_the_survey_call_has_its_link_and_the_evaluated_window():
    member = preview("review-opened")[0]
    assert "https://forms.uni.example.org/cop-review?cop=data-insight" in member.text
    assert "The survey closes on Monday 13 April 2026" in member.text and "As " not in member.text
    lead = preview("review-opened-lead")[0].text
    assert "the review looks at the past year against the charter" in lead and "Monday 4 May 2026" in lead


def test_evaluation_mail_lists_weaknesses_and_the_decision_deadline():
    text = preview("evaluation-ready")[0].text
    assert "Weaknesses:" in text and "target missed: 1 newsletter article" in text
    assert "decides by Monday 13 April 2026" in text and ".pdf" in text and ".html" not in text


def test_the_od_manager_decides_from_the_evaluation_mail():
    d = preview("evaluation-ready-od")[0]
    assert "Your decision is due by Monday 13 April 2026" in d.text
    assert "Record the decision: https://cop.uni.example.org/d/data-insight?t=sample" in d.text
    assert ">Record the decision</a>" in d.html


def test_closing_and_closure_mail_carry_no_internal_remarks_paths_or_checksums():
    member = preview("closing-notice")[0].text
    assert "recommended" not in member and "tell its leads, Amira Khan and Ben Okafor" in member
    assert "Word document (data-insight-lessons-learned-draft.docx)" in preview("closing-notice-lead")[0].text
    for name in ("closing-notice-lead", "document-follows-lessons"):  # where else the completed report may go
        assert "or send it from your CoP's page:\n  https://cops.uni.example.org/c/preview-token\n" \
            in preview(name)[0].text
    assert "/c/" not in preview("closing-notice")[0].text  # a member's notice has no page of theirs to link
    done = preview("closure-completed")[0].text
    assert "kept by the CoP programme team (Maya Fischer" in done and "To ask for a copy, reply" in done
    assert not re.search(r"/srv/|SHA-256|[0-9a-f]{16}", done)
    # The date the closing notice announced, and the later day the archive was made.
    assert "closed on Tuesday 30 June 2026, as its closing notice announced" in done
    assert "is archived (on Wednesday 1 July 2026) and checked complete" in done


def test_the_agenda_gives_the_meeting_first_then_the_plan_by_owner_overdue_first():
    agenda = preview("checkin-agenda")[0]
    assert agenda.subject == "Agenda: Data and Insight core group check-in, Tuesday 14 April 2026 (1 overdue action)"
    text = agenda.text
    assert text.index("When:   Tuesday 14 April 2026, 12:30–13:15 (UK time)") < text.index("1. THE ACTION PLAN")
    assert "Where:  Room 2.14, Bloomsbury Building" in text
    assert "1. THE ACTION PLAN: 4 open actions, 1 of them overdue" in text
    assert text.index("Chloé Martin (1 overdue)") < text.index("Ben Okafor\n")
    assert "Draft the dashboard guide: OVERDUE, due Friday 20 March 2026 (12 days late)" in text
    assert "2. DONE SINCE THE LAST CHECK-IN (Tuesday 10 March 2026)" in text
    assert "Run the survey of data needs (Amira Khan, done Thursday 26 March 2026)" in text
    assert 'Lunch and learn "Dashboards that get read", Thursday 19 March 2026: 23 people came' in text
    assert "The next review begins on Tuesday 2 June 2026, in 51 days" in text
    assert "https://cops.uni.example.org/c/preview-token" in text and ">Update the action plan</a>" in agenda.html


def test_the_sponsor_brief_says_progress_targets_and_what_is_overdue():
    brief = preview("sponsor-brief")[0]
    assert brief.subject == "Data and Insight: progress before your catch-up on Thursday 16 April 2026"
    text = brief.text
    assert "Your catch-up with the leads of the Data and Insight Community of Practice (Amira Khan and Ben Okafor)" \
        in text
    assert "Actions done: 1" in text and "Events held and outputs made: 2" in text
    assert "1 seminar: 1 of 1 held (events recorded as a seminar), met\n" in text
    # What counts towards a target is said, and an action done towards it is named beside the count, not in it.
    assert "Each target counts the events held and outputs made of its kind" in text
    assert "2 blog posts: 1 of 2 made (outputs recorded as a blog post); 1 action done towards it\n" in text
    assert "1 data literacy toolkit: not counted by the CoP programme; ask the leads\n" in text
    assert "1 action done towards it" in brief.html
    assert 'Action "Draft the dashboard guide" (Chloé Martin) was due on Friday 20 March 2026: 12 days late.' in text
    assert "What you can do:" in text and "preview-token" not in text  # the sponsor is told, not sent a link
    lead = preview("sponsor-brief-lead")[0]
    assert lead.subject == "Data and Insight: the sponsor's brief for the catch-up on Thursday 16 April 2026"
    assert "This is the brief Priya Raman receives before it" in lead.text and "preview-token" in lead.text
def test_an_action_reminder_names_the_action_its_day_and_one_link_to_the_owners_page():
    soon = preview("action-reminder")[0]
    assert soon.subject == ("Reminder: “Book the room for the spring seminar” for Data and Insight is due on "
                            "Friday 13 March 2026")
    assert "is due on Friday 13 March 2026, in 3 days:" in soon.text
    assert "(towards the annual target: 1 seminar)" in soon.text
    assert soon.text.count("https://") == 1 and "https://cops.uni.example.org/a/preview-token" in soon.text
    assert "Mark it done" in soon.html and "Draft the first blog post, due Friday 6 March 2026 (overdue)" in soon.text
    assert "to you as the action's owner" in soon.text
    today = preview("action-reminder-today")[0]
    assert today.subject == "Due today: “Book the room for the spring seminar” for Data and Insight"
    assert "If it will not be done today, say so on the same page or tell Amira Khan and Ben Okafor" in today.text
    assert "Your other open actions" not in today.text
