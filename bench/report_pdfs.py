"""Evaluation reports with their PDFs, at a sweep's scale (issue 24), on PostgreSQL:

    uv run python -m bench --only report-pdfs      (or, with its own sizes:)
    uv run python -m bench.report_pdfs [--reviews 300] [--rounds 15] [--postgres URL] [--out bench/results.json]

1. **The sweep's evaluation step** for `--reviews` due reviews (each CoP under review, its survey closed): the
   services the `evaluate-reviews` task calls (`due_evaluations`, then `evaluate_cop` per review: metrics, the
   report's HTML, Markdown and PDF, four mails with the PDF attached, the files), against the same step with the
   typesetter stubbed out (HTML and Markdown only). Two identical copies of the database, one review of each in
   turn, so a busy spell on the shared machine weighs on both alike. Target ≤ 3×.
2. **Typst's cost for the report** against Typst typesetting a bare document of the same size (the report's own
   text, as plain paragraphs, on as many pages): the report's tables, charts and tags over plain text. Medians of
   `--rounds` interleaved pairs.

Its rows ("report PDFs: …") replace those of the last run in --out; the others are kept.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

NOW = datetime(2026, 3, 24, 7, 0, tzinfo=UTC)
PREFIX = "report PDFs: "
BARE = """#set document(title: "bare")
#set page(paper: "a4", margin: (x: 2cm, top: 2cm, bottom: 2.2cm))
#set text(font: "Libertinus Serif", size: 10.5pt, lang: "en", region: "GB")
#for p in json(bytes(sys.inputs.text)) [#p #parbreak()]
"""


def prepare(admin: str, name: str, reviews: int) -> str:
    """`reviews` CoPs under review since four weeks ago (their survey closed), with members, a charter, events."""
    from sqlalchemy import update

    from bench.generate import populate
    from bench.web import postgres_database
    from copflow.db.engine import get_engine
    from copflow.db.models import Cop

    url = postgres_database(admin, name)
    populate(url, cops=reviews, members_per_cop=12, due=0, today=NOW.date())
    with get_engine(url).begin() as conn:
        conn.execute(update(Cop).values(stage="reviewing", stage_entered_on=NOW.date() - timedelta(weeks=4),
                                        next_due_gate="review_passed", next_due_on=NOW.date() + timedelta(weeks=2)))
    return url


def copy_database(admin: str, source: str, name: str) -> str:
    import psycopg

    from copflow.db.engine import dispose_all

    dispose_all()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source.rsplit("/", 1)[1]}"')
    return admin.rsplit("/", 1)[0] + f"/{name}"


def evaluation_step(with_pdfs: str, html_only: str, work: Path) -> dict[str, Any]:
    """The evaluation step on both copies, one review of each in turn."""
    import notifications.pdf as pdf
    from copflow.db.uow import UnitOfWork
    from copflow.services.evaluation.review_report import due_evaluations, evaluate_cop
    from lifecycle import Policy

    policy = Policy(programme_name="CoP programme")
    real = pdf.report_pdf

    def stub(context: dict[str, Any]) -> bytes:
        return b"%PDF-1.7\n%%EOF\n"  # the same step, with no typesetting: HTML and Markdown only

    times: dict[str, float] = {"pdf": 0.0, "html": 0.0}
    slugs: dict[str, list[str]] = {"pdf": [], "html": []}
    for key, url in (("pdf", with_pdfs), ("html", html_only)):
        t = time.perf_counter()
        slugs[key] = due_evaluations(UnitOfWork(url), now=NOW, policy=policy)
        times[key] += time.perf_counter() - t
    assert slugs["pdf"] == slugs["html"] and slugs["pdf"], "both copies must have the same reviews due"
    mails = 0
    for slug in slugs["pdf"]:
        for key, url, typeset in (("pdf", with_pdfs, real), ("html", html_only, stub)):
            pdf.report_pdf = typeset
            t = time.perf_counter()
            out = evaluate_cop(UnitOfWork(url), slug=slug, now=NOW, policy=policy, reports_dir=work / key,
                               od_manager="od.manager@uni.example.org")
            times[key] += time.perf_counter() - t
            mails += out.messages_queued if key == "pdf" else 0
    pdf.report_pdf = real
    n = len(slugs["pdf"])
    pdfs = sum(1 for _ in (work / "pdf").rglob("*.pdf"))
    ratio = times["pdf"] / times["html"]
    return {"benchmark": f"{PREFIX}the sweep's evaluation step, {n} due reviews (PostgreSQL), with PDFs vs HTML only",
            "figure": f"{times['pdf']:.1f} s with PDFs ({n / times['pdf']:.1f} reviews/s, {pdfs} PDFs, {mails} mails "
                      f"with the PDF attached) vs {times['html']:.1f} s HTML only",
            "ratio": ratio, "target": "≤ 3 × HTML only", "ok": ratio <= 3}


def render_against_bare(url: str, rounds: int, work: Path) -> dict[str, Any]:
    """One review's report PDF against a bare Typst document of the same text and pages."""
    from pypdf import PdfReader
    from sqlalchemy import select

    from copflow.db.models import Document
    from copflow.db.uow import UnitOfWork
    from notifications.pdf import report_pdf, typeset

    with UnitOfWork(url) as u:
        context = json.loads(u.session.scalars(select(Document.content).where(Document.kind == "evaluation_json")
                                               .order_by(Document.id)).first() or "{}")
    report = report_pdf(context)
    pages = PdfReader(io.BytesIO(report)).pages
    paragraphs = [line for page in pages for line in (page.extract_text() or "").splitlines() if line.strip()]
    bare_source = work / "bare.typ"
    bare_source.write_text(BARE, encoding="utf-8")
    inputs = {"text": json.dumps(paragraphs)}
    bare = typeset(bare_source, inputs)
    report_times, bare_times = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        report_pdf(context)
        report_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        typeset(bare_source, inputs)
        bare_times.append(time.perf_counter() - t)
    ours, base = statistics.median(report_times), statistics.median(bare_times)
    bare_pages = len(PdfReader(io.BytesIO(bare)).pages)
    return {"benchmark": f"{PREFIX}one report's PDF vs a bare Typst document of the same text (median of {rounds})",
            "figure": f"{ours * 1000:.1f} ms the report ({len(pages)} pages, {len(report) // 1024} KB, tables, "
                      f"charts, tags) vs {base * 1000:.1f} ms bare ({bare_pages} pages, {len(bare) // 1024} KB)",
            "ratio": ours / base, "target": "recorded (no target)", "ok": True}


