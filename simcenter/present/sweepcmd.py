"""``simcenter sweep``: run a sweep file into a results directory.

Standard error carries the work: the sweep's estimate (one line) and a bar over its runs on
a terminal, both silenced by ``--quiet``; then, quiet or not, one line saying what was
written where. Standard output has the outcome of a ``[precision]`` sweep (how many
points reached the target).
"""

from __future__ import annotations

from pathlib import Path

from .cli import _check_int
from .progress import Progress, done, file_list, wrote

__all__ = ["sweep_command"]


def _option_dest(option: str) -> str:
    return option.lstrip("-").replace("-", "_")


def sweep_command(args) -> int:
    from ..outputs import Inputs
    from ..run.executors import EXECUTORS, parse_scheduler
    from ..run.sweep import SWEEP_FILES, load_sweep, sweep
    from .filekind import refuse_scenario_file

    refuse_scenario_file(args.file)
    spec = load_sweep(args.file)
    given = {e.name: getattr(args, _option_dest(e.option)) for e in EXECUTORS.values()}
    chosen = [e for e in EXECUTORS.values() if given[e.name] is not None and given[e.name] is not False]  # 0 is given: refused below
    executor = chosen[0] if chosen else EXECUTORS["process"]
    value = getattr(args, _option_dest(executor.option))
    workers, scheduler = None, None
    if executor.takes == "N":
        _check_int(executor.option, value, 1, 1024)
        workers = value
    elif executor.takes == "ADDRESS":
        scheduler = parse_scheduler(value)
    out = Path(args.out)
    inputs = Inputs(args.file, spec.base_path)
    desc = f"{len(spec.points)} points" + (f" to precision {spec.precision.target:g}" if spec.precision else "")
    with Progress(spec.n_runs, desc, "run", args.quiet, lazy=True) as bar:  # drawn after the sweep's estimate line
        result = sweep(spec, executor=executor.name, workers=workers, out=out, resume=args.resume, scheduler=scheduler,
                       quiet=args.quiet, inputs=inputs, progress=bar.advance)
    if spec.precision is not None:
        p = spec.precision
        worst = result.summary[result.summary.metric.isin(p.metrics)].groupby("run_id").rel_half_width.max()
        per_point = result.table.groupby("run_id").size()
        print(f"precision {p.target:g} reached at {int((worst <= p.target).sum())} of {len(worst)} points "
              f"(worst achieved {worst.max():.3g}); replications per point: {per_point.min()} to {per_point.max()}")
    done(f"wrote {wrote(out, file_list([*SWEEP_FILES, 'parts']))}: {spec.describe()}, {len(result.table):,} runs")
    return 0
