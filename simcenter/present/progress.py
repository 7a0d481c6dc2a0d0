"""Progress on long work, shown on standard error so that standard output stays the table
or JSON a script reads.

Every command that can take more than a few seconds reports through here: a bar counting
units of work (replications, simulated plans, figures) with :class:`Progress`, or a line
per stage with :func:`stage`. ``--quiet`` turns both off; the command then still ends with
one line saying what it wrote where (:func:`done`, with :func:`wrote` to name a file or a
results directory and its size).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["Progress", "stage", "done", "wrote", "size_text", "file_list"]


class Progress:
    """A tqdm bar on stderr counting ``total`` units of ``unit``, off when ``quiet``.

    Use as a context manager; :meth:`update` adds finished units, :meth:`advance` brings
    the bar to a count (the ``progress(done, total)`` callback of the runs), :meth:`grow`
    raises the total when more work turns out to be needed (replications added for
    precision). The bar is drawn only where stderr is a terminal or a pseudo-terminal, or
    when ``always`` is set, so logs of batch jobs do not fill with carriage returns; where
    it is not drawn, nothing is written either. A ``lazy`` bar is drawn at its first
    update rather than on entering, so that lines printed before the work starts (a
    sweep's estimate) come before it."""

    def __init__(self, total: int, desc: str, unit: str = "run", quiet: bool = False, always: bool = False, lazy: bool = False):
        self.total, self.desc, self.unit = int(total), desc, unit
        self.quiet = quiet or not (always or _is_terminal())
        self.lazy = lazy
        self._bar = None

    def __enter__(self) -> "Progress":
        if not self.lazy:
            self._draw()
        return self

    def _draw(self) -> None:
        if self.quiet or self._bar is not None:
            return
        from tqdm import tqdm

        sized = _terminal_sized()  # a pseudo-terminal nobody sized has 0 x 0, where tqdm draws nothing
        self._bar = tqdm(total=self.total, desc=self.desc, unit=self.unit, file=sys.stderr, leave=True,
                         dynamic_ncols=sized, ncols=None if sized else 80, nrows=None if sized else 24)

    def update(self, n: int = 1) -> None:
        self._draw()
        if self._bar is not None:
            self._bar.update(n)

    def advance(self, done: int, total: int | None = None) -> None:
        """Bring the bar to ``done`` units of (a possibly grown) ``total``: the callback
        ``progress(done, total)`` of :func:`simcenter.simulate`,
        :func:`~simcenter.run.experiment.simulate_to_precision` and :func:`simcenter.sweep`."""
        if total is not None:
            self.grow(total)
        self._draw()
        if self._bar is not None and done != self._bar.n:
            self._bar.update(done - self._bar.n)

    def grow(self, total: int) -> None:
        self.total = max(self.total, int(total))
        if self._bar is not None and self._bar.total != self.total:
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


def _terminal_sized() -> bool:
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except (AttributeError, ValueError, OSError):
        return False
    return size.columns > 0 and size.lines > 0


def stage(text: str, quiet: bool = False) -> None:
    """One line on stderr saying which stage of the work starts now."""
    if not quiet:
        print(text, file=sys.stderr, flush=True)


def done(text: str) -> None:
    """The last line of a command, quiet or not: what was written where (on stderr)."""
    print(text, file=sys.stderr, flush=True)


def size_text(path: str | Path) -> str:
    """The size of a file, or of the files of a directory, in B, KB, MB or GB."""
    path = Path(path)
    if path.is_dir():
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    else:
        size = path.stat().st_size
    for unit in ("B", "KB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" or size >= 10 else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} GB"


def wrote(path: str | Path, what: str = "") -> str:
    """The words for a file or directory written: ``report.html (412 KB)``, or for a
    directory ``results/run1/ (summary, by_day; 1.2 MB)`` with ``what`` listing its files."""
    path = Path(path)
    if path.is_dir():
        name = str(path).rstrip(os.sep) + os.sep
        return f"{name} ({what + '; ' if what else ''}{size_text(path)})"
    return f"{path} ({what + ', ' if what else ''}{size_text(path)})"


def file_list(names) -> str:
    """File names in short: the tables written in several formats once, with the formats
    (``summary, by_day (CSV and Parquet), scenario.toml``)."""
    formats: dict[str, list[str]] = {}
    for name in names:
        stem, dot, ext = Path(name).name.rpartition(".")
        formats.setdefault(stem if dot else ext, []).append(ext if dot else "")
    tables = [stem for stem, exts in formats.items() if len(exts) > 1]
    single = [f"{stem}.{exts[0]}" if exts[0] else stem for stem, exts in formats.items() if len(exts) == 1]
    kinds = list(dict.fromkeys(e for stem in tables for e in formats[stem]))  # in the order written
    shown = {"csv": "CSV", "parquet": "Parquet"}
    parts = [", ".join(tables) + f" ({' and '.join(shown.get(k, k) for k in kinds)})"] if tables else []
    return ", ".join(parts + single)
