"""Named errors: a problems error carries every error and keeps warnings apart; each error has its exit code."""

from __future__ import annotations

from ivr.core.errors import ConfigError
from ivr.core.errors import FlowValidationError
from ivr.core.errors import IvrError
from ivr.core.errors import ProblemsError
from ivr.core.errors import QueueUnavailableError
from ivr.core.yamldoc import Problem


def test_a_problems_error_names_every_error_and_holds_warnings_apart():
    problems = [Problem("flows/main.yaml", 3, "unknown node 'x'"), Problem("flows/main.yaml", 9, "unused", "warning"),
                Problem("config.yaml", 0, "SECRET_KEY missing")]
    error = FlowValidationError(problems)
    assert [p.line for p in error.problems] == [3, 0] and [p.line for p in error.warnings] == [9]
    assert str(error) == "flows/main.yaml:3: unknown node 'x'\nconfig.yaml: SECRET_KEY missing"
    assert str(problems[1]) == "flows/main.yaml:9: warning: unused"


def test_only_warnings_is_not_an_error_message():
    error = ConfigError([Problem("config.yaml", 2, "deprecated", "warning")])
    assert error.problems == [] and str(error) == "no problems"


def test_every_error_is_an_ivr_error_with_an_exit_code():
    for cls in (ConfigError, FlowValidationError, QueueUnavailableError):
        assert issubclass(cls, IvrError) and cls.exit_code == 1
    assert issubclass(ConfigError, ProblemsError) and not issubclass(ConfigError, FlowValidationError)
