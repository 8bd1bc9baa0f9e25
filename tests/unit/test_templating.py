"""Mail, reports and the web's pages render through one Jinja environment with one filter table."""

from __future__ import annotations

from datetime import date

from copflow.settings import load_settings
from copflow.web.app import create_app
from notifications import templating


def _web_env(tmp_path):
    app = create_app(load_settings({"COPFLOW_HOME": str(tmp_path)}))
    while not hasattr(app, "routes"):  # the security middlewares wrap the Starlette app
        app = app.app
    return app.state.web.env


def test_the_web_and_mail_share_the_environment_and_its_filters(tmp_path):
    env = _web_env(tmp_path)
    assert env is templating.environment()
    assert {"gate", "role", "stage", "decision", "activity", "short_date", "plural", "names", "when", "plain",
            "sentence", "day"} <= set(env.filters)
    assert all(env.filters[name] is f for name, f in templating.FILTERS.items())


def test_a_day_stays_on_one_line_by_a_class_on_the_web_and_an_inline_style_in_mail():
    env = templating.environment()
    day = date(2026, 4, 13)
    web = env.from_string("{{ d | day }}")
    web.name = "web/x.html.j2"  # what page() renders: a template under web/
    assert web.render(d=day) == '<span class="day">Monday 13 April 2026</span>'
    mail = env.from_string("{{ d | day }}")
    mail.name = "email/x.html.j2"
    assert str(mail.render(d=day)) == '<span style="white-space: nowrap">Monday 13 April 2026</span>'
    text = env.from_string("{{ d | day }}")
    text.name = "email/x.txt.j2"
    assert text.render(d=day) == "Monday 13 April 2026"
