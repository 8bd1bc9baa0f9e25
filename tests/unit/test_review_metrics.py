"""The review's metrics and recommendation, on hand-built records with answers worked out by hand."""

from datetime import date

import pytest

from lifecycle import UnknownName
from lifecycle.practice import (
    BENCHMARK_STATEMENTS,
    ActivityKind,
    find_kind,
    find_statement,
    parse_kind,
    parse_likert,
    parse_targets,
)
from lifecycle.review_inputs import ActivityRecord, AnswerRecord, EvaluationInput, MemberRecord, StageTiming
from lifecycle.review_metrics import evaluate_period, recommend

START, END = date(2025, 3, 1), date(2026, 2, 28)  # 365 days
K = ActivityKind


def member(who, role, dept, manager, joined=date(2024, 1, 1), left=None):
    return MemberRecord(who, role, dept, manager, joined, left)


MEMBERS = (
    member("ann", "lead", "Finance", "m1"),
    member("bob", "coordinator", "Library", "m2"),
    member("cat", "core", "Library", "m2"),
    member("dan", "wider", "Estates", "m3"),
    member("eve", "wider", "IT", "m4", joined=date(2025, 6, 1)),  # joiner
    member("fay", "wider", "HR", "m5", left=date(2025, 9, 1)),  # leaver
    member("gus", "sponsor", "Exec", None),
)
ACTIVITIES = (
    ActivityRecord(K.LUNCH_AND_LEARN, "Pivot tables", date(2025, 4, 10), frozenset({"ann", "bob", "dan"})),
    ActivityRecord(K.LUNCH_AND_LEARN, "Power BI", date(2025, 4, 24), frozenset({"ann", "eve"})),
    ActivityRecord(K.SEMINAR, "Data week", date(2025, 10, 2), frozenset({"ann", "bob", "cat", "dan", "eve"})),
    ActivityRecord(K.SEMINAR, "Too early", date(2025, 2, 27), frozenset({"ann"})),  # before the period
    *[ActivityRecord(K.CHECK_IN, f"check-in {i}", date(2025, 3 + i, 5)) for i in range(6)],
    ActivityRecord(K.SPONSOR_CATCH_UP, "catch-up", date(2025, 5, 1)),
    ActivityRecord(K.BLOG, "What we learnt", date(2025, 7, 1)),
    ActivityRecord(K.FUNDING_BID, "Bid", date(2025, 8, 1)),
)
CONNECT, SKILLS = BENCHMARK_STATEMENTS[0], BENCHMARK_STATEMENTS[2]
OWN = find_statement("The venue guide saves me time")
ANSWERS = (
    AnswerRecord("r1", CONNECT, 5), AnswerRecord("r2", CONNECT, 4), AnswerRecord("r3", CONNECT, 3),
    AnswerRecord("r4", CONNECT, 2),  # 50% agree vs 92
    AnswerRecord("r1", SKILLS, 4), AnswerRecord("r2", SKILLS, 5), AnswerRecord("r3", SKILLS, 4),
    AnswerRecord("r4", SKILLS, 4),  # 100% vs 84
    AnswerRecord("r1", OWN, 1),
)
TARGETS = parse_targets(["1 seminar", "2 blog posts", "1 funding bid", "1 project", "a thriving network"])
TIMINGS = (StageTiming("planning", date(2025, 3, 10), date(2025, 3, 20)),  # 10 days late
           StageTiming("launching", date(2025, 5, 1), date(2025, 4, 20)),  # on time
           StageTiming("forming", date(2024, 1, 1), date(2024, 2, 1)))  # before the period: ignored
DATA = EvaluationInput("data", "Data", START, END, MEMBERS, ACTIVITIES, ANSWERS, TARGETS, TIMINGS)


def test_membership_counts_joiners_leavers_and_spread():
    ev = evaluate_period(DATA)
    assert (ev.core_members, ev.wider_members, ev.supporting) == (3, 2, 1)
    assert (ev.joiners, ev.leavers) == (1, 1)
    assert ev.core_departments == ("Finance", "Library") and ev.core_line_managers == 2
    assert ev.departments == ("Estates", "Exec", "Finance", "IT", "Library")


