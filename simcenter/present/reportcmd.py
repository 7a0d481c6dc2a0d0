"""``simcenter plot`` and ``simcenter report``: a figure, or the HTML report, from a saved
results directory (a run's or a sweep's ``--out``).

``report`` draws every figure that applies, with a bar over them on a terminal
(``--quiet``: none); ``plot`` draws one (about two seconds, most of it loading matplotlib)
and shows no progress. Both end, quiet or not, with one line on standard error naming the
file written and its size; standard output stays empty.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import SimcenterError
from .cli import _parse_target
from .progress import Progress, done, wrote

__all__ = ["plot_command", "report_command"]


def _saved_target(args, results) -> float:
    """The level of ``--target LEVEL/SECONDS`` for saved results, whose service level was
    measured at the scenario's ``service_level.target_s``: other seconds are refused, not
    silently replaced by those."""
    if not args.target:
        return 0.8
    level, seconds = _parse_target(args.target)
    measured = results.scenario.service_level.target_s
    if seconds != measured:
        raise SimcenterError(f"--target {args.target}: these results measured the service level within {measured:g} s; "
                             f"give --target {level:g}/{measured:g} (other seconds need the runs again)")
    return level


def plot_command(args) -> int:
    from ..outputs import Inputs, check_file
    from .figures import figure
    from .plots import PLOT_FILE, save
    from .saved import load_results

    inputs = Inputs(args.results)
    check_file(args.output, PLOT_FILE, "-o", inputs)
    results = load_results(args.results)
    target = _saved_target(args, results)
    fig = figure(results, args.kind, metric=args.metric, x=args.x, y=args.y, target=target, at=args.at)
    done(f"wrote {wrote(save(fig, Path(args.output), inputs), args.kind)}")
    return 0


def report_command(args) -> int:
    from .._io import atomic_write_text
    from ..outputs import Inputs, check_file
    from .report import REPORT_FILE, applicable_kinds, html_report, load_results

    inputs = Inputs(args.results)
    out = check_file(args.output, REPORT_FILE, "-o", inputs)
    results = load_results(args.results)
    target = _saved_target(args, results)
    with Progress(len(applicable_kinds(results)), f"report of {Path(args.results).name}: figures", "figure", args.quiet) as bar:
        page = html_report(results, target=target, progress=bar.update)
    check_file(out, REPORT_FILE, "-o", inputs)
    atomic_write_text(out, page)
    done(f"wrote {wrote(out)}")
    return 0
