"""Hypothesis strategies for every form of `copflow web` (issue 28, build 7): each form's address (built from the
world's links, tests/e2e/world.py) and a value for each of its fields, mixing values a person would type with the
hostile seeds of issue 28. The evidence forms' fields come from the lifecycle (EVIDENCE_FIELDS), so a new field
is fuzzed without a change here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from hypothesis import strategies as st

from lifecycle import EVIDENCE_FIELDS, Gate, Role
from tests.e2e.world import Doors
from tests.integration.helpers import D

# Every case issue 28 names, and their neighbours.
SEEDS = [
    "2026-02-30", "2025-02-29", "2026-13-01", "0000-00-00", "9999-12-31", "31 April 2026", "30 February 2026",
    str(2**64), str(2**63), str(2**63 - 1), str(-(2**63)), "-1", "0", "1e309", "NaN", "١٢", "１２",
    "abc", "", " ", "\t", "1.5",
    "a\r\nb", "\r\n", "x\rBcc: evil@example.org", "line\nInjected: header",
    "\u202eevil.exe", "Ann \u2066Lee\u2069", "\u200b", "\ufeff",
    "javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>", "vbscript:x", "//evil.example.org",
    "\x00", "a\x00b", "\x00csrf\x00", "%00csrf%00", "<script>alert(1)</script>", '"><meta http-equiv="refresh">',
    "'; DROP TABLE cop; --", "{{ 7*7 }}", "${7*7}", "%s%s%s", "../../etc/passwd",
    "x" * 60_000, "y" * 100_000,
]
MEMBERS = [f"{who}@{D}" for who in ("ann", "bob", "cat", "dir", "odm")]
DAYS = ["2025-04-24", "2026-03-20", "2026-06-01", "2027-01-05", "1 March 2027", "4 December 2026"]


def text(*typical: str) -> st.SearchStrategy[str]:
    """A field's value: something typical of it, a hostile seed, or any text (no lone surrogates: a browser cannot
    send them)."""
    return st.one_of(st.sampled_from(typical or ("x",)), st.sampled_from(SEEDS),
                     st.text(st.characters(codec="utf-8"), max_size=300))


def segment(*typical: str) -> st.SearchStrategy[str]:
    """A value for a part of an address (a gate's name, a CoP's slug): short, as no browser sends a 100 KB path."""
    return st.one_of(st.sampled_from(typical), st.sampled_from([s for s in SEEDS if len(s) < 100]),
                     st.text(st.characters(codec="utf-8"), max_size=50))


def lines(*typical: str) -> st.SearchStrategy[str]:
    return st.lists(text(*typical), max_size=4).map("\n".join)


KIND_VALUES: dict[str, Callable[[], st.SearchStrategy[str]]] = {
    "text": lambda: text("Share practice", "Data and insight"),
    "date": lambda: text(*DAYS),
    "past_date": lambda: text(*DAYS),
    "date_list": lambda: lines(*DAYS),
    "text_list": lambda: lines("learn together", "1 seminar"),
    "count": lambda: text("12", "1", "0"),
    "bool": lambda: text("yes", "no"),
    "choice": lambda: text("renew", "split", "merge"),
}


def evidence_fields(gate: Gate) -> dict[str, st.SearchStrategy[str]]:
    """The gate's fields, each a value for its kind."""
    named = {f.name: (KIND_VALUES.get(f.kind) or KIND_VALUES["text"])() for f in EVIDENCE_FIELDS[gate]}
    if "link" in named:
        named["link"] = text("https://sharepoint.example.org/charter")
    return named


@dataclass(frozen=True)
class Spec:
    """One form of the web app: the page that gives its token, its address (from a value for the part of the
    address that varies: an action's id, a gate, a slug), and a strategy for each of its fields."""

    name: str
    page: str
    address: Callable[[str], str]
    part: st.SearchStrategy[str]  # values for the varying part ("" for none)
    usual: str  # the part when the form is used as meant
    fields: dict[str, st.SearchStrategy[str]]


@dataclass(frozen=True)
class Form:
    """One request: where its token comes from, where it posts, and what it sends."""

    name: str
    page: str
    url: str
    fields: dict[str, str]


def under(before: str, after: str = "") -> Callable[[str], str]:
    """An address with a varying part, escaped as a browser would put it in a path."""
    return lambda part: f"{before}{quote(part, safe='')}{after}"


