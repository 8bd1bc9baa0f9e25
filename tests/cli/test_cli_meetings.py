"""Meetings through the `copflow` command: addressed by kind, moved from a date on, cancelled and restored,
a CoP's place and time changed with `cop set`, and `meeting list` saying it all in words."""

from __future__ import annotations

import json

from tests.cli.test_cli import cf


def listed(env: dict[str, str]) -> dict[str, dict[str, object]]:
    return {r["uid"]: r for r in json.loads(cf(env, "meeting", "list", "data-insight", "--json").stdout)}


def test_a_lead_changes_meetings_without_looking_up_uids(seeded):
    env = seeded
    out = cf(env, "meeting", "schedule", "data-insight", "sponsor-catchup", "--at", "2026-03-05T12:30").stdout
    assert "scheduled data-insight.sponsor_catchup.1@copflow" in out
    out = cf(env, "meeting", "cancel", "data-insight", "sponsor-catchup", "--occurrence", "2026-04-16").stdout
    assert "cancelled data-insight.sponsor_catchup.1@copflow on 2026-04-16T12:30" in out
    again = cf(env, "meeting", "cancel", "data-insight", "sponsor-catchup", "--occurrence", "2026-04-16").stdout
    assert "already cancelled" in again and "0 cancellations queued" in again
    out = cf(env, "meeting", "move", "data-insight", "sponsor-catchup", "--at", "13:00", "--from", "2026-04-01").stdout
    assert "from 2026-04-01 on it is data-insight.sponsor_catchup.2@copflow, starting 2026-04-16T13:00" in out
    rows = listed(env)
    old, new = rows["data-insight.sponsor_catchup.1@copflow"], rows["data-insight.sponsor_catchup.2@copflow"]
    assert old["repeats"] == "every 6 weeks on Thursday, until 5 March 2026" and old["status"] == "scheduled"
    assert new["repeats"] == "every 6 weeks on Thursday" and new["cancelled_occurrences"] == ["2026-04-16T13:00"]
    assert new["next"] == "2026-05-28T13:00"
    out = cf(env, "cop", "set", "data-insight", "--place", "https://teams.example.org/l/abc", "--time", "14:00").stdout
    assert "place https://teams.example.org/l/abc, time 14:00" in out
    assert out.count("updated data-insight.sponsor_catchup.") == 2  # the old series' last one is still to come
    new = listed(env)["data-insight.sponsor_catchup.2@copflow"]
    assert new["place"] == "https://teams.example.org/l/abc" and new["next"] == "2026-05-28T14:00"
    assert new["cancelled_occurrences"] == ["2026-04-16T14:00"]
    cf(env, "meeting", "cancel", "data-insight", "sponsor-catchup")
    assert listed(env)["data-insight.sponsor_catchup.2@copflow"]["status"] == "cancelled"
    refused = cf(env, "meeting", "move", "data-insight", "data-insight.sponsor_catchup.2@copflow", "--at", "15:00",
                 ok=False)
    assert refused.returncode == 1 and "is cancelled: `copflow meeting restore" in refused.stderr
    out = cf(env, "meeting", "restore", "data-insight", "sponsor-catchup").stdout
    assert "restored data-insight.sponsor_catchup.2@copflow: an invitation (sequence" in out
    table = cf(env, "meeting", "list", "data-insight").stdout
    assert "sponsor-catchup" in table and "Thursday" in table and "cancelled" in table  # wrapped to the terminal
