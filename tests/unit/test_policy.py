"""The policy: sensible defaults, loadable from TOML, every bad setting named."""

from __future__ import annotations

import pytest

from lifecycle import Policy, PolicyError, load_policy
from lifecycle.policy import EscalationStep


def test_defaults_follow_the_design():
    p = Policy()
    assert (p.sponsor_meeting_weeks, p.charter_weeks, p.launch_weeks) == (6, 12, 8)
    assert p.review_cadence_months == 12 and p.reminder_days_before == (30, 14, 7, 1)
    assert [(s.days_overdue, s.audience) for s in p.escalation] == [(1, "leads"), (7, "sponsor"), (14, "od_manager")]
    assert p.escalation_repeat_days == 7 and p.notice_period_weeks == 4
    assert p.checkin_every_months == 1 and p.sponsor_catchup_every_weeks == 6


def test_toml_overrides_only_what_it_names():
    p = load_policy("""
[policy]
timezone = "Australia/Sydney"
reminder_days_before = [21, 7]
criteria = "block"
escalation = [{days_overdue = 2, audience = "leads"}, {days_overdue = 10, audience = "od_manager"}]
""")
    assert p.timezone == "Australia/Sydney" and p.reminder_days_before == (21, 7) and p.criteria == "block"
    assert p.escalation == (EscalationStep(2, "leads"), EscalationStep(10, "od_manager"))
    assert p.charter_weeks == 12


def test_a_file_without_a_policy_table_is_read_as_the_policy():
    assert load_policy("launch_weeks = 10").launch_weeks == 10


@pytest.mark.parametrize(("text", "message"), [
    ("launch_weeks = ", "not valid TOML"),
    ("launch_wekks = 3", "unknown setting 'launch_wekks'"),
    ('timezone = "Mars/Olympus"', "not in the tz database"),
    ('launch_weeks = "eight"', "launch_weeks must be a whole number"),
    ("launch_weeks = 0", "launch_weeks must be greater than 0"),
    ("notice_period_weeks = -1", "must not be negative"),
    ("reminder_days_before = [7, -1]", "positive numbers"),
    ("reminder_days_before = 7", "must be a list"),
    ("action_reminder_days = [3, -1]", "action_reminder_days must hold numbers of days from 0"),
    ("action_reminder_days = 3", "must be a list"),
    ('criteria = "strict"', "criteria must be 'warn' or 'block'"),
    ("pseudonymise_roster = 1", "must be true or false"),
    ('escalation = [{days_overdue = 7, audience = "dean"}]', "audience 'dean'"),
    ('escalation = [{days_overdue = 7, audience = "leads"}, {days_overdue = 3, audience = "sponsor"}]',
     "increasing"),
    ("escalation = []", "non-empty list"),
    ('escalation = [{days = 1, audience = "leads"}]', "exactly days_overdue and audience"),
    ("policy = 3", "[policy] must be a table"),
    ('survey_url = "javascript:alert(1)"', "survey_url must be an http(s) address"),
    ('survey_url = "https://forms.example.org/r/x?cop={cop}"', "no placeholder but {slug}"),
    ('survey_url = "https://forms.example.org/\\"><script>"', "survey_url must be"),
    ("survey_window_days = 60", "survey_window_days must end before the review decision is due"),
    ("agenda_days_before = -1", "agenda_days_before must be from 0 (the meeting's day) to 27"),
    ("sponsor_catchup_every_weeks = 2\nbrief_days_before = 14", "brief_days_before must be from 0"),
    ('agenda_days_before = "two"', "agenda_days_before must be a whole number"),
])
def test_bad_settings_are_named(text, message):
    with pytest.raises(PolicyError, match=None) as err:
        load_policy(text, "org.toml")
    assert message in str(err.value)
    assert str(err.value).startswith("policy org.toml:")


def test_the_survey_url_takes_the_slug():
    p = load_policy('survey_url = "https://forms.example.org/r/AbC?cop={slug}"')
    assert p.survey_url.replace("{slug}", "data") == "https://forms.example.org/r/AbC?cop=data"