def test_events_attendance_and_cadence():
    ev = evaluate_period(DATA)
    assert ev.events_held == 3 and ev.events_planned == 1  # the charter plans one seminar a year
    assert ev.attendances == 10 and ev.unique_attendees == 5
    assert ev.attendance_rate == pytest.approx(100 * 10 / 3 / 5, abs=0.05)  # 66.7% of the 5 members
    # Every month of the period, a month without events kept as empty (a chart must not skip it).
    assert len(ev.attendance_by_month) == 12 and ev.attendance_by_month[0] == ("2025-03", 0, 0)
    assert [m for m in ev.attendance_by_month if m[1]] == [("2025-04", 2, 5), ("2025-10", 1, 5)]
    assert (ev.checkins_held, ev.checkins_expected) == (6, 11)
    assert (ev.catchups_held, ev.catchups_expected) == (1, 8)  # 365 days // 42
    assert ev.outputs == {"blog": 1, "funding_bid": 1}


def test_targets_met_or_not_and_uncountable_kept():
    by_text = {t.text: t for t in evaluate_period(DATA).targets}
    assert by_text["1 seminar"].met is True and by_text["1 seminar"].done == 1
    assert by_text["2 blog posts"].met is False and (by_text["2 blog posts"].needed, by_text["2 blog posts"].done) == (2, 1)
    assert by_text["1 funding bid"].met is True
    assert by_text["1 project"].met is False
    assert "a thriving network" not in by_text  # no number: not measurable, not a target


def test_targets_are_pro_rata_for_a_short_period():
    half = EvaluationInput("d", "D", date(2025, 1, 1), date(2025, 6, 30), targets=parse_targets(["4 blog posts"]))
    assert evaluate_period(half).targets[0].needed == 2


def test_survey_agreement_against_the_2021_benchmarks():
    ev = evaluate_period(DATA)
    assert ev.respondents == 4
    first, second, own = ev.statements
    assert (first.key, first.agree_pct, first.benchmark, first.delta) == ("connections", 50.0, 92, -42.0)
    assert (second.key, second.agree_pct, second.delta) == ("skills", 100.0, 16.0)
    assert own.benchmark is None and own.delta is None and own.agree_pct == 0.0


def test_process_health():
    ev = evaluate_period(DATA)
    assert (ev.gates_on_time, ev.gates_total, ev.days_late, ev.days_overdue_now) == (1, 2, 10, 0)
    open_late = EvaluationInput("d", "D", START, END, timings=(StageTiming("reviewing", date(2026, 2, 1), None),))
    assert evaluate_period(open_late).days_overdue_now == 27


def test_recommendation_names_its_reasons():
    rec = evaluate_period(DATA).recommendation
    # 2 of 4 targets met is a strength (half); check-ins 6 of 12 also half; survey 1 of 2 within: not a concern
    assert rec.decision == "pass", rec
    assert "2 of 4 annual targets met" in rec.strengths
    assert any("3 events held against 1 planned" in s for s in rec.strengths)


def test_a_quiet_cop_is_advised_to_close_with_both_reasons():
    quiet = EvaluationInput("q", "Quiet", START, END, members=(member("ann", "lead", "Finance", "m1"),),
                            targets=parse_targets(["1 seminar"]))
    rec = evaluate_period(quiet).recommendation
    assert rec.decision == "close"
    assert "no events held and no outputs recorded in the period" in rec.reasons
    assert "only 1 core member(s) remain" in rec.reasons


def test_concerns_lead_to_evolve():
    narrow = EvaluationInput("n", "Narrow", START, END,
                             members=(member("a", "lead", "Finance", "m1"), member("b", "lead", "Finance", "m1")),
                             activities=(ActivityRecord(K.LUNCH_AND_LEARN, "x", date(2025, 5, 1), frozenset({"a"})),),
                             targets=parse_targets(["2 seminars", "1 blog"]))
    rec = evaluate_period(narrow).recommendation
    assert rec.decision == "evolve"
    assert any("fewer than the 2 the criteria ask" in r for r in rec.reasons)
    assert "0 of 2 annual targets met" in rec.reasons
    assert recommend(evaluate_period(narrow), min_departments=1).decision == "evolve"  # still targets + survey


