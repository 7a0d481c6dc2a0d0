"""The ``simcenter`` command line: the parser (:func:`build_parser`), the small commands,
and :func:`main`, which turns every error into one line and an exit code. The longer
commands live in modules of their own (``run`` in :mod:`.runcmd`, ``sweep`` in
:mod:`.sweepcmd`, ``plot`` and ``report`` in :mod:`.reportcmd`, ``staff`` in :mod:`.staffcmd`,
``fit`` in :mod:`.fitcmd`); the synopsis of every command and the reference page are
generated from the parser (:mod:`.clidoc`).

Standard output carries what a command answers (a table, JSON); standard error carries
its progress (:mod:`.progress`; ``--quiet`` silences it), its warnings, and the last line
saying what it wrote where.

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
from .clidoc import cli_reference, synopsis  # noqa: F401 (generated from build_parser; named here as before)

__all__ = ["main", "build_parser", "cli_reference", "synopsis"]


def _print_table(rows: list[list[str]], headers: list[str], out=None) -> None:
    out = out or sys.stdout
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths)))
    print(line, file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))), file=out)


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
    """The scenario of ``args.file`` (or of ``data`` already read from it) with --set applied;
    a sweep file is refused with the command that runs it."""
    from ..scenario import Scenario
    from .filekind import scenario_data

    data = scenario_data(args.file, getattr(args, "command", None) or "run") if data is None else data
    scenario = Scenario.from_toml_data(data, source=str(args.file))
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


def cmd_run(args) -> int:
    from .runcmd import run_command

    return run_command(args)


def cmd_sweep(args) -> int:
    from .sweepcmd import sweep_command

    return sweep_command(args)


def cmd_validate(args) -> int:
    from ..model.budget import estimate
    from ..output.metrics import METRICS
    from ..run.runner import check_run
    from ..run.sweepfile import file_kind
    from ..schema import read_toml

    data = read_toml(Path(args.file), "scenario file")
    if file_kind(data) == "sweep":
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

    from ..estimate.reference import data_reference
    from ..output.metrics import metrics_reference
    from ..output.trace import trace_reference

    pages = {"cli": cli_reference, "metrics": metrics_reference, "trace": trace_reference, "markdown": parameter_reference,
             "data": data_reference}
    page = next((make for flag, make in pages.items() if getattr(args, flag)), None)
    sys.stdout.write(page() if page else json.dumps(scenario_json_schema(), indent=2) + "\n")
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
    from .reportcmd import plot_command

    return plot_command(args)


def cmd_report(args) -> int:
    from .reportcmd import report_command

    return report_command(args)


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
    r.add_argument("--trace", metavar="FILE", help="write one record per contact and per callback attempt (CSV, or Parquet for .parquet; columns in docs/reference/trace.md)")
    r.add_argument("--agent-trace", metavar="FILE", help="with workforce.enabled: write each agent's day (CSV, or Parquet for .parquet)")
    r.add_argument("--contact-log", metavar="FILE", help="also write replication 1 as a contact log, the format `simcenter fit` reads "
                   "(CSV, or Parquet for .parquet; the days after the warm-up)")
    r.add_argument("--precision", type=float, metavar="HALF_WIDTH", help="add replications until each --metrics has this relative 95%% half-width (e.g. 0.02)")
    r.add_argument("--max-replications", type=int, help="with --precision: stop here at the latest (default 200)")
    r.add_argument("--metrics", metavar="LIST", help="with --precision: comma-separated metrics (default service_level,asa_s)")
    r.add_argument("--quiet", action="store_true", help="no progress bar (on a terminal, stderr shows one over the replications); "
                   "the table or JSON still goes to stdout, and a run that writes files still ends with one line on stderr naming them")
    r.set_defaults(func=cmd_run)

    from .comparecmd import add_compare_parser

    add_compare_parser(sub)

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
    w.add_argument("--quiet", action="store_true", help="no estimate line and no progress bar (on a terminal, stderr shows one over "
                   "the runs); still one last line on stderr saying what was written where")
    w.set_defaults(func=cmd_sweep)

    v = sub.add_parser("validate", help="check a scenario or sweep file; print the estimated contacts, memory and duration of its runs")
    scenario_args(v)
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    page = s.add_mutually_exclusive_group()  # one page at a time
    page.add_argument("--markdown", action="store_true", help="print the parameter reference in Markdown instead")
    page.add_argument("--metrics", action="store_true", help="print the metrics reference in Markdown instead")
    page.add_argument("--cli", action="store_true", help="print the command-line reference in Markdown instead")
    page.add_argument("--trace", action="store_true", help="print the reference of the trace's columns (run --trace) in Markdown instead")
    page.add_argument("--data", action="store_true", help="print the reference of contact logs and interval reports (simcenter fit) in Markdown instead")
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
    pl.add_argument("--kind", required=True, metavar="KIND", help=f"one of: {', '.join(KINDS)}")
    pl.add_argument("-o", "--output", required=True, metavar="FILE", help="output file, .png or .svg")
    pl.add_argument("--metric", default="service_level", metavar="METRIC", help="metric to draw (heatmap, staffing-curve; default service_level)")
    pl.add_argument("--x", metavar="PARAMETER", help="swept parameter on the x axis (heatmap, staffing-curve; default: the staffing for a staffing curve, else the first swept)")
    pl.add_argument("--y", metavar="PARAMETER", help="second swept parameter (heatmap y axis; staffing-curve lines; cost-frontier policy)")
    pl.add_argument("--target", metavar="LEVEL/SECONDS", help="service-level target for target lines and required staffing "
                    "(default 0.8 within the scenario's service_level.target_s)")
    pl.add_argument("--at", action="append", metavar="KEY=VALUE",
                    help="fix a swept parameter the plot does not draw at one of its values (repeatable; default: the base "
                         "scenario's value where the sweep has it, else the lowest; the title says which)")
    pl.add_argument("--quiet", action="store_true", help="the same as without: plot draws one figure (about 2 s) and shows no "
                    "progress; quiet or not, it ends with one line on stderr naming the file and its size")
    pl.set_defaults(func=cmd_plot)

    from .fitcmd import add_fit_parser

    add_fit_parser(sub)
    sub.choices["fit"].set_defaults(func=cmd_fit)

    rp = sub.add_parser("report", help="one self-contained HTML page from saved results: scenario, summary, plots")
    rp.add_argument("results", metavar="RESULTS_DIR", help="a sweep --out or run --out directory")
    rp.add_argument("-o", "--output", required=True, metavar="FILE", help="output file (.html)")
    rp.add_argument("--target", metavar="LEVEL/SECONDS", help="service-level target for target lines and required staffing "
                    "(default 0.8 within the scenario's service_level.target_s)")
    rp.add_argument("--quiet", action="store_true", help="no progress bar (on a terminal, stderr shows one over the figures); "
                    "still one last line on stderr naming the report and its size")
    rp.set_defaults(func=cmd_report)

    b = sub.add_parser("bench", help="run the benchmarks (simcenter beside idiomatic SimPy and Ciw) from a source checkout")
    b.add_argument("cases", nargs="*", metavar="CASE", help=f"any of: {', '.join(BENCH_CASES)} (default: all)")
    b.add_argument("--repeats", type=int, help="interleaved repetitions per case (default: each script's own)")
    b.set_defaults(func=cmd_bench)

    e = sub.add_parser("erlang", help="staffing table from the Erlang C / Erlang A formulas")
    e.add_argument("--calls-per-hour", type=float, required=True, metavar="RATE", help="offered calls per hour")
    e.add_argument("--aht", type=float, required=True, metavar="SECONDS", help="mean handling time, seconds")
    e.add_argument("--patience", type=float, metavar="SECONDS", help="mean patience, seconds (Erlang A); omit for Erlang C")
    e.add_argument("--target", required=True, metavar="LEVEL/SECONDS", help="service-level target, e.g. 0.8/20")
    e.add_argument("--max-abandon", type=float, metavar="RATE", help="also require abandonment rate <= this (Erlang A)")
    e.add_argument("--around", type=int, default=3, metavar="N", help="rows either side of the answer (default 3)")
    e.set_defaults(func=cmd_erlang)
    return p




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
