"""Progress on long work, shown on standard error so that standard output stays the table
or JSON a script reads.

Every command that can take more than a few seconds reports through here: a bar counting
units of work (replications, simulated plans, figures) with :class:`Progress`, or a line
per stage with :func:`stage`. ``--quiet`` turns both off; the command then still ends with
one line saying what it wrote where (:func:`done`).
"""

from __future__ import annotations

import sys

__all__ = ["Progress", "stage", "done"]


class Progress:
    """A tqdm bar on stderr counting ``total`` units of ``unit``, off when ``quiet``.

    Use as a context manager; :meth:`update` adds finished units, :meth:`grow` raises the
    total when more work turns out to be needed (replications added for precision). The
    bar is drawn only where stderr is a terminal or a pseudo-terminal, or when
    ``always`` is set, so logs of batch jobs do not fill with carriage returns; where it
    is not drawn, nothing is written either."""

    def __init__(self, total: int, desc: str, unit: str = "run", quiet: bool = False, always: bool = False):
        self.total, self.desc, self.unit = int(total), desc, unit
        self.quiet = quiet or not (always or _is_terminal())
        self._bar = None

    def __enter__(self) -> "Progress":
        if not self.quiet:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, desc=self.desc, unit=self.unit, file=sys.stderr, leave=True, dynamic_ncols=True)
        return self

    def update(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def grow(self, total: int) -> None:
        self.total = max(self.total, int(total))
        if self._bar is not None:
            self._bar.total = self.total
            self._bar.refresh()

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def stage(text: str, quiet: bool = False) -> None:
    """One line on stderr saying which stage of the work starts now."""
    if not quiet:
        print(text, file=sys.stderr, flush=True)


def done(text: str) -> None:
    """The last line of a command, quiet or not: what was written where (on stderr)."""
    print(text, file=sys.stderr, flush=True)
