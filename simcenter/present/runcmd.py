"""``simcenter run``: simulate one scenario and print its metrics.

The table (or, with ``--json``, one JSON object) goes to standard output; a progress bar
over the replications goes to standard error on a terminal (``--quiet``: none). A run that
writes files (``--out``, ``--trace``, ``--agent-trace``, ``--contact-log``) ends with one
line on standard error naming each of them, quiet or not; a run that writes none has its
table as its only output.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from ..errors import SimcenterError
from .cli import _check_int, _given_twice, _load, _metric_list, _overrides, _print_table
from .numbers import format_number as _fmt
from .progress import Progress, done, file_list, wrote

__all__ = ["run_command", "warmup_text", "DAYS_FROM"]

#: From this many reported days on, the warm-up suggestion is given in whole days.
DAYS_FROM = 4


def run_command(args) -> int:
    from ..output.metrics import METRICS
    from ..output.results import RUN_FILES
    from ..outputs import MANIFEST, Inputs, check_file, check_results_dir
    from ..run.runner import check_run, simulate
    from ..output.trace import AGENT_TRACE_FILE, TRACE_FILE

    scenario = _load(args)
    _given_twice(args, (("--seed", args.seed, "simulation.seed"), ("--replications", args.replications, "simulation.replications"),
                        ("--precision", args.precision, "simulation.replications")))
    _check_int("--replications", args.replications, 1, 100_000)
    _check_int("--seed", args.seed, 0, 2**63 - 1)
    if args.precision is not None:
        if not 0 < args.precision < 1:
            raise SimcenterError(f"--precision must be a relative half-width in (0, 1), e.g. 0.02, got {args.precision}")
        if args.replications is not None:
            raise SimcenterError("give --replications (a fixed number) or --precision (a target), not both")
        args.max_replications = 200 if args.max_replications is None else args.max_replications
        _check_int("--max-replications", args.max_replications, 5, 100_000)
        if args.trace or args.agent_trace:
            raise SimcenterError("--precision cannot be combined with --trace or --agent-trace")
    else:
        for flag, given in (("--max-replications", args.max_replications), ("--metrics", args.metrics)):
            if given is not None:
                raise SimcenterError(f"{flag} goes with --precision (it says when to stop adding replications); add --precision or leave it out")
    if args.agent_trace and not scenario.workforce.enabled:
        raise SimcenterError("--agent-trace needs workforce.enabled = true (agents are otherwise not individuals)")
    reps = args.max_replications if args.precision is not None else (args.replications or scenario.simulation.replications)
    est = check_run(scenario, reps)
    inputs = Inputs(args.file)
    _distinct([("--out", args.out, (*RUN_FILES, MANIFEST)), ("--trace", args.trace, None), ("--agent-trace", args.agent_trace, None),
               ("--contact-log", args.contact_log, None)])
    if args.out:
        check_results_dir(Path(args.out), "run", "--out", inputs, RUN_FILES, expected_bytes=est.run_memory(reps, len(METRICS)) / 4)
    if args.trace:  # about 120 bytes per contact record (CSV; Parquet is smaller)
        check_file(args.trace, TRACE_FILE, "--trace", inputs, 120.0 * est.contacts * reps)
    if args.agent_trace:
        check_file(args.agent_trace, AGENT_TRACE_FILE, "--agent-trace", inputs)
    if args.contact_log:
        from .fitcmd import check_contact_log

        check_contact_log(scenario, args.contact_log, inputs)
    achieved = None
    name = scenario.name or Path(args.file).stem
    if args.precision is not None:
        from ..run.experiment import simulate_to_precision

        metrics = _metric_list(args.metrics, "--metrics") or ["service_level", "asa_s"]
        first = 5  # replications before the first look at the precision; the bar grows as more are added
        with Progress(first, f"{name}: replications to precision {args.precision:g}", "rep", args.quiet) as bar:
            results, achieved = simulate_to_precision(scenario, args.precision, metrics, max_replications=args.max_replications,
                                                      min_replications=first, seed=args.seed, progress=bar.advance)
    else:
        with Progress(reps, f"{name}: replications", "rep", args.quiet) as bar:
            results = simulate(scenario, replications=args.replications, seed=args.seed, trace=args.trace,
                               agent_trace=args.agent_trace, progress=bar.advance)
    written = []
    if args.out:
        files = results.write(args.out, inputs=inputs, overrides=_overrides(args.set, "--set"))
        written.append(wrote(args.out, file_list(Path(f).name for f in files)))
    if args.trace:
        written.append(wrote(args.trace, "one row per contact"))
    if args.agent_trace:
        written.append(wrote(args.agent_trace, "each agent's day"))
    if args.contact_log:
        from .fitcmd import write_contact_log

        rows = write_contact_log(scenario, args.contact_log, results.seed, inputs)
        written.append(wrote(args.contact_log, f"contact log of replication 1, {rows:,} contacts"))
    if args.json:
        doc = results.to_json()
        doc["warmup_report"] = results.warmup_report()
        if achieved is not None:
            doc["precision"] = {"target": args.precision, "reached": all(p <= args.precision for p in achieved.values()),
                                "achieved": {m: (p if math.isfinite(p) else None) for m, p in achieved.items()}}
        print(json.dumps(doc, indent=2, allow_nan=False))
    else:
        _print_run(scenario, results, args, achieved)
    if written:
        done("wrote " + ", ".join(written))
    return 0


def _print_run(scenario, results, args, achieved) -> None:
    """The run's table on standard output: the metrics in use, the breakdown per queue and
    group, the precision reached and the warm-up check."""
    from ..output.metrics import METRICS, active_metrics

    print(f"scenario: {scenario.name}   seed: {results.seed}   replications: {results.n_replications}   "
          f"days: {scenario.simulation.days} (+{scenario.simulation.warmup_days} warm-up)")
    shown = set(active_metrics(scenario))
    rows = []
    for row in results.summary().itertuples():
        if row.metric in shown:
            rows.append([row.metric, _fmt(row.mean, row.unit), _fmt(row.ci_low, row.unit), _fmt(row.ci_high, row.unit), row.unit])
    _print_table(rows, ["metric", "mean", "ci_low", "ci_high", "unit"])
    if len(shown) < len(METRICS):
        print(f"({len(METRICS) - len(shown)} metrics of mechanisms this scenario does not use are left out here; --json and --out have all)")
    if scenario.agent_groups:
        _print_breakdown(results)
    if achieved is not None:
        met = all(p <= args.precision for p in achieved.values())
        precision = ", ".join(f"{m} {p:.4f}" for m, p in achieved.items())
        print(f"precision target {args.precision:g} {'reached' if met else 'NOT reached'} after {results.n_replications} "
              f"replications (relative half-width: {precision})")
    text = warmup_text(results)
    if text:
        print(text)


def warmup_text(results) -> str | None:
    """The warm-up check in words (:meth:`Results.warmup_report`), or why there is none for
    a scenario whose change over the run is its story; None where MSER-5 cannot judge.
    From :data:`DAYS_FROM` reported days on, the suggestion counts whole days."""
    from ..output.warmup import trend_by_design

    scenario = results.scenario
    changing = trend_by_design(scenario)
    if changing:
        listed = ", ".join(changing[:-1]) + " and " + changing[-1] if len(changing) > 1 else changing[0]
        return f"no warm-up suggestion: {listed} change over this run by design: a trend, not a start-up"
    warm = results.warmup_report()
    if warm is None:
        return None
    head = f"warm-up check, MSER-5 on the per-{warm['by']} mean_wait_s ({warm['observations']} points; reported, not applied): "
    if not warm["truncate"]:
        return head + "no further warm-up suggested"
    now = scenario.simulation.warmup_days
    more = max(1, math.ceil(warm["truncate_h"] / 24.0 - 1e-9))
    if warm["by"] == "day" or scenario.simulation.days >= DAYS_FROM:
        span = "the first day of the reported run looks" if more == 1 else f"the first {more} days of the reported run look"
    else:
        span = f"the first {warm['truncate_h']:g} h of the reported run look"
    if now + more > 365:  # the largest warm-up a scenario takes
        return head + f"{span} like a start-up; more warm-up than simulation.warmup_days allows (365): consider a longer run"
    return head + f"{span} like a start-up: consider simulation.warmup_days = {now + more} (now {now})"


def _print_breakdown(results) -> None:
    """Per queue and per group, the figures a planner of several lines reads first."""
    q = results.by_queue().pivot(index="queue", columns="metric", values="mean").reindex(results.queue_names)
    print()
    _print_table([[name, f"{r.offered:,.0f}", f"{r.service_level:.3f}", f"{r.asa_s:.1f}", f"{r.abandon_rate:.3f}"]
                  for name, r in q.iterrows()], ["queue", "offered", "service_level", "asa_s", "abandon_rate"])
    g = results.by_group().pivot(index="group", columns="metric", values="mean").reindex(results.group_names)
    flow = results.by_flow()
    print()
    _print_table([[name, f"{r.agent_hours:,.1f}", f"{r.occupancy:.3f}",
                   ", ".join(f"{f.queue} {f.share:.0%}" for f in flow[flow.group == name].itertuples() if f.share >= 0.005)]
                  for name, r in g.iterrows()], ["group", "agent_hours", "occupancy", "busy time by queue"])


def _distinct(outputs: list) -> None:
    """Refuse two outputs of one command that would write the same file: ``outputs`` are
    (option, path, names) with ``names`` the files of a results directory, or None for a file."""
    seen: dict[str, str] = {}
    directories = {os.path.realpath(path): flag for flag, path, names in outputs if path and names is not None}
    for flag, path, names in outputs:
        if not path:
            continue
        files = [os.path.join(path, n) for n in names] if names is not None else [path]
        for f in files:
            key = os.path.realpath(f)  # links resolved: two names of one file are one file
            if key in seen and seen[key] != flag:
                raise SimcenterError(f"{flag} and {seen[key]} would both write {f!r}; give them different places")
            seen[key] = flag
        if names is None and os.path.dirname(os.path.realpath(path)) in directories:
            raise SimcenterError(f"{flag} {path!r} lies in the results directory of {directories[os.path.dirname(os.path.realpath(path))]}, "
                                 "which holds only the files simcenter writes there; put it beside the directory instead")
