"""A lead's CoP page lists each open gate by its title, then what it lacks: the lack is not prefixed with the
gate's title again ("The launch event: the launch event: no attendance count")."""

from __future__ import annotations

from copflow.web.views.lead_pages import in_words
from lifecycle import Gate, Policy, Stage, Unmet, check_gate
from tests.unit.builders import TODAY, snap


def test_what_a_gate_lacks_follows_its_title_once() -> None:
    # Said from the requirement's own values (its problem without the title), never by cutting its message.
    [lacks], _ = check_gate(Gate.LAUNCH_HELD, snap(Stage.LAUNCHING, overrides={Gate.LAUNCH_HELD: {"attendance": 0}}),
                            TODAY, Policy())
    assert lacks.message == "launch held: no attendance count" and in_words(lacks) == "no attendance count"
    assert in_words(Unmet("launch_held.missing", "no evidence recorded for launch held")) == "nothing recorded yet"
    assert in_words(Unmet("review_due.not_yet", "the next review is due on 2027-03-01 (give a reason to open it "
                                                "early)")).startswith("the next review is due on Monday 1 March 2027")
