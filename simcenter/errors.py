"""Errors simcenter raises for bad input.

Every error about a scenario names the field (as a dotted key, the same one ``--set`` and
``Scenario.replace`` take), the value it got and what is allowed, on one line, so that the
command line can print it and exit with code 2.
"""

from __future__ import annotations

__all__ = ["SimcenterError", "ScenarioError", "WorkLimitError", "Interrupted", "OverloadWarning", "ResumeWarning"]


class OverloadWarning(UserWarning):
    """The scenario can run, but its queue grows without bound while the overload lasts:
    offered load above the agents on duty and callers who never abandon. The results
    describe a transient, not a steady state."""


class ResumeWarning(UserWarning):
    """A resumed sweep found a file in its ``parts/`` that it cannot use (damaged, empty, not
    its own); the runs of a damaged part are run again, the file is left where it is."""


class SimcenterError(Exception):
    """Base class of the errors simcenter reports to its users, on one line; the command
    line exits with ``exit_code`` (2: bad input)."""

    exit_code = 2


class WorkLimitError(SimcenterError):
    """A run stopped while running because it left the bounds estimated before it started
    (a feedback loop with no time between its turns, or far more contacts than the worst
    case): a failure while running, exit code 1."""

    exit_code = 1


class RunFailure(SimcenterError):
    """The machine, not the input, failed while running: a Dask cluster that cannot start
    or stops answering, a file that cannot be written. Exit code 1."""

    exit_code = 1


class Interrupted(KeyboardInterrupt):
    """The command was asked to stop by a signal (SIGTERM, SIGHUP), handled like Ctrl-C:
    temporary files are removed and worker processes stopped on the way out."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class ScenarioError(SimcenterError, ValueError):
    """A scenario (file, dictionary or override) is not valid.

    Attributes
    ----------
    field : the dotted key of the offending field ("" when the problem is the whole file).
    value : the value found (``None`` when the field is missing).
    allowed : what would have been accepted, in words.
    source : the file the scenario came from, if any.
    """

    def __init__(self, field: str, message: str, *, value=None, allowed: str = "", source: str = ""):
        self.field = field
        self.value = value
        self.allowed = allowed
        self.message = message
        self.source = source
        super().__init__(self._render())

    def _render(self) -> str:
        parts = []
        if self.source:
            parts.append(f"{self.source}:")
        if self.field:
            parts.append(f"{self.field}:")
        parts.append(self.message)
        return " ".join(parts).replace("\n", " ")

    def with_source(self, source: str) -> "ScenarioError":
        """The same error, attributed to a file."""
        return ScenarioError(self.field, self.message, value=self.value, allowed=self.allowed, source=source)