def specs(d: Doors, site: str) -> list[Spec]:
    """Every form of the web app."""
    roles, who = text(*[r.value for r in Role]), text(*MEMBERS, f"new.person@{D}")
    ids = st.one_of(st.just(str(d.action)), st.sampled_from(["0", str(2**31), str(2**63), str(2**64), "9" * 30]),
                    st.integers(min_value=0, max_value=10**25).map(str))
    none = st.just("")
    out = [Spec("evidence link", d.launch, lambda _: d.launch, none, "", evidence_fields(Gate.LAUNCH_HELD))]
    for page, g in ((d.launch_cop, Gate.LAUNCH_HELD), (d.plan_cop, Gate.SPONSOR_MEETING_DONE),
                    (d.charter_cop, Gate.CHARTER_PUBLISHED), (d.new_cop, Gate.CORE_GROUP_FORMED)):
        out.append(Spec(f"CoP page gate {g.value}", page, under(f"{page}/gate/"),
                        segment(g.value, "review_passed", "launch_held"), g.value, evidence_fields(g)))
    return [*out,
        Spec("roster", d.cop, lambda _: f"{d.cop}/members", none, "", {
            "action": text("add", "leave"), "email": who, "name": text("Eve Moss"), "role": roles}),
        Spec("add an action", d.cop, lambda _: f"{d.cop}/actions", none, "", {
            "title": text("Book a room"), "owner": who, "due": text(*DAYS), "target": text("1 seminar"),
            "notes": text("bring badges")}),
        Spec("action as lead", d.cop, under(f"{d.cop}/actions/"), ids, str(d.action), {
            "status": text("done", "dropped", "open"), "note": text("done"), "version": text("1", "2", "abc")}),
        Spec("action as owner", d.owner, under(f"{d.owner}/"), ids, str(d.action), {
            "status": text("done", "dropped", "open", "moved"), "note": text("later"),
            "version": text("1", "2", "abc"), "due": text(*DAYS)}),
        Spec("decision", d.decision, lambda _: d.decision, none, "", {
            "decision": text("pass", "renew", "split", "merge", "close"), "reason": text("met its aims"),
            "closing_date": text(*DAYS), "into": text("launch-cop", "plan-cop"),
            "children": lines(f"Dashboards: ann@{D}, bob@{D}", f"Viz: cat@{D}")}),
        Spec("join", f"{site}/join/data-insight", under(f"{site}/join/"),
             segment("data-insight", "launch-cop"), "data-insight", {
                 "name": text("Sam Hill"), "email": text(f"sam@{D}", "x@example.org"),
                 "message": text("I run reporting")}),
        Spec("private feed", d.cop, lambda _: f"{d.cop}/feed", none, "", {}),
        *[Spec(f"renew by {kind}", link, under(f"{site}/", f"/{link.rsplit('/', 1)[1]}/renew"),
               segment("e", "c", "d", "a"), kind, {})
          for kind, link in (("c", d.cop), ("e", d.launch), ("a", d.owner), ("d", d.decision))],
    ]


def forms(d: Doors, site: str) -> st.SearchStrategy[Form]:
    """A request to any form: the varying part of its address and some of its fields (a form may be sent half
    empty), each drawn from its strategy."""
    return st.sampled_from(specs(d, site)).flatmap(lambda sp: st.builds(
        Form, st.just(sp.name), st.just(sp.page), sp.part.map(sp.address),
        st.fixed_dictionaries({}, optional=sp.fields)))


# The cases issue 28 found, each tried in every field of every form (and every varying part of an address).
ISSUE_28 = ["2026-02-30", str(2**64), "abc", "a\r\nb", "\u202eevil", "javascript:alert(1)", "\x00", "\x00csrf\x00",
            "y" * 100_000, "x" * 60_000, ""]


def corpus(d: Doors, site: str) -> list[Form]:
    """The seed corpus: every form with each case of issue 28 in all its fields at once, as used and with the
    case in the varying part of its address."""
    out = []
    for sp in specs(d, site):
        for case in ISSUE_28:
            out.append(Form(sp.name, sp.page, sp.address(sp.usual), {f: case for f in sp.fields}))
            if sp.usual and len(case) < 100:
                out.append(Form(sp.name, sp.page, sp.address(case), {}))
    return out