def bench_report_pdfs(admin: str, reviews: int, rounds: int) -> list[dict[str, Any]]:
    """Both rows, on PostgreSQL at `admin` (its databases dropped after); `python -m bench` runs it too."""
    from bench.web import _drop

    pid = os.getpid()
    names = [f"bench_pdf_{pid}", f"bench_pdf_{pid}_a", f"bench_pdf_{pid}_b"]
    load_before = os.getloadavg()
    home = os.environ.get("COPFLOW_HOME")
    with tempfile.TemporaryDirectory(prefix="copflow-bench-pdf-") as tmp:
        work = Path(tmp)
        os.environ["COPFLOW_HOME"] = str(work / "home")
        try:
            source = prepare(admin, names[0], reviews)
            with_pdfs, html_only = (copy_database(admin, source, n) for n in names[1:])
            # Warm: Typst's fonts, the templates, the mail composer (a worker has them from its last run).
            from notifications.pdf import report_pdf as warm_pdf
            from tests.integration.test_documents import context as sample_context

            warm_pdf(sample_context())
            rows = [evaluation_step(with_pdfs, html_only, work), render_against_bare(with_pdfs, rounds, work)]
        finally:
            for name in names:
                _drop(admin, name)
            if home is not None:
                os.environ["COPFLOW_HOME"] = home
    load_after = os.getloadavg()
    for r in rows:
        r["load"] = f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after (2 CPUs, shared)"
    print("\n" + rows[0]["load"])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_pdfs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    parser.add_argument("--quick", action="store_true", help="10 reviews, 3 rounds: checks that it runs")
    args = parser.parse_args(argv)
    reviews, rounds = (10, 3) if args.quick else (args.reviews, args.rounds)
    from bench.results_file import write

    return write(args, bench_report_pdfs(args.postgres, reviews, rounds), replace_prefix=PREFIX)


if __name__ == "__main__":
    raise SystemExit(main())
