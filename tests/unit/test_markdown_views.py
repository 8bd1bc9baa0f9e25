"""The Markdown views' cells: any CoP name reads as itself in a table, and links point at the hub's entry and
the current Prefect UI."""

from __future__ import annotations

from notifications.markdown_views import artifact_href, cop_cell, escape, hub_href, table


def test_names_with_markdown_characters_stay_in_their_cell():
    assert escape("A|B") == r"A\|B"
    assert escape("[Pilot] *Core* _x_ `y` <b> #1!") == r"\[Pilot\] \*Core\* \_x\_ \`y\` \<b\> \#1\!"
    assert escape("two\nlines") == "two lines"
    assert escape(r"back\slash") == r"back\\slash"


def test_a_table_has_one_header_row_a_rule_and_a_row_per_item():
    lines = table(("CoP", "Stage"), [(escape("A|B"), "active")])
    assert lines == ["| CoP | Stage |", "|---|---|", r"| A\|B | active |"]


def test_a_cops_cell_links_its_hub_entry_then_its_artifacts():
    cell = cop_cell("Data & [Insight]", "data-insight", "https://cops.example.org/",
                    [("evaluation", "copflow-evaluation-data-insight")], ui="https://prefect.example.org/v2")
    assert cell == (r"[Data & \[Insight\]](https://cops.example.org/#cop-data-insight) · "
                    "[evaluation](https://prefect.example.org/v2/artifacts/key/copflow-evaluation-data-insight)")
    assert hub_href("http://127.0.0.1:8000", "x") == "http://127.0.0.1:8000/#cop-x"
    closed = cop_cell("Old *CoP*", "old", "https://cops.example.org", [("closure record", "copflow-closure-old")],
                      on_hub=False)
    assert closed == r"Old \*CoP\* · [closure record](/v2/artifacts/key/copflow-closure-old)"
    assert artifact_href("copflow-sweep", None) == "/v2/artifacts/key/copflow-sweep"
