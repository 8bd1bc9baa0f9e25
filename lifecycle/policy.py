"""The organisation's policy: durations, reminder offsets, escalation ladder, cadences, criteria strictness.

Defaults follow DESIGN.md; an organisation overrides any of them in a TOML file (see docs/policy.md).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lifecycle.audiences import ESCALATION_AUDIENCES, Audience
from lifecycle.channels import DEFAULT_POSTS, parse_posts
from lifecycle.errors import PolicyError
from lifecycle.weekdays import WEEKDAY_NAMES, weekday_number, weekday_position


@dataclass(frozen=True)
class EscalationStep:
    days_overdue: int
    audience: Audience  # one of ESCALATION_AUDIENCES


@dataclass(frozen=True)
class Policy:
    timezone: str = "Europe/London"
    core_group_weeks: int = 12
    sponsor_meeting_weeks: int = 6
    charter_weeks: int = 12
    launch_weeks: int = 8
    review_cadence_months: int = 12
    review_decision_weeks: int = 6
    reminder_days_before: tuple[int, ...] = (30, 14, 7, 1)
    escalation: tuple[EscalationStep, ...] = field(
        default=(
            EscalationStep(1, Audience.LEADS),
            EscalationStep(7, Audience.SPONSOR),
            EscalationStep(14, Audience.OD_MANAGER),
        )
    )
    # After the last step, escalate again to its audience every this many days.
    escalation_repeat_days: int = 7
    notice_period_weeks: int = 4
    checkin_every_months: int = 1
    sponsor_catchup_every_weeks: int = 6
    # Once launched, the first check-in and the first sponsor catch-up come this many weeks after the launch.
    first_checkin_after_weeks: int = 2
    first_sponsor_catchup_after_weeks: int = 6
    # Days before each check-in that its agenda goes to the core group, and before each sponsor catch-up that the
    # brief goes to the sponsor and leads (0: on the day, before the meeting).
    agenda_days_before: int = 2
    brief_days_before: int = 2
    # Local time of day for meetings copflow schedules itself (check-ins, catch-ups, reviews).
    meeting_time: str = "12:30"
    meeting_minutes: int = 45
    # Which day the series copflow schedules meet on: monthly check-ins by weekday position ("second Tuesday",
    # "last Thursday"), sponsor catch-ups every sponsor_catchup_every_weeks weeks on a weekday.
    checkin_day: str = "second Tuesday"
    sponsor_catchup_weekday: str = "Thursday"
    # No meeting is held outside the working days, on a public holiday of the region (the `holidays` package's
    # country or country-subdivision code, e.g. "GB-ENG", "IE", "US-NY", "AU-NSW", "IN"; "" for none) or on a
    # closure day: an occurrence that falls on one is left out of the series (EXDATE), and the invitation says so.
    working_days: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    public_holidays: str = "GB-ENG"
    closure_dates: tuple[str, ...] = ()
    # Where meetings are held when a CoP names no place of its own: a room, or an online meeting link.
    meeting_place: str = ""
    # "warn": report membership-diversity criteria as warnings; "block": treat them as unmet gate requirements.
    criteria: str = "warn"
    min_leads: int = 2
    min_departments: int = 2
    pseudonymise_roster: bool = True
    # The review survey's address, sent to every member when a review opens; "{slug}" becomes the CoP's slug
    # (e.g. "https://forms.office.com/r/AbC123?cop={slug}"). Empty: the mail says the leads will share it.
    survey_url: str = ""
    # Days the review's survey stays open before the evaluation is computed (within review_decision_weeks).
    survey_window_days: int = 21
    # Days a sent message's content (body, attachment, subject, address) is kept; then the daily sweep purges it,
    # keeping its key, kind, status, times and a hash of the recipient (docs/privacy.md). Parked mail is kept.
    mail_retention_days: int = 365
    # Days a link sent by mail (an evidence form, a lead's CoP page, a calendar feed) stays valid.
    link_days: int = 30
    # Join requests from the CoP hub mailed one by one in a day: at most this many per CoP, and this many to any
    # one lead (over all their CoPs); the rest of the day's go to each lead in one digest when the day ends.
    join_requests_per_cop_per_day: int = 10
    join_requests_per_lead_per_day: int = 20
    # Days before an action's due date that its owner is reminded (0: on the day). An overdue action is never
    # escalated: it goes on the core group's next check-in agenda.
    action_reminder_days: tuple[int, ...] = (3, 0)
    # Paper of the evaluation report's PDF: "a4" (the default) or "us-letter".
    report_paper: str = "a4"
    # The programme's name, the author of the documents copflow writes (the report's PDF, the lessons-learned
    # draft). Empty: the display name of COPFLOW_SENDER ("CoP programme <cop@uni.example.org>"), else "CoP programme".
    programme_name: str = ""
    # What is posted to a CoP's chat channel, by kind (lifecycle/channels.py, PostKind; docs/chat.md), and at most
    # how many posts a minute go to one channel (Slack's incoming webhooks take about one a second; Teams
    # Workflows throttle bursts): a burst of posts waits its turn instead of being refused.
    channel_posts: tuple[str, ...] = DEFAULT_POSTS
    channel_posts_per_minute: int = 20

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


REPORT_PAPERS = ("a4", "us-letter")
_TUPLE_INT_FIELDS = {"reminder_days_before", "action_reminder_days"}
_TUPLE_STR_FIELDS = {"working_days", "closure_dates", "channel_posts"}
def is_region(code: str) -> bool:
    """The shape of a `holidays` region code: "IE", "GB-ENG", "US-NY" (whether it exists is checked where the
    holidays are looked up: this package imports only the standard library)."""
    country, _, sub = code.partition("-")
    return len(country) == 2 and country.isalpha() and country.isupper() and (
        not _ or (0 < len(sub) <= 3 and sub.isalnum() and sub.upper() == sub))


def policy_from_mapping(data: dict[str, Any], source: str = "<mapping>") -> Policy:
    """Build a Policy from a mapping (e.g. parsed TOML), naming the first bad key or value."""
    known = {f.name: f for f in fields(Policy)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in known:
            raise PolicyError(source, f"unknown setting {key!r} (known: {', '.join(sorted(known))})")
        kwargs[name] = _coerce(name, value, source)
    policy = replace(Policy(), **kwargs)
    _validate(policy, source)
    return policy


MAX_POLICY_CHARS = 1_000_000


def load_policy(text: str, source: str = "<policy>") -> Policy:
    """Parse policy TOML text. The caller reads the file; this module does no I/O of its own."""
    if len(text) > MAX_POLICY_CHARS:
        raise PolicyError(source, f"longer than {MAX_POLICY_CHARS:,} characters: not a policy file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(source, f"not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per nested array: "a = [[[[…" a few thousand deep
        raise PolicyError(source, "nested too deeply to be a policy") from None
    section = data.get("policy", data)
    if not isinstance(section, dict):
        raise PolicyError(source, "[policy] must be a table")
    return policy_from_mapping(section, source)


def _coerce(name: str, value: Any, source: str) -> Any:
    default = getattr(Policy(), name)
    if name == "escalation":
        if not isinstance(value, list) or not value:
            raise PolicyError(source, "escalation must be a non-empty list of {days_overdue, audience} tables")
        steps = []
        for i, item in enumerate(value):
            if not isinstance(item, dict) or set(item) != {"days_overdue", "audience"}:
                raise PolicyError(source, f"escalation[{i}] must have exactly days_overdue and audience")
            steps.append(EscalationStep(_int(f"escalation[{i}].days_overdue", item["days_overdue"], source),
                                        _audience(item["audience"], source)))
        return tuple(steps)
    if name in _TUPLE_INT_FIELDS:
        if not isinstance(value, list):
            raise PolicyError(source, f"{name} must be a list of whole numbers of days")
        return tuple(_int(name, v, source) for v in value)
    if name in _TUPLE_STR_FIELDS:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PolicyError(source, f"{name} must be a list of strings")
        return tuple(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise PolicyError(source, f"{name} must be true or false, not {value!r}")
        return value
    if isinstance(default, int):
        return _int(name, value, source)
    if not isinstance(value, str):
        raise PolicyError(source, f"{name} must be a string, not {value!r}")
    return value


def _audience(value: Any, source: str) -> Audience:
    if not isinstance(value, str) or value not in {a.value for a in ESCALATION_AUDIENCES}:
        raise PolicyError(source, f"escalation audience {value!r} is not one of "
                                  f"{', '.join(a.value for a in ESCALATION_AUDIENCES)}")
    return Audience(value)


def _int(name: str, value: Any, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(source, f"{name} must be a whole number, not {value!r}")
    return value


def _validate(p: Policy, source: str) -> None:
    try:
        p.zone()
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(source, f"timezone {p.timezone!r} is not in the tz database") from None
    for name in ("core_group_weeks", "sponsor_meeting_weeks", "charter_weeks", "launch_weeks",
                 "review_cadence_months", "review_decision_weeks", "escalation_repeat_days",
                 "checkin_every_months", "sponsor_catchup_every_weeks", "first_checkin_after_weeks",
                 "first_sponsor_catchup_after_weeks", "min_leads", "min_departments", "survey_window_days",
                 "mail_retention_days", "link_days", "join_requests_per_cop_per_day",
                 "join_requests_per_lead_per_day", "channel_posts_per_minute"):
        if getattr(p, name) <= 0:
            raise PolicyError(source, f"{name} must be greater than 0")
    if not _is_clock(p.meeting_time):
        raise PolicyError(source, f"meeting_time must be HH:MM (24-hour), not {p.meeting_time!r}")
    if not 5 <= p.meeting_minutes <= 480:
        raise PolicyError(source, "meeting_minutes must be between 5 and 480")
    _validate_lead_times(p, source)
    if p.survey_window_days > p.review_decision_weeks * 7:
        raise PolicyError(source, "survey_window_days must end before the review decision is due "
                                  f"({p.review_decision_weeks} weeks)")
    if p.notice_period_weeks < 0:
        raise PolicyError(source, "notice_period_weeks must not be negative")
    if any(d <= 0 for d in p.reminder_days_before):
        raise PolicyError(source, "reminder_days_before must hold positive numbers of days")
    if any(not 0 <= d <= 365 for d in p.action_reminder_days):
        raise PolicyError(source, "action_reminder_days must hold numbers of days from 0 (the due day) to 365")
    if p.survey_url and not _is_survey_url(p.survey_url):
        raise PolicyError(source, "survey_url must be an http(s) address without spaces, quotes or <>, and no "
                                  "placeholder but {slug}")
    _validate_meeting_days(p, source)
    if p.report_paper not in REPORT_PAPERS:
        raise PolicyError(source, f"report_paper must be one of {', '.join(REPORT_PAPERS)}, not {p.report_paper!r}")
    if len(p.programme_name) > 200 or any(not c.isprintable() for c in p.programme_name):
        raise PolicyError(source, "programme_name must be one line of at most 200 printable characters")
    try:
        parse_posts(p.channel_posts)
    except ValueError as exc:
        raise PolicyError(source, f"channel_posts: {exc}") from None
    if p.criteria not in ("warn", "block"):
        raise PolicyError(source, f"criteria must be 'warn' or 'block', not {p.criteria!r}")
    previous = 0
    for step in p.escalation:
        if step.days_overdue <= previous:
            raise PolicyError(source, "escalation days_overdue must be positive and increasing")
        previous = step.days_overdue


def _validate_lead_times(p: Policy, source: str) -> None:
    """An agenda or brief goes out after the meeting before it: never as early as the previous occurrence."""
    for name, every, what in (("agenda_days_before", p.checkin_every_months * 28, "check-ins"),
                              ("brief_days_before", p.sponsor_catchup_every_weeks * 7, "sponsor catch-ups")):
        days = getattr(p, name)
        if not 0 <= days < every:
            raise PolicyError(source, f"{name} must be from 0 (the meeting's day) to {every - 1}, "
                                      f"less than the time between {what}")


def _is_survey_url(url: str) -> bool:
    rest = url.replace("{slug}", "")
    return (url.startswith(("https://", "http://")) and not any(c in url for c in ' \r\n\t"<>')
            and "{" not in rest and "}" not in rest)


def _is_clock(text: str) -> bool:
    hours, sep, minutes = text.partition(":")
    return bool(sep) and hours.isdigit() and minutes.isdigit() and len(minutes) == 2 \
        and int(hours) < 24 and int(minutes) < 60


def _validate_meeting_days(p: Policy, source: str) -> None:
    try:
        working = {weekday_number(d) for d in p.working_days}
        checkin = weekday_position(p.checkin_day)[1]
        catchup = weekday_number(p.sponsor_catchup_weekday)
    except ValueError as exc:
        raise PolicyError(source, str(exc)) from None
    if not working:
        raise PolicyError(source, "working_days must name at least one weekday")
    for name, day in (("checkin_day", checkin), ("sponsor_catchup_weekday", catchup)):
        if day not in working:
            raise PolicyError(source, f"{name} falls on {WEEKDAY_NAMES[day].title()}, which is not a working day")
    if p.public_holidays and not is_region(p.public_holidays):
        raise PolicyError(source, f"public_holidays must be a country or country-subdivision code like 'GB-ENG', "
                                  f"not {p.public_holidays!r}")
    for d in p.closure_dates:
        try:
            date.fromisoformat(d)
        except ValueError:
            raise PolicyError(source, f"closure_dates must hold dates like 2026-12-24, not {d!r}") from None
