"""Every error a user can cause derives from one root in lifecycle/ and carries the values it names; the CLI
maps classes to exit codes in one table."""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import copflow
import lifecycle
import notifications
from copflow.cli.context import UsageError, VerifyFailed
from copflow.cli.main import EXIT_CODES, _classify
from copflow.services import validation
from copflow.services.errors import InvalidInput, NotFound
from copflow.settings import SettingsError, load_settings
from lifecycle import CopflowError, GateNotOpen, LifecycleError


def _exception_classes(package):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Exception) and cls.__module__ == info.name:
                yield cls


def test_every_error_of_lifecycle_and_the_application_derives_from_the_one_root():
    from notifications.oauth import TokenRefused
    from notifications.transports import LoginRefused, PermanentFailure, SlowDown, TemporaryFailure

    classes = set(_exception_classes(lifecycle)) | set(_exception_classes(copflow)) | \
        set(_exception_classes(notifications))
    assert {LifecycleError, InvalidInput, SettingsError, UsageError, VerifyFailed, TemporaryFailure, SlowDown,
            PermanentFailure, LoginRefused, TokenRefused} <= classes
    assert [c.__qualname__ for c in classes if not issubclass(c, CopflowError)] == []


BUILTIN_ERRORS = {n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)}


@pytest.mark.parametrize("package", ["flows", "tasks", "bench"])
def test_no_error_of_the_flows_tasks_or_bench_starts_a_root_of_its_own(package):
    """Read, not imported (they import Prefect): no class there derives from a built-in exception directly."""
    own = []
    for path in sorted((Path(__file__).resolve().parents[2] / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(isinstance(b, ast.Name) and b.id in BUILTIN_ERRORS
                                                      for b in node.bases):
                own.append(f"{path.name}:{node.name}")
    assert own == []


def test_transport_failures_keep_their_kinds_under_the_root():
    """The delivery service still tells them apart: temporary (retried), permanent (parked), login (kept)."""
    from notifications.transports import (
        ConnectionLost,
        LoginRefused,
        PermanentFailure,
        SlowDown,
        TemporaryFailure,
        TransportError,
    )

    assert issubclass(ConnectionLost, TemporaryFailure) and issubclass(SlowDown, TemporaryFailure)
    for kind in (TemporaryFailure, PermanentFailure, LoginRefused):
        assert issubclass(kind, TransportError) and issubclass(kind, CopflowError)
    assert not issubclass(PermanentFailure, TemporaryFailure) and not issubclass(LoginRefused, TemporaryFailure)


def test_errors_carry_the_values_they_name():
    with pytest.raises(InvalidInput) as too_long:
        validation.clean_text("name", "x" * 201)
    assert (too_long.value.field, too_long.value.limit, too_long.value.value) == ("name", 200, "x" * 201)
    gate = GateNotOpen("data-insight", "launch_held", "forming", ("core_group_formed",))
    assert (gate.cop, gate.gate) == ("data-insight", "launch_held")
    assert NotFound("CoP", "nope").cop == "nope"
    with pytest.raises(SettingsError) as port:
        load_settings({"COPFLOW_SMTP_HOST": "mail", "COPFLOW_SMTP_PORT": "smtp"})
    assert (port.value.field, port.value.value) == ("COPFLOW_SMTP_PORT", "smtp")
    assert str(port.value) == "COPFLOW_SMTP_PORT must be a port number, not 'smtp'"  # the message is unchanged
    with pytest.raises(SettingsError) as reply:
        load_settings({"COPFLOW_REPLY_TO": "the programme team"})
    assert (reply.value.field, reply.value.value) == ("COPFLOW_REPLY_TO", "the programme team")
    assert load_settings({"COPFLOW_REPLY_TO": "cop@uni.example.org"}).reply_to == "cop@uni.example.org"


def test_one_table_maps_classes_to_exit_codes():
    assert _classify(UsageError("--since must be YYYY-MM-DD", field="--since")) == (2, "--since must be YYYY-MM-DD")
    assert _classify(NotFound("CoP", "nope")) == (1, "no CoP 'nope'")
    assert _classify(VerifyFailed("a.zip: 1 problem(s)")) == (1, "a.zip: 1 problem(s)")
    assert _classify(KeyboardInterrupt()) == (130, "interrupted")
    assert _classify(RuntimeError("a bug")) == (None, "")  # a bug keeps its traceback
    assert [code for _, code in EXIT_CODES] == [130, 2, 1]
