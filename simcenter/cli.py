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
    simcenter staff FILE --target 0.8/20 [--max-abandon 0.05] [--replications N] [--flat] [--json] [--out FILE]

Exit codes: 0 success, 2 bad input (the message names the field, the value and what is
allowed; no traceback), 1 the machine failed the run (a full disk, a file that cannot be
written), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

from .errors import ScenarioError, SimcenterError

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


def _load(args):
    from .scenario import Scenario, parse_override

    scenario = Scenario.from_file(args.file)
    overrides = dict(parse_override(text) for text in (args.set or []))
    if overrides:
        try:
            scenario = scenario.replace(overrides)
        except ScenarioError as err:
            raise ScenarioError(err.field, err.message + " (from --set)", value=err.value) from None
    return scenario


#: The least free space a result needs beside what it is expected to take.
MIN_FREE_BYTES = 16 * 2**20


def _check_writable(path: Path, what: str, expected_bytes: float = 0.0, directory: bool = False) -> None:
    """Fail before a long run, not after it, if results cannot be written: a directory that
    cannot be created or written, or a disk without room for them."""
    import shutil

    from ._io import check_replaceable

    target = path if directory else path.parent
    if not directory:
        check_replaceable(path)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SimcenterError(f"{what} {str(path)!r}: cannot create directory ({err.strerror})") from None
    if not target.is_dir():
        raise SimcenterError(f"{what} {str(path)!r}: not a directory")
    if not os.access(target, os.W_OK | os.X_OK):
        raise SimcenterError(f"{what} {str(path)!r}: directory is not writable")
    free = shutil.disk_usage(target).free
    if free < MIN_FREE_BYTES + expected_bytes:
        raise SimcenterError(f"{what} {str(path)!r}: only {free / 2**20:,.1f} MB free on its disk; "
                             f"about {(MIN_FREE_BYTES + expected_bytes) / 2**20:,.0f} MB are needed")


def cmd_run(args) -> int:
    from .runner import simulate

    scenario = _load(args)
    for flag, value, low in (("--replications", args.replications, 1), ("--seed", args.seed, 0)):
        if value is not None and value < low:
            raise SimcenterError(f"{flag} must be >= {low}, got {value}")
    if args.out:
        _check_writable(Path(args.out), "--out", directory=True)
    if args.trace:  # about 120 bytes per contact record (CSV; Parquet is smaller)
        reps = args.replications or scenario.simulation.replications
        _check_writable(Path(args.trace), "--trace", 120.0 * scenario.expected_first_contacts() * reps)
    if args.agent_trace:
        _check_writable(Path(args.agent_trace), "--agent-trace")
    achieved = None
    if args.precision is not None:
        from .experiment import simulate_to_precision

        if args.trace or args.agent_trace:
            raise SimcenterError("--precision cannot be combined with --trace or --agent-trace")
        metrics = [m.strip() for m in args.metrics.split(",")] if args.metrics else ["service_level", "asa_s"]
        results, achieved = simulate_to_precision(
            scenario, args.precision, metrics, max_replications=args.max_replications, seed=args.seed
        )
    else:
        results = simulate(scenario, replications=args.replications, seed=args.seed, trace=args.trace, agent_trace=args.agent_trace)
    if args.out:
        results.write(args.out)
    if args.json:
        doc = results.to_json()
        doc["warmup_suggestion"] = results.warmup_report()
        if achieved is not None:
            doc["precision"] = {"target": args.precision, "achieved": {m: (p if math.isfinite(p) else None) for m, p in achieved.items()}}
        print(json.dumps(doc, indent=2, allow_nan=False))
        return 0
    print(f"scenario: {scenario.name}   seed: {results.seed}   replications: {results.n_replications}   "
          f"days: {scenario.simulation.days} (+{scenario.simulation.warmup_days} warm-up)")
    from .stats import METRICS, active_metrics

    shown = set(active_metrics(scenario))
    rows = []
    for row in results.summary().itertuples():
        if row.metric in shown:
            rows.append([row.metric, _fmt(row.mean, row.unit), _fmt(row.ci_low, row.unit), _fmt(row.ci_high, row.unit), row.unit])
    _print_table(rows, ["metric", "mean", "ci_low", "ci_high", "unit"])
    if len(shown) < len(METRICS):
        print(f"({len(METRICS) - len(shown)} metrics of mechanisms this scenario does not use are left out here; --json and --out have all)")
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
        print(f"tables written to {args.out}/ (summary, by_day, by_interval, replications; CSV and Parquet)")
    return 0


def cmd_compare(args) -> int:
    from .experiment import compare
    from .scenario import Scenario, parse_override

    def load(path, extra):
        scenario = Scenario.from_file(path)
        changes = dict(parse_override(t) for t in (args.set or []) + (extra or []))
        return scenario.replace(changes) if changes else scenario

    a = load(args.a, args.set_a)
    b = load(args.b or args.a, args.set_b)
    if a == b:
        raise SimcenterError("the two scenarios are identical; give a second file or --b KEY=VALUE")
    metrics = [m.strip() for m in args.metrics.split(",")] if args.metrics else None
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