@pytest.mark.parametrize(("text", "kind"), [
    ("Lunch & Learn", K.LUNCH_AND_LEARN), ("lunch and learns", K.LUNCH_AND_LEARN), ("blog posts", K.BLOG),
    ("Newsletter article", K.NEWSLETTER_ARTICLE), ("funding bids", K.FUNDING_BID), ("check-in", K.CHECK_IN),
    ("sponsor_catch_up", K.SPONSOR_CATCH_UP), ("Projects", K.PROJECT), ("webinar", K.SEMINAR)])
def test_kinds_as_people_write_them(text, kind):
    assert find_kind(text) is kind and parse_kind(text) is kind


def test_unknown_kind_and_answer_name_what_is_expected():
    with pytest.raises(UnknownName, match="activity kind 'picnic'"):
        parse_kind("picnic")
    with pytest.raises(UnknownName, match="survey answer 'Maybe'"):
        parse_likert("Maybe")
    assert parse_likert(" strongly  AGREE ") == 5 and parse_likert("2") == 2


def test_statements_match_by_text_or_key_case_and_punctuation_aside():
    assert find_statement("the CoP helped me form connections with colleagues I would not otherwise have met!").key == "connections"
    assert find_statement("belonging").benchmark == 89
    assert {s.benchmark for s in BENCHMARK_STATEMENTS} == {92, 90, 84, 79, 89, 88, 83, 80}


def test_the_action_plan_is_counted_in_the_period_in_all_and_per_target():
    from dataclasses import replace

    from lifecycle.action_metrics import ActionRecord

    actions = (
        ActionRecord("Book the seminar", "ann", date(2025, 9, 1), "done", date(2025, 9, 2), "1 seminar"),
        ActionRecord("Write a blog post", "bob", date(2025, 6, 1), "done", date(2025, 6, 3), "2 blog posts"),
        ActionRecord("Second blog post", "bob", date(2026, 1, 10), "open", None, "2 blog posts"),  # overdue
        ActionRecord("Newsletter", "cat", date(2025, 5, 1), "dropped", date(2025, 5, 2)),
        ActionRecord("Old one", "cat", date(2024, 5, 1), "done", date(2024, 5, 2)),  # closed before: not counted
        ActionRecord("Plan next year", "ann", date(2026, 3, 20), "open"),  # open, not yet due
    )
    ev = evaluate_period(replace(DATA, actions=actions))
    a = ev.actions
    assert (a.all.done, a.all.dropped, a.all.open, a.all.overdue, a.all.total) == (2, 1, 2, 1, 5)
    per = {t.label: (t.done, t.dropped, t.open, t.overdue) for t in a.per_target}
    assert per == {"1 seminar": (1, 0, 0, 0), "2 blog posts": (1, 0, 1, 1)}
    assert [t.label for t in a.per_target] == ["1 seminar", "2 blog posts"]  # the charter's order
    assert [x.title for x in a.overdue] == ["Second blog post"]
    assert "2 of 5 actions in the plan done in the period" in ev.recommendation.strengths
    assert "1 action of the plan overdue" in ev.recommendation.weaknesses
    assert evaluate_period(DATA).actions.all.total == 0  # no plan: nothing added


def test_an_actions_history_reads_as_one_line():
    from lifecycle.action_metrics import history_line

    events = [("created", date(2026, 1, 5)), ("edited", date(2026, 1, 9)), ("edited", date(2026, 2, 1)),
              ("done", date(2026, 3, 2))]
    assert history_line(events) == "created 2026-01-05; edited 2 times; done 2026-03-02"
    assert history_line([("created", date(2026, 1, 5)), ("edited", date(2026, 1, 6))]) == \
        "created 2026-01-05; edited once"
