"""Evidence is checked for form when recorded: every problem named at once."""

from __future__ import annotations

import pytest

from lifecycle import EVIDENCE_FIELDS, Gate, InvalidEvidence, parse_target, validate_evidence
from tests.unit.builders import GOOD, TODAY


@pytest.mark.parametrize("gate", list(Gate))
def test_good_evidence_validates_and_every_field_has_help(gate):
    assert validate_evidence(gate, GOOD[gate], TODAY)
    assert all(f.help for f in EVIDENCE_FIELDS[gate])


def test_dates_in_the_future_are_refused():
    with pytest.raises(InvalidEvidence, match="held_on 2026-03-03 is in the future") as err:
        validate_evidence(Gate.LAUNCH_HELD, {"held_on": "2026-03-03"}, TODAY)
    assert err.value.gate == "launch_held"
    assert [p.code for p in err.value.problems] == ["future_date"]


def test_every_problem_is_named_together():
    with pytest.raises(InvalidEvidence) as err:
        validate_evidence(Gate.LAUNCH_HELD, {"held_on": "yesterday", "attendance": "-3", "colour": "red"}, TODAY)
    assert sorted(p.code for p in err.value.problems) == ["bad_date", "not_count", "unknown_field"]


@pytest.mark.parametrize(("gate", "payload", "code"), [
    (Gate.SPONSOR_MEETING_DONE, {"sponsor_attended": "perhaps"}, "not_bool"),
    (Gate.LAUNCH_HELD, {"attendance": "12.5"}, "not_count"),
    (Gate.LAUNCH_HELD, {"attendance": True}, "not_count"),
    (Gate.EVOLVE_DECIDED, {"kind": "dissolve"}, "bad_choice"),
    (Gate.CHARTER_PUBLISHED, {"review_dates": ["2027-13-01"]}, "bad_date"),
    (Gate.CHARTER_PUBLISHED, {"aims": [1, 2]}, "not_text"),
    (Gate.CORE_GROUP_FORMED, {"domain": "x" * 10_001}, "too_long"),
    (Gate.CORE_GROUP_FORMED, {"domain": 7}, "not_text"),
])
def test_malformed_values(gate, payload, code):
    with pytest.raises(InvalidEvidence) as err:
        validate_evidence(gate, payload, TODAY)
    assert [p.code for p in err.value.problems] == [code]


def test_normalisation():
    out = validate_evidence(Gate.CHARTER_PUBLISHED, {
        "aims": [" learn ", ""], "review_dates": ["2027-02-01", "2026-09-01", "2027-02-01"],
        "review_cadence_months": "6", "purpose": "  x  "}, TODAY)
    assert out == {"aims": ["learn"], "review_dates": ["2026-09-01", "2027-02-01"], "review_cadence_months": 6,
                   "purpose": "x"}
    assert validate_evidence(Gate.SPONSOR_MEETING_DONE, {"sponsor_attended": "Yes"}, TODAY) == {
        "sponsor_attended": True}
    assert validate_evidence(Gate.CLOSE_DECIDED, {"closing_date": "2027-01-01"}, TODAY)  # future allowed here


@pytest.mark.parametrize(("text", "parsed"), [
    ("1 seminar", (1, "seminar")), ("  2 blog posts ", (2, "blog posts")), ("0 projects", None),
    ("a funding bid", None), ("seminar 1", None)])
def test_measurable_targets(text, parsed):
    assert parse_target(text) == parsed
