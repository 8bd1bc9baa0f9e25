"""Links as a hostile insider gives them (issue 28, break 7), on SQLite and PostgreSQL: `javascript:` and every
scheme but http(s) and mailto is refused where a link is taken, and a mail never carries one as a link, even for a
row written before the rule (an older release, a restored backup)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select, update

from copflow.db.models import Activity
from copflow.db.uow import UnitOfWork
from copflow.services.activities import log_activity
from copflow.services.errors import InvalidInput
from copflow.services.imports.activities import import_activities
from copflow.services.imports.reader import ImportRejected
from tests.integration.helpers import D, P, to_active
from tests.integration.test_briefs import SLUG, mails, on, sweep

HREF = re.compile(r"""href\s*=\s*["']?\s*([^"'\s>]+)""", re.IGNORECASE)


@pytest.mark.parametrize("link", ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>",
                                  "vbscript:msgbox(1)", "JaVaScRiPt:alert(1)"])
def test_an_output_with_a_script_link_is_refused_and_nothing_written(db_url, link):
    to_active(db_url, SLUG)
    with pytest.raises(InvalidInput) as err:
        log_activity(UnitOfWork(db_url), slug=SLUG, kind="blog", title="Five questions", held_on=date(2025, 5, 27),
                     by=f"bob@{D}", now=on(date(2025, 6, 1)), policy=P, link=link)
    assert err.value.field == "link" and "http" in err.value.problem
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_an_imported_output_with_a_script_link_is_refused(db_url, tmp_path):
    to_active(db_url, SLUG)
    sheet = tmp_path / "outputs.csv"
    sheet.write_text(f"cop,kind,title,date,link\n{SLUG},blog,Post,2025-05-27,javascript:alert(1)\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as err:
        import_activities(UnitOfWork(db_url), sheet, by=f"bob@{D}", now=on(date(2025, 6, 1)), policy=P)
    assert "row 2, link:" in str(err.value)


def test_no_mail_carries_a_link_that_is_not_http_or_mailto_even_from_an_old_row(db_url):
    to_active(db_url, SLUG)
    log_activity(UnitOfWork(db_url), slug=SLUG, kind="blog", title="Five questions", held_on=date(2025, 5, 27),
                 by=f"bob@{D}", now=on(date(2025, 6, 1)), policy=P, link="https://blog.example.org/five")
    with UnitOfWork(db_url) as u:  # as an older release (or a restored backup) may hold it
        u.session.execute(update(Activity).values(link="javascript:alert(document.cookie)"))
        u.commit()
    sweep(db_url, date(2025, 7, 1))  # the sponsor brief and the check-in agenda list the output
    sent = mails(db_url, "sponsor_brief") + mails(db_url, "checkin_agenda")
    assert any("Five questions" in (n.body_html or "") for n in sent)
    for n in sent:
        for href in HREF.findall(n.body_html or ""):
            assert href.lower().startswith(("https://", "http://", "mailto:")), (n.kind, href)
    assert not any(re.search(r"<a[^>]+javascript", n.body_html or "", re.IGNORECASE) for n in sent)


def test_a_join_request_with_bidirectional_controls_is_refused_and_nobody_is_mailed(db_url):
    """Break 12 through the hub's join form: the leads' mail would carry the name in its subject."""
    from copflow.db.models import Notification
    from copflow.web.views.hub import JoinRefused, request_to_join

    to_active(db_url, SLUG)
    with UnitOfWork(db_url) as u:
        before = u.session.scalar(select(func.count()).select_from(Notification))
    with pytest.raises(JoinRefused) as err:
        request_to_join(UnitOfWork(db_url), slug=SLUG, name="Eve \u202egnp.exe", email="eve@uni.example.org",
                        message="hello \u2067world\u2069", now=on(date(2025, 6, 1)), policy=P)
    assert set(err.value.problems) == {"name", "message"}
    assert all("bidirectional" in p for p in err.value.problems.values())
    with UnitOfWork(db_url) as u:
        assert u.session.scalar(select(func.count()).select_from(Notification)) == before
