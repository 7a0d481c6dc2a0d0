"""The ``simcenter`` command line.

::

    simcenter run FILE [--set KEY=VALUE ...] [--replications N] [--seed S] [--json]
                       [--out DIR] [--trace FILE] [--agent-trace FILE]
                       [--precision 0.02 [--max-replications 200] [--metrics a,b]]
    simcenter compare A.toml [B.toml] [--set K=V ...] [--a K=V ...] [--b K=V ...] [--json]
    simcenter sweep FILE --out DIR [--resume] [--workers N | --serial | --scheduler ADDR | --dask-local N] [--quiet]
    simcenter validate FILE [--set KEY=VALUE ...]
    simcenter schema [--markdown | --metrics]
    simcenter erlang --calls-per-hour 200 --aht 180 [--patience 300] --target 0.8/20
                     [--max-abandon 0.05]
    simcenter plot RESULTS_DIR --kind KIND -o FILE.png|svg [--metric M] [--x P] [--y P] [--target 0.8/20]
    simcenter report RESULTS_DIR -o report.html [--target 0.8/20]
    simcenter bench [plain|noncompliance|spiral|sweep ...] [--repeats N]
    simcenter staff FILE --target 0.8/20 [--max-abandon 0.05] [--replications N] [--max-replications N] [--flat] [--json] [--out FILE] [--quiet]

Exit codes: 0 success; 2 bad input (the message names the field, the value and what is
allowed; no traceback), including an output that would replace something the user owns;
1 a failure while running (a full disk, a file that cannot be written, a run stopped by
its work guard, a bug); 130 interrupted by Ctrl-C, 143 by SIGTERM, 129 by SIGHUP (each
removes its temporary files and stops its worker processes first).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

from ..errors import Interrupted, ScenarioError, SimcenterError

__all__ = ["main"]


def _print_table(rows: list[list[str]], headers: list[str], out=None) -> None:
    out = out or sys.stdout
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths)))
    print(line, file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))), file=out)


def _fmt(x: float, unit: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if unit == "fraction":
        return f"{x:.4f}"
    if unit == "contacts":
        return f"{x:,.1f}"
    return f"{x:,.2f}"


def _overrides(texts: list | None, flag: str) -> dict:
    """The KEY=VALUE overrides given with ``flag``; a key given twice is refused (one of
    the two values would be dropped)."""
    from ..scenario import parse_override
    from ..schema import show_value

    overrides: dict = {}
    for text in texts or []:
        try:
            key, value = parse_override(text)
        except ScenarioError as err:
            raise ScenarioError(err.field, f"{err.message} (from {flag})", value=err.value) from None
        if key in overrides:
            raise ScenarioError(key, f"given twice with {flag} ({show_value(overrides[key])} and {show_value(value)}); give it once",
                                value=value)
        overrides[key] = value
    return overrides


def _load(args, data: dict | None = None):
    """The scenario of ``args.file`` (or of ``data`` already read from it) with --set applied."""
    from ..scenario import Scenario

    scenario = Scenario.from_file(args.file) if data is None else Scenario.from_toml_data(data, source=str(args.file))
    overrides = _overrides(args.set, "--set")
    if overrides:
        try:
            scenario = scenario.replace(overrides)
        except ScenarioError as err:
            raise ScenarioError(err.field, err.message + " (from --set)", value=err.value) from None
    return scenario


def _check_int(flag: str, value, low: int, high: int) -> None:
    if value is not None and not low <= value <= high:
        raise SimcenterError(f"{flag} must be an integer in [{low:,}, {high:,}], got {value}")


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


def cmd_run(args) -> int:
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
    if args.precision is not None:
        from ..run.experiment import simulate_to_precision

        metrics = _metric_list(args.metrics, "--metrics") or ["service_level", "asa_s"]
        results, achieved = simulate_to_precision(
            scenario, args.precision, metrics, max_replications=args.max_replications, seed=args.seed
        )
    else:
        results = simulate(scenario, replications=args.replications, seed=args.seed, trace=args.trace, agent_trace=args.agent_trace)
    if args.out:
        results.write(args.out, inputs=inputs)
    if args.contact_log:
        from .fitcmd import write_contact_log

        rows = write_contact_log(scenario, args.contact_log, results.seed, inputs)
        print(f"contact log of replication 1 ({rows:,} contacts) written to {args.contact_log}", file=sys.stderr)
    if args.json:
        doc = results.to_json()
        doc["warmup_suggestion"] = results.warmup_report()
        if achieved is not None:
            doc["precision"] = {"target": args.precision, "achieved": {m: (p if math.isfinite(p) else None) for m, p in achieved.items()}}
        print(json.dumps(doc, indent=2, allow_nan=False))
        return 0
    print(f"scenario: {scenario.name}   seed: {results.seed}   replications: {results.n_replications}   "
          f"days: {scenario.simulation.days} (+{scenario.simulation.warmup_days} warm-up)")
    from ..output.metrics import METRICS, active_metrics

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
        shown = ", ".join(f"{m} {p:.4f}" for m, p in achieved.items())
        print(f"precision target {args.precision:g} {'reached' if met else 'NOT reached'} after {results.n_replications} "
              f"replications (relative half-width: {shown})")
    warm = results.warmup_report()
    if warm is not None:
        print(f"warm-up check, MSER-5 on the per-{warm['by']} mean_wait_s ({warm['observations']} points; reported, not applied): "
              + (f"the first {warm['truncate_h']:g} h of the reported run look like a start-up; consider a longer warm-up"
                 if warm["truncate"] else "no further warm-up suggested"))
    if args.out:
        print(f"tables written to {args.out}/ (summary, by_day, by_interval, replications, by_queue, by_group, flow; CSV and Parquet)")
    return 0


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


def cmd_compare(args) -> int:
    from ..run.experiment import compare
    from ..scenario import Scenario

    common = _overrides(args.set, "--set")

    def load(path, extra, flag):
        scenario = Scenario.from_file(path)
        changes = {**common, **_overrides(extra, flag)}
        try:
            return scenario.replace(changes) if changes else scenario
        except ScenarioError as err:
            raise ScenarioError(err.field, err.message + " (from an override)", value=err.value) from None

    _check_int("--replications", args.replications, 2, 100_000)
    _check_int("--seed", args.seed, 0, 2**63 - 1)
    for flag, extra in (("--a", args.set_a), ("--b", args.set_b)):
        for key in ("simulation.seed", "simulation.replications"):
            if key in _overrides(extra, flag):
                raise SimcenterError(f"{flag} {key}: A and B share their seed and replications (common random numbers); "
                                     "give --seed or --replications for both")
    _given_twice(args, (("--seed", args.seed, "simulation.seed"), ("--replications", args.replications, "simulation.replications")))
    a = load(args.a, args.set_a, "--a")
    b = load(args.b or args.a, args.set_b, "--b")
    if a == b:
        raise SimcenterError("the two scenarios are identical; give a second file or --b KEY=VALUE")
    metrics = _metric_list(args.metrics, "--metrics")
    table = compare(a, b, replications=args.replications, seed=args.seed, metrics=metrics)
    if args.json:
        print(table.to_json(orient="records", indent=2))
        return 0
    n = args.replications or a.simulation.replications
    print(f"A: {a.name}   B: {b.name}   {n} paired replications (common random numbers), diff = B - A, 95% interval")
    rows = [
        [r.metric, _fmt(r.mean_a, r.unit), _fmt(r.mean_b, r.unit), _fmt(r.diff, r.unit), _fmt(r.ci_low, r.unit),
         _fmt(r.ci_high, r.unit), "yes" if r.significant else "no"]
        for r in table.itertuples()
    ]
    _print_table(rows, ["metric", "A", "B", "diff", "ci_low", "ci_high", "significant"])
    return 0


def _option_dest(option: str) -> str:
    return option.lstrip("-").replace("-", "_")


def cmd_sweep(args) -> int:
    from ..run.executors import EXECUTORS, parse_scheduler
    from ..outputs import Inputs
    from ..run.sweep import load_sweep, sweep

    spec = load_sweep(args.file)
    chosen = [e for e in EXECUTORS.values() if getattr(args, _option_dest(e.option)) is not None and getattr(args, _option_dest(e.option)) is not False]
    executor = chosen[0] if chosen else EXECUTORS["process"]
    value = getattr(args, _option_dest(executor.option))
    workers, scheduler = None, None
    if executor.takes == "N":
        _check_int(executor.option, value, 1, 1024)
        workers = value
    elif executor.takes == "ADDRESS":
        scheduler = parse_scheduler(value)
    executor = executor.name
    out = Path(args.out)
    inputs = Inputs(args.file, spec.base_path)
    result = sweep(spec, executor=executor, workers=workers, out=out, resume=args.resume, scheduler=scheduler, quiet=args.quiet,
                   inputs=inputs)
    if not args.quiet:
        print(f"{spec.describe()}: {len(result.table)} runs done; results and summary written to {out}/ (Parquet and CSV)")
        if spec.precision is not None:
            p = spec.precision
            worst = result.summary[result.summary.metric.isin(p.metrics)].groupby("run_id").rel_half_width.max()
            print(f"precision {p.target:g} reached at {int((worst <= p.target).sum())} of {len(worst)} points "
                  f"(worst achieved {worst.max():.3g}); replications per point: {result.table.groupby('run_id').size().min()} to "
                  f"{result.table.groupby('run_id').size().max()}")
    return 0


def cmd_validate(args) -> int:
    from ..model.budget import estimate
    from ..output.metrics import METRICS
    from ..run.runner import check_run
    from ..schema import read_toml

    data = read_toml(Path(args.file), "scenario file")
    if "base" in data and ("axes" in data or "lhs" in data) and "simulation" not in data:
        return _validate_sweep(args)
    scenario = _load(args, data)
    reps = scenario.simulation.replications
    est = estimate(scenario)
    print(f"{args.file}: valid ({scenario.name}: {scenario.simulation.days} days + {scenario.simulation.warmup_days} warm-up, "
          f"{len(scenario.contact_types)} contact type(s), about {est.first_contacts:,.0f} first contacts per replication, warm-up included)")
    print(est.describe(reps, len(METRICS)))
    check_run(scenario, reps, est)
    return 0


def _validate_sweep(args) -> int:
    """``validate`` on a sweep file: check it (base, every point) and estimate its runs."""
    from ..model.budget import duration_class, duration_text
    from ..run.sweep import estimate_sweep, load_sweep

    if args.set:
        raise SimcenterError(f"{args.file} is a sweep file; --set applies to scenarios (put the change in its [set] table)")
    spec = load_sweep(args.file)
    contacts, seconds = estimate_sweep(spec)
    print(f"{args.file}: valid sweep ({len(spec.points):,} points over {', '.join(spec.parameters)}; "
          f"{sum(spec.point_replications):,} runs)")
    print(f"estimate for the sweep: about {contacts:,.0f} contacts, {duration_text(seconds)} of computing on one core "
          f"(a sweep of {duration_class(seconds)})")
    return 0


def cmd_schema(args) -> int:
    from ..scenario import parameter_reference, scenario_json_schema

    if args.cli:
        sys.stdout.write(cli_reference())
    elif args.metrics:
        from ..output.metrics import metrics_reference

        sys.stdout.write(metrics_reference())
    elif args.markdown:
        sys.stdout.write(parameter_reference())
    elif args.data:
        from ..estimate.reference import data_reference

        sys.stdout.write(data_reference())
    else:
        print(json.dumps(scenario_json_schema(), indent=2))
    return 0


def _parse_target(text: str, flag: str = "--target") -> tuple[float, float]:
    try:
        level, seconds = text.split("/")
        level, seconds = float(level), float(seconds)
    except ValueError:
        raise SimcenterError(f"{flag} must look like 0.8/20 (service level / seconds), got {text!r}") from None
    if not 0 < level < 1 or not 0 <= seconds <= 86_400:
        raise SimcenterError(f"{flag} needs a service level in (0, 1) and seconds in [0, 86400], got {text!r}")
    return level, seconds


def cmd_erlang(args) -> int:
    from ..planning import analytic

    level, seconds = _parse_target(args.target)
    checks = [("--calls-per-hour", args.calls_per_hour, True, 1e7), ("--aht", args.aht, False, 86_400.0)]
    if args.patience is not None:
        checks.append(("--patience", args.patience, False, 1e7))
    for flag, value, zero_ok, high in checks:
        if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok) or value > high:
            raise SimcenterError(f"{flag} must be a finite number {'>= 0' if zero_ok else '> 0'} and at most {high:g}, got {value}")
    if args.max_abandon is not None and not 0 < args.max_abandon < 1:
        raise SimcenterError(f"--max-abandon must be in (0, 1), got {args.max_abandon}")
    _check_int("--around", args.around, 0, 1000)
    try:
        table = analytic.staffing_table(args.calls_per_hour, args.aht, seconds, level, args.patience, args.max_abandon, around=args.around)
    except ValueError as err:
        raise SimcenterError(str(err)) from None
    if not table.meets_target.any():
        raise SimcenterError(f"no staffing meets the target {args.target} at {args.calls_per_hour:g} calls/hour")
    model = "Erlang C (no abandonment)" if args.patience is None else f"Erlang A (mean patience {args.patience:g} s)"
    load = args.calls_per_hour * args.aht / 3600.0
    best = int(table.loc[table.meets_target, "agents"].min())
    print(f"{model}: {args.calls_per_hour:g} calls/hour x {args.aht:g} s = {load:.2f} Erlangs; target {level:g} within {seconds:g} s")
    rows = [
        [str(r.agents) + (" *" if r.agents == best else ""), f"{r.service_level:.4f}", f"{r.p_wait:.4f}", f"{r.abandon_rate:.4f}",
         f"{r.asa_s:.1f}", f"{r.occupancy:.4f}"]
        for r in table.itertuples()
    ]
    _print_table(rows, ["agents", "service_level", "p_wait", "abandon_rate", "asa_s", "occupancy"])
    print(f"* fewest agents meeting the target: {best}")
    return 0


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


def _metric_list(text: str | None, flag: str) -> list[str] | None:
    """The metrics named in ``flag``, comma-separated; None when not given."""
    if text is None:
        return None
    names = [m.strip() for m in text.split(",")]
    if not all(names) or len(set(names)) != len(names):
        raise SimcenterError(f"{flag} {text!r}: give metric names separated by commas, each once")
    return names


def _given_twice(args, pairs) -> None:
    """Refuse an option given beside a --set of the same key (one of the two would be dropped)."""
    keys = _overrides(getattr(args, "set", None), "--set")
    for flag, value, key in pairs:
        if value is not None and key in keys:
            raise SimcenterError(f"{flag} and --set {key} both set it; give one")


def cmd_fit(args) -> int:
    from .fitcmd import fit_command

    return fit_command(args)


def cmd_staff(args) -> int:
    from .staffcmd import staff_command

    return staff_command(args)


def cmd_plot(args) -> int:
    from ..outputs import Inputs, check_file
    from .plots import PLOT_FILE, save
    from .figures import figure
    from .saved import load_results

    inputs = Inputs(args.results)
    check_file(args.output, PLOT_FILE, "-o", inputs)
    results = load_results(args.results)
    target = _saved_target(args, results)
    fig = figure(results, args.kind, metric=args.metric, x=args.x, y=args.y, target=target)
    print(save(fig, Path(args.output), inputs))
    return 0


def cmd_report(args) -> int:
    from .._io import atomic_write_text
    from ..outputs import Inputs, check_file
    from .report import REPORT_FILE, html_report, load_results

    inputs = Inputs(args.results)
    out = check_file(args.output, REPORT_FILE, "-o", inputs)
    results = load_results(args.results)
    target = _saved_target(args, results)
    page = html_report(results, target=target)
    check_file(out, REPORT_FILE, "-o", inputs)
    atomic_write_text(out, page)
    print(out)
    return 0


BENCH_CASES = ("plain", "noncompliance", "spiral", "sweep", "multiskill")


def cmd_bench(args) -> int:
    import subprocess

    folder = Path(__file__).resolve().parents[2] / "benchmarks"
    if not folder.is_dir():
        raise SimcenterError("simcenter bench runs the scripts in benchmarks/ of a source checkout "
                             "(git clone, then pip install -e '.[bench]'); none is beside this installation")
    cases = args.cases or list(BENCH_CASES)
    for case in cases:
        if case not in BENCH_CASES:
            raise SimcenterError(f"unknown benchmark {case!r}; cases: {', '.join(BENCH_CASES)}")
    status = 0
    for case in cases:
        command = [sys.executable, str(folder / f"bench_{case}.py")]
        if args.repeats is not None:
            _check_int("--repeats", args.repeats, 1, 1000)
            command += ["--repeats", str(args.repeats)]
        print(f"== {case}: {' '.join(command[1:])}", flush=True)
        status = max(status, subprocess.run(command, cwd=folder).returncode)
    return 1 if status else 0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and exit code 2, as for every bad input
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    p = _Parser(prog="simcenter", description="Contact-center workload simulator.")
    p.add_argument("--version", action="version", version=f"simcenter {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def scenario_args(sp):
        sp.add_argument("file", help="scenario file (TOML)")
        sp.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a parameter by dotted key, e.g. agents.staffing=16 (repeatable)")

    r = sub.add_parser("run", help="simulate a scenario and print its metrics")
    scenario_args(r)
    r.add_argument("--replications", type=int, help="replications (default: simulation.replications)")
    r.add_argument("--seed", type=int, help="root seed (default: simulation.seed)")
    r.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    r.add_argument("--out", metavar="DIR", help="write summary, per-day, per-interval and per-replication tables (CSV and Parquet)")
    r.add_argument("--trace", metavar="FILE", help="write one record per contact (CSV, or Parquet for .parquet)")
    r.add_argument("--agent-trace", metavar="FILE", help="with workforce.enabled: write each agent's day (CSV, or Parquet for .parquet)")
    r.add_argument("--contact-log", metavar="FILE", help="also write replication 1 as a contact log, the format `simcenter fit` reads "
                   "(CSV, or Parquet for .parquet; the days after the warm-up)")
    r.add_argument("--precision", type=float, help="add replications until each --metrics has this relative 95%% half-width (e.g. 0.02)")
    r.add_argument("--max-replications", type=int, help="with --precision: stop here at the latest (default 200)")
    r.add_argument("--metrics", help="with --precision: comma-separated metrics (default service_level,asa_s)")
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("compare", help="compare two scenarios with common random numbers")
    c.add_argument("a", metavar="A", help="scenario file A")
    c.add_argument("b", metavar="B", nargs="?", help="scenario file B (default: A again, changed by --b)")
    c.add_argument("--set", action="append", metavar="KEY=VALUE", help="override applied to both")
    c.add_argument("--a", dest="set_a", action="append", metavar="KEY=VALUE", help="override applied to A only")
    c.add_argument("--b", dest="set_b", action="append", metavar="KEY=VALUE", help="override applied to B only")
    c.add_argument("--replications", type=int, help="paired replications (default: A's simulation.replications)")
    c.add_argument("--seed", type=int, help="root seed shared by both (default: A's simulation.seed)")
    c.add_argument("--metrics", help="comma-separated metrics (default: all)")
    c.add_argument("--json", action="store_true", help="print the table as JSON records")
    c.set_defaults(func=cmd_compare)

    w = sub.add_parser("sweep", help="run a sweep file: points x replications, resumable, on a process pool or Dask")
    w.add_argument("file", help="sweep file (TOML)")
    w.add_argument("--out", required=True, metavar="DIR", help="directory for the results (written as runs finish)")
    w.add_argument("--resume", action="store_true", help="finish an interrupted sweep in --out")
    how = w.add_mutually_exclusive_group()
    from ..run.executors import EXECUTORS

    for e in EXECUTORS.values():  # one option per executor, from the registry
        if e.takes == "N":
            how.add_argument(e.option, type=int, metavar="N", help=f"run on {e.help}")
        elif e.takes:
            how.add_argument(e.option, metavar=e.takes, help=f"run on {e.help}")
        else:
            how.add_argument(e.option, action="store_true", help=f"run {e.help}")
    w.add_argument("--quiet", action="store_true", help="no progress bar")
    w.set_defaults(func=cmd_sweep)

    v = sub.add_parser("validate", help="check a scenario or sweep file; print the estimated contacts, memory and duration of its runs")
    scenario_args(v)
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    s.add_argument("--markdown", action="store_true", help="print the parameter reference in Markdown instead")
    s.add_argument("--metrics", action="store_true", help="print the metrics reference in Markdown instead")
    s.add_argument("--cli", action="store_true", help="print the command-line reference in Markdown instead")
    s.add_argument("--data", action="store_true", help="print the reference of contact logs and interval reports (simcenter fit) in Markdown instead")
    s.set_defaults(func=cmd_schema)

    st = sub.add_parser("staff", help="fewest agents per interval for a target: Erlang, adjusted Erlang and simulation side by side; "
                        "with [[agent_groups]], the fewest agents per group that meet every queue's target")
    scenario_args(st)
    st.add_argument("--target", required=True, help="service-level target as LEVEL/SECONDS, e.g. 0.8/20")
    st.add_argument("--max-abandon", type=float, help="also require abandonment rate <= this")
    st.add_argument("--replications", type=int, help="replications per simulated plan (default: simulation.replications)")
    st.add_argument("--max-replications", type=int, metavar="N", help="double the replications, up to N, while the simulated plan has "
                    "not settled, its check of the typical interval is coarser than one agent, or it misses the target on fresh "
                    "replications (default: --replications, none added)")
    st.add_argument("--seed", type=int, help="root seed (default: simulation.seed)")
    st.add_argument("--flat", action="store_true", help="also find the fewest agents for a flat plan, by bisection in simulation")
    st.add_argument("--queue-target", action="append", metavar="QUEUE=LEVEL/SECONDS",
                    help="with [[agent_groups]]: this queue's own target level (repeatable; the seconds must equal --target's)")
    st.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    st.add_argument("--out", metavar="FILE", help="write the per-interval table as CSV (with [[agent_groups]]: agents per group)")
    st.add_argument("--quiet", action="store_true", help="no progress on stderr; the last line still says what was written where")
    st.set_defaults(func=cmd_staff)

    from .figures import KINDS

    pl = sub.add_parser("plot", help="draw a plot from saved sweep or run results (PNG or SVG)")
    pl.add_argument("results", metavar="RESULTS_DIR", help="a sweep --out or run --out directory")
    pl.add_argument("--kind", required=True, help=f"one of: {', '.join(KINDS)}")
    pl.add_argument("-o", "--output", required=True, metavar="FILE", help="output file, .png or .svg")
    pl.add_argument("--metric", default="service_level", help="metric to draw (heatmap, staffing-curve; default service_level)")
    pl.add_argument("--x", help="swept parameter on the x axis (heatmap; default the first swept)")
    pl.add_argument("--y", help="second swept parameter (heatmap y axis; staffing-curve lines; cost-frontier policy)")
    pl.add_argument("--target", help="service-level target LEVEL/SECONDS for target lines and required staffing (default 0.8/..)")
    pl.set_defaults(func=cmd_plot)

    from .fitcmd import add_fit_parser

    add_fit_parser(sub)
    sub.choices["fit"].set_defaults(func=cmd_fit)

    rp = sub.add_parser("report", help="one self-contained HTML page from saved results: scenario, summary, plots")
    rp.add_argument("results", metavar="RESULTS_DIR", help="a sweep --out or run --out directory")
    rp.add_argument("-o", "--output", required=True, metavar="FILE", help="output file (.html)")
    rp.add_argument("--target", help="service-level target LEVEL/SECONDS (default 0.8/..)")
    rp.set_defaults(func=cmd_report)

    b = sub.add_parser("bench", help="run the benchmarks (simcenter beside idiomatic SimPy and Ciw) from a source checkout")
    b.add_argument("cases", nargs="*", metavar="CASE", help=f"any of: {', '.join(BENCH_CASES)} (default: all)")
    b.add_argument("--repeats", type=int, help="interleaved repetitions per case (default: each script's own)")
    b.set_defaults(func=cmd_bench)

    e = sub.add_parser("erlang", help="staffing table from the Erlang C / Erlang A formulas")
    e.add_argument("--calls-per-hour", type=float, required=True)
    e.add_argument("--aht", type=float, required=True, help="mean handling time, seconds")
    e.add_argument("--patience", type=float, help="mean patience, seconds (Erlang A); omit for Erlang C")
    e.add_argument("--target", required=True, help="service-level target as LEVEL/SECONDS, e.g. 0.8/20")
    e.add_argument("--max-abandon", type=float, help="also require abandonment rate <= this (Erlang A)")
    e.add_argument("--around", type=int, default=3, help="rows either side of the answer (default 3)")
    e.set_defaults(func=cmd_erlang)
    return p


def cli_reference() -> str:
    """The command-line reference page (docs/reference/cli.md): every command's help."""
    import functools

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = [
        "# Command-line reference",
        "",
        "Generated from the program itself (`simcenter schema --cli`); a test keeps this page equal to it.",
        "Every command ends with one of these exit codes; every message is one line on stderr, never a",
        "traceback:",
        "",
        "| code | meaning |",
        "|---|---|",
        "| 0 | success |",
        "| 2 | bad input: a scenario, sweep file, override, option or results directory is not valid, or an output would replace something simcenter did not write or a file the command reads; the message names the field or the path, the value and what is allowed; nothing is written |",
        "| 1 | a failure while running: a full disk, a file that cannot be written, a Dask cluster that stops answering, a run stopped by its work guard, or a bug (`internal error`; `SIMCENTER_DEBUG=1` shows the traceback) |",
        "| 130 | interrupted by Ctrl-C (SIGINT) |",
        "| 143 | stopped by SIGTERM |",
        "| 129 | stopped by SIGHUP |",
        "",
        "An interrupted command removes its temporary files and stops its worker processes before it exits;",
        "a sweep keeps every finished chunk for `--resume`. Warnings are one line on stderr:",
        "`simcenter: warning: ...`.",
        "",
    ]
    for name, command in sub.choices.items():
        command.formatter_class = functools.partial(argparse.HelpFormatter, width=100)
        out += [f"## simcenter {name}", "", "```text", command.format_help().rstrip(), "```", ""]
    return "\n".join(out)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one line on stderr, like errors: ``simcenter: warning: ...``."""
    print(f"simcenter: warning: {message}", file=sys.stderr)


def _on_signal(signum, frame) -> None:
    raise Interrupted(signum)


def _stop_on_signals() -> dict:
    """SIGTERM and SIGHUP stop the command the way Ctrl-C does (an exception, so every
    temporary file is removed and every worker stopped on the way out). Returns the
    handlers to put back."""
    import signal
    import threading

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None:
                previous[sig] = signal.signal(sig, _on_signal)
    return previous


def _quiet_stdout() -> None:
    """After a broken pipe (``simcenter run X | head -1``), send what is left of standard
    output nowhere, so that Python's final flush does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    import signal
    import warnings

    parser = build_parser()
    args = parser.parse_args(argv)
    previous = _stop_on_signals()
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.func(args)
    except SimcenterError as err:
        print(f"simcenter: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt as err:
        signum = getattr(err, "signum", signal.SIGINT)
        name = "" if signum == signal.SIGINT else f" ({signal.Signals(signum).name})"
        print(f"simcenter: interrupted{name}", file=sys.stderr)
        return 128 + signum
    except BrokenPipeError:  # the reader of our output went away: nothing left to say
        _quiet_stdout()
        return 0
    except OSError as err:  # the machine, not the input: a full disk, a file gone
        where = f" ({str(err.filename)!r})" if err.filename else ""
        print(f"simcenter: error: {err.strerror or err}{where}", file=sys.stderr)
        return 1
    except MemoryError:
        print("simcenter: error: this machine ran out of memory; run fewer replications or a shorter horizon", file=sys.stderr)
        return 1
    except Exception as err:  # a bug: one line, unless asked for the traceback
        if os.environ.get("SIMCENTER_DEBUG"):
            raise
        text = str(err).splitlines()[0][:200] if str(err) else ""
        print(f"simcenter: internal error: {type(err).__name__}: {text} (a bug in simcenter; run with SIMCENTER_DEBUG=1 "
              "for the traceback and please report it)", file=sys.stderr)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
