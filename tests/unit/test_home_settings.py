"""Settings kept in COPFLOW_HOME (settings.env): every command run with that home reads them; the environment
wins; a line copflow cannot read is refused with its line number."""

from __future__ import annotations

from pathlib import Path

import pytest

from copflow.settings import SettingsError, load_settings


def test_the_home_folder_carries_its_sender_and_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / "settings.env").write_text("# the demo\nCOPFLOW_SENDER=CoP programme <cop@uni.example.org>\n\n"
                                           "COPFLOW_OD_MANAGER_EMAIL=odm@uni.example.org\n", encoding="utf-8")
    s = load_settings({"COPFLOW_HOME": str(tmp_path)})
    assert s.sender == "CoP programme <cop@uni.example.org>" and s.od_manager_email == "odm@uni.example.org"
    assert s.database_url == f"sqlite:///{tmp_path / 'copflow.db'}"
    mine = load_settings({"COPFLOW_HOME": str(tmp_path), "COPFLOW_SENDER": "Me <me@uni.example.org>"})
    assert mine.sender == "Me <me@uni.example.org>"
    assert load_settings({"COPFLOW_HOME": str(tmp_path / "elsewhere")}).sender == "copflow <copflow@localhost>"


@pytest.mark.parametrize("line", ["SENDER=x", "COPFLOW_HOME=/tmp/other", "just words"])
def test_a_line_copflow_cannot_read_is_refused_naming_the_file_and_line(tmp_path: Path, line: str) -> None:
    (tmp_path / "settings.env").write_text(f"# ok\n{line}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"settings\.env line 2 must be COPFLOW_<NAME>=value"):
        load_settings({"COPFLOW_HOME": str(tmp_path)})
