"""A channel's address is a secret: after a CoP with a Teams channel has lived its whole life (set by the CLI, posts,
a refusal whose reply echoes the request, the digest, the sweep's artifact, the closure archive, a subject-access
export), no log line, command output, artifact, archive, export or database file holds the address or any of its
secret parts."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import zipfile
from dataclasses import asdict, replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select

from copflow.db.models import Notification
from copflow.db.uow import UnitOfWork
from copflow.services.mail.delivery import DeliveryReport
from copflow.services.mail.digest import Digest, send_digest
from copflow.services.mail.outbox_admin import list_messages
from tests.chat_server import Answer, chat_server, teams_address
from tests.integration.helpers import D, P, at, to_active
from tests.integration.test_chat import deliver

EXE = str(Path(sys.executable).with_name("copflow"))
ADDRESS = teams_address(7)
WORKFLOW = f"{7:032x}"
SIG = f"Sig{7:04d}SecretPart-{'k' * 30}"
SECRETS = (ADDRESS, SIG, WORKFLOW, quote(SIG, safe=""), "SecretPart")


def leaks(text: str | bytes) -> list[str]:
    blob = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return [s for s in SECRETS if s in blob]


def zip_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_the_address_is_in_no_log_output_artifact_archive_export_or_database_file(db_url, tmp_path, monkeypatch,
                                                                                  caplog):
    from copflow.services.archiving import close_cop
    from copflow.services.privacy.export import export_person
    from copflow.services.reviews.decide import decide_review
    from copflow.services.sweep.due_work import sweep_batch
    from notifications.sweep_summary import sweep_markdown

    caplog.set_level(logging.DEBUG)  # every logger, Apprise's and requests' included, at its most talkative
    policy = replace(P, survey_url="https://forms.example.org/{slug}")
    with chat_server(tmp_path) as chat:
        for k, v in chat.env().items():
            monkeypatch.setenv(k, v)
        to_active(db_url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("COPFLOW_")}
        env.update({"COPFLOW_DATABASE_URL": db_url, "COPFLOW_HOME": os.environ["COPFLOW_HOME"],
                    "COPFLOW_NOW": at(200).isoformat(), "COPFLOW_USER": f"odm@{D}", **chat.env()})
        outputs = []

        def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
            done = subprocess.run([EXE, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)
            outputs.append(done.stdout + done.stderr)
            return done

        assert cli("cop", "set", "data-insight", "--channel", "-", "--channel-handover", "move",
                   stdin=ADDRESS + "\n").returncode == 0
        assert "Microsoft Teams (Workflows), #" in outputs[-1]
        chat.state.script.append(Answer(404, f"no flow at /workflows/{WORKFLOW}/triggers/manual/paths/invoke?sig={SIG}"))
        refused = cli("cop", "set", "data-insight", "--channel", ADDRESS)  # a refusal that echoes the request
        assert refused.returncode == 1 and "did not accept a test post" in refused.stderr
        for args in (("cop", "show", "data-insight"), ("cop", "show", "data-insight", "--json"),
                     ("outbox", "list", "--json")):
            assert cli(*args).returncode == 0
        sweep_batch(UnitOfWork(db_url), [1], now=at(420), policy=policy)  # the review: a post with the survey
        chat.state.script.append(Answer(400, f"Bad request to /workflows/{WORKFLOW}?sig={SIG}: no card"))
        report = deliver(db_url, at(421))
        assert report.parked == 1
        assert cli("outbox", "list").returncode == 0
        decide_review(UnitOfWork(db_url), slug="data-insight", decided_by=f"odm@{D}", now=at(425), policy=policy,
                      decision="close", reason="done, as the review found", closing_date=at(460).date())
        assert cli("outbox", "deliver").returncode == 0
        digest = Digest(on="2026-03-07", posts_parked=report.parked_posts)
        send_digest(UnitOfWork(db_url), digest, to=f"odm@{D}", now=at(426))
        artifact = sweep_markdown(at(426).isoformat(), {"cops": 1, "reviews_opened": 1, "notices_queued": 0,
                                                        "opened": [], "conflicts": 0}, [], asdict(digest),
                                  asdict(DeliveryReport(posts=report)))
        assert "Posts a chat channel refused" in artifact
        closed = close_cop(UnitOfWork(db_url), slug="data-insight", now=at(461) + timedelta(days=2), policy=P,
                           archive_dir=tmp_path / "archives")
        export = export_person(UnitOfWork(db_url), email=f"ann@{D}", out=tmp_path / "ann.zip", now=at(470))
    with UnitOfWork(db_url) as u:
        rows = list(u.session.scalars(select(Notification)))
    mail = "\n".join(f"{n.subject}\n{n.body_text}\n{n.body_html}\n{n.last_error}\n{n.recipient}" for n in rows)
    assert any("the card" not in n.body_text and n.kind == "od_digest" for n in rows)
    listed = "\n".join(str(asdict(e)) for e in list_messages(UnitOfWork(db_url), limit=500))
    places = {"logs": "\n".join(r.getMessage() for r in caplog.records), "command output": "\n".join(outputs),
              "artifact": artifact, "archive": zip_text(Path(closed.path)), "export": zip_text(export.path),
              "outbox": mail, "outbox list": listed}
    found = {where: leaks(text) for where, text in places.items() if leaks(text)}
    assert found == {}
    if db_url.startswith("sqlite:///"):  # sealed at rest: the database file holds no part of it in the clear
        data = Path(db_url.removeprefix("sqlite:///")).read_bytes()
        assert leaks(data) == [] and leaks(io.BytesIO(data).getvalue().replace(b"\x00", b"")) == []
    assert chat.state.bad == []
