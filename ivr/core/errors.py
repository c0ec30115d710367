"""Named exceptions of the hotline; each carries what its handler needs."""

from __future__ import annotations

from collections.abc import Sequence

from ivr.core.yamldoc import Problem


class IvrError(Exception):
    """Base class of every hotline error."""

    exit_code = 1


class ProblemsError(IvrError):
    """A file (flow or config) has problems; carries all of them, never only the first."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = [p for p in problems if p.severity == "error"]
        self.warnings = [p for p in problems if p.severity != "error"]
        super().__init__("\n".join(str(p) for p in self.problems) or "no problems")


class ConfigError(ProblemsError):
    """config.yaml or the environment is invalid."""


class FlowValidationError(ProblemsError):
    """A flow file is invalid; the whole set of flows is rejected."""


class UnknownNodeError(IvrError):
    """A call state names a node that the flow version does not have."""


class UnknownFlowVersionError(IvrError):
    """A call started on a flow version that this process cannot load."""


class QueueUnavailableError(IvrError):
    """Redis could not take a job within the configured bound."""