def cmd_sweep(args) -> int:
    from .sweep import load_sweep, sweep

    spec = load_sweep(args.file)
    if args.workers is not None and args.workers < 1:
        raise SimcenterError(f"--workers must be >= 1, got {args.workers}")
    if args.scheduler:
        executor, workers = "dask", args.workers
    elif args.dask_local:
        executor, workers = "dask-local", args.dask_local
    elif args.serial:
        executor, workers = "serial", 1
    else:
        executor, workers = "process", args.workers
    out = Path(args.out)
    _check_writable(out, "--out", directory=True)
    result = sweep(spec, executor=executor, workers=workers, out=out, resume=args.resume, scheduler=args.scheduler, quiet=args.quiet)
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
    scenario = _load(args)
    print(f"{args.file}: valid ({scenario.name}: {scenario.simulation.days} days, "
          f"{len(scenario.contact_types)} contact type(s), about {scenario.expected_first_contacts():,.0f} first contacts per replication)")
    return 0


def cmd_schema(args) -> int:
    from .scenario import parameter_reference, scenario_json_schema

    if args.cli:
        sys.stdout.write(cli_reference())
    elif args.metrics:
        from .stats import metrics_reference

        sys.stdout.write(metrics_reference())
    elif args.markdown:
        sys.stdout.write(parameter_reference())
    else:
        print(json.dumps(scenario_json_schema(), indent=2))
    return 0


def _parse_target(text: str) -> tuple[float, float]:
    try:
        level, seconds = text.split("/")
        level, seconds = float(level), float(seconds)
    except ValueError:
        raise SimcenterError(f"--target must look like 0.8/20 (service level / seconds), got {text!r}") from None
    if not 0 < level <= 1 or not math.isfinite(seconds) or seconds < 0:
        raise SimcenterError(f"--target needs a service level in (0, 1] and seconds >= 0, got {text!r}")
    return level, seconds


def cmd_erlang(args) -> int:
    from . import analytic

    level, seconds = _parse_target(args.target)
    checks = (("--calls-per-hour", args.calls_per_hour, True), ("--aht", args.aht, False))
    for flag, value, zero_ok in checks + ((("--patience", args.patience, False),) if args.patience is not None else ()):
        if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
            raise SimcenterError(f"{flag} must be a finite number {'>= 0' if zero_ok else '> 0'}, got {value}")
    if args.max_abandon is not None and not 0 <= args.max_abandon <= 1:
        raise SimcenterError(f"--max-abandon must be in [0, 1], got {args.max_abandon}")
    try:
        table = analytic.staffing_table(args.calls_per_hour, args.aht, seconds, level, args.patience, args.max_abandon, around=args.around)
    except ValueError as err:
        raise SimcenterError(str(err)) from None
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


def cmd_staff(args) -> int:
    from .staffing import Target, flat_staffing, staff

    scenario = _load(args)
    level, seconds = _parse_target(args.target)
    target = Target(level, seconds, args.max_abandon)
    if args.replications is not None and args.replications < 2:
        raise SimcenterError(f"--replications must be >= 2, got {args.replications}")
    reps = args.replications or scenario.simulation.replications
    if reps < 2:
        raise SimcenterError(f"simulation.replications is {reps}; staffing needs >= 2 (give --replications)")
    if args.out:
        _check_writable(Path(args.out), "--out")
    table, summary = staff(scenario, target, replications=reps, seed=args.seed)
    flat = flat_staffing(scenario, target, replications=reps, seed=args.seed) if args.flat else None
    if args.json:
        doc = {"scenario": scenario.name, "target": {"level": level, "answer_s": seconds, "max_abandon": args.max_abandon},
               "intervals": json.loads(table.to_json(orient="records")), "summary": summary}
        if flat is not None:
            doc["flat"] = {"agents": flat.agents, "service_level": flat.service_level, "ci_low": flat.ci_low,
                           "ci_high": flat.ci_high, "replications": flat.replications}
        print(json.dumps(doc, indent=2))
    else:
        print(f"{scenario.name}: staffing for {target} ({reps} replications per simulation, common random numbers)")
        rows = [[r.interval, f"{r.calls_per_hour:,.0f}", f"{r.offered_load:.1f}", str(r.erlang), f"{r.sl_erlang:.3f}", str(r.adjusted),
                 f"{r.sl_adjusted:.3f}", str(r.simulated), f"{r.sl_simulated:.3f}"] for r in table.itertuples()]
        _print_table(rows, ["interval", "calls/h", "load", "erlang", "sl", "adjusted", "sl", "simulated", "sl"])
        print()
        rows = [[name, f"{s['agent_hours_per_day']:,.1f}", f"{s['service_level']:.3f}", f"[{s['ci_low']:.3f}, {s['ci_high']:.3f}]"]
                for name, s in summary.items()]
        _print_table(rows, ["plan", "agent_h/day", "service_level", "95% interval"])
        sim = summary["simulated"]
        print(f"simulated plan: {sim['iterations']} iterations, {'settled' if sim['settled'] else 'NOT settled (raise the replications)'}")
        if flat is not None:
            print(f"flat staffing (bisection in simulation): {flat.agents} agents, service level {flat.service_level:.3f} "
                  f"[{flat.ci_low:.3f}, {flat.ci_high:.3f}] over {flat.replications} replications")
    if args.out:
        from ._io import atomic_write_text

        atomic_write_text(Path(args.out), table.to_csv(index=False))
    return 0


def cmd_plot(args) -> int:
    from .plots import save
    from .report import figure, load_results

    results = load_results(args.results)
    target = _parse_target(args.target)[0] if args.target else 0.8
    fig = figure(results, args.kind, metric=args.metric, x=args.x, y=args.y, target=target)
    out = Path(args.output)
    _check_writable(out, "-o")
    print(save(fig, out))
    return 0


def cmd_report(args) -> int:
    from ._io import atomic_write_text
    from .report import html_report, load_results

    results = load_results(args.results)
    target = _parse_target(args.target)[0] if args.target else 0.8
    out = Path(args.output)
    if out.suffix.lower() not in (".html", ".htm"):
        raise SimcenterError(f"-o {str(out)!r}: the report is HTML; give a file name ending in .html")
    _check_writable(out, "-o")
    atomic_write_text(out, html_report(results, target=target))
    print(out)
    return 0


BENCH_CASES = ("plain", "noncompliance", "spiral", "sweep")


def cmd_bench(args) -> int:
    import subprocess

    folder = Path(__file__).resolve().parent.parent / "benchmarks"
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
            command += ["--repeats", str(args.repeats)]
        print(f"== {case}: {' '.join(command[1:])}", flush=True)
        status = max(status, subprocess.run(command, cwd=folder).returncode)
    return 1 if status else 0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and exit code 2, as for every bad input
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

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
    r.add_argument("--precision", type=float, help="add replications until each --metrics has this relative 95%% half-width (e.g. 0.02)")
    r.add_argument("--max-replications", type=int, default=200, help="with --precision: stop here at the latest (default 200)")
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
    how.add_argument("--workers", type=int, help="process-pool workers (default: all cores)")
    how.add_argument("--serial", action="store_true", help="run in this process (for debugging)")
    how.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on the Dask cluster with this scheduler")
    how.add_argument("--dask-local", type=int, metavar="N", help="start a Dask LocalCluster of N worker processes")
    w.add_argument("--quiet", action="store_true", help="no progress bar")
    w.set_defaults(func=cmd_sweep)

    v = sub.add_parser("validate", help="check a scenario file")
    scenario_args(v)
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    s.add_argument("--markdown", action="store_true", help="print the parameter reference in Markdown instead")
    s.add_argument("--metrics", action="store_true", help="print the metrics reference in Markdown instead")
    s.add_argument("--cli", action="store_true", help="print the command-line reference in Markdown instead")
    s.set_defaults(func=cmd_schema)

    st = sub.add_parser("staff", help="fewest agents per interval for a target: Erlang, adjusted Erlang and simulation side by side")
    scenario_args(st)
    st.add_argument("--target", required=True, help="service-level target as LEVEL/SECONDS, e.g. 0.8/20")
    st.add_argument("--max-abandon", type=float, help="also require abandonment rate <= this")
    st.add_argument("--replications", type=int, help="replications per simulation (default: simulation.replications)")
    st.add_argument("--seed", type=int, help="root seed (default: simulation.seed)")
    st.add_argument("--flat", action="store_true", help="also find the fewest agents for a flat plan, by bisection in simulation")
    st.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    st.add_argument("--out", metavar="FILE", help="write the per-interval table as CSV")
    st.set_defaults(func=cmd_staff)

    from .plots import KINDS

    pl = sub.add_parser("plot", help="draw a plot from saved sweep or run results (PNG or SVG)")
    pl.add_argument("results", metavar="RESULTS_DIR", help="a sweep --out or run --out directory")
    pl.add_argument("--kind", required=True, help=f"one of: {', '.join(KINDS)}")
    pl.add_argument("-o", "--output", required=True, metavar="FILE", help="output file, .png or .svg")
    pl.add_argument("--metric", default="service_level", help="metric to draw (heatmap, staffing-curve; default service_level)")
    pl.add_argument("--x", help="swept parameter on the x axis (heatmap; default the first swept)")
    pl.add_argument("--y", help="second swept parameter (heatmap y axis; staffing-curve lines; cost-frontier policy)")
    pl.add_argument("--target", help="service-level target LEVEL/SECONDS for target lines and required staffing (default 0.8/..)")
    pl.set_defaults(func=cmd_plot)

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
        "Every command exits with 0 on success, 2 on bad input (one line naming the field, the value and",
        "what is allowed; no traceback), 1 when the machine fails the run (a full disk, a file that cannot",
        "be written; one line) and 130 when interrupted. Warnings are one line on stderr:",
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


def main(argv: list[str] | None = None) -> int:
    import warnings

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.func(args)
    except SimcenterError as err:
        print(f"simcenter: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("simcenter: interrupted", file=sys.stderr)
        return 130
    except OSError as err:  # the machine, not the input: a full disk, a file gone
        where = f" ({err.filename})" if err.filename else ""
        print(f"simcenter: error: {err.strerror or err}{where}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
