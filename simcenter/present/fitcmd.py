"""``simcenter fit``: a center's contact log or interval report in, a fitted scenario out.

The command checks its options and where its results go before reading a row; reads and
checks the data (the first bad row stops it, exit code 2, nothing written); fits; with
``--backtest`` simulates the fitted scenario over the data's dates; and writes the results
directory (``scenario.toml``, ``estimates.csv``, ``report.html``, the figures as PNG,
``backtest.csv``), then prints where. Each stage is a line on stderr (``--quiet``: none).
``simcenter run SCENARIO --contact-log FILE`` writes a run as a contact log, to try
``fit`` without data of one's own.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ..estimate.fitting import DEFAULTS

__all__ = ["add_fit_parser", "fit_command", "write_contact_log"]


def add_fit_parser(sub) -> None:
    f = sub.add_parser("fit", help="fit a scenario to a contact log or interval report (CSV or Parquet); "
                       "estimates, report and optional backtest")
    f.add_argument("data", metavar="DATA", help="contact log or interval report, .csv or .parquet")
    f.add_argument("--out", required=True, metavar="DIR", help="directory for scenario.toml, estimates.csv, report.html, figures")
    f.add_argument("--kind", choices=("auto", "log", "intervals"), default="auto",
                   help="what DATA is (default auto: an `offered` column makes it an interval report)")
    f.add_argument("--columns", metavar="NAME=COLUMN,...", help="map simcenter's column names to DATA's, e.g. arrival=call_start,wait_s=queue_s")
    f.add_argument("--columns-file", metavar="FILE", help="the same mapping as a TOML file of NAME = \"COLUMN\" lines")
    f.add_argument("--timezone", metavar="TZ", help="the center's time zone (e.g. Europe/Madrid); needed when timestamps carry UTC offsets")
    f.add_argument("--time-format", metavar="FORMAT", help="strftime format of timestamps that are not ISO 8601, e.g. '%%d/%%m/%%Y %%H:%%M:%%S'")
    for name, (default, unit, text) in DEFAULTS.items():
        f.add_argument("--" + name.replace("_", "-"), type=float if isinstance(default, float) else int, default=default,
                       help=f"{text} ({unit}; default {default:g})")
    f.add_argument("--backtest", action="store_true", help="simulate the fitted scenario over the data's dates and compare per interval")
    f.add_argument("--replications", type=int, default=20, help="with --backtest: replications (default 20)")
    f.add_argument("--seed", type=int, default=1, help="seed of the fitted scenario and the backtest (default 1)")
    f.add_argument("--name", help="the fitted scenario's name (default: DATA's file name)")
    f.add_argument("--quiet", action="store_true", help="no progress lines; only the last line saying what was written where")


def _columns(args) -> dict:
    from .._io import read_input_text
    from ..estimate.logs import LogError, parse_columns
    from ..schema import parse_toml

    mapping = parse_columns(args.columns) if args.columns else {}
    if args.columns_file:
        try:
            text = read_input_text(args.columns_file, limit=2**20)
        except (OSError, ValueError) as err:
            raise LogError(f"--columns-file {args.columns_file!r}: {err}") from None
        data = parse_toml(text, source=args.columns_file)
        table = data.get("columns", data)
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise LogError(f"--columns-file {args.columns_file!r}: give NAME = \"COLUMN\" lines (or a [columns] table of them)")
        for key, value in parse_columns(table, "--columns-file").items():
            if key in mapping and mapping[key] != value:
                raise LogError(f"column {key!r} is mapped twice: {mapping[key]!r} by --columns and {value!r} by --columns-file")
            mapping[key] = value
    return mapping


def fit_command(args) -> int:
    from ..estimate.fitting import fit
    from ..outputs import Inputs
    from .fitreport import check_fit_out, save_fit

    data = Path(args.data)
    inputs = Inputs(data, args.columns_file)
    check_fit_out(args.out, inputs)  # before any work: nothing the user owns will be overwritten
    mapping = _columns(args)
    start = time.monotonic()

    def say(stage: str) -> None:
        if not args.quiet:
            print(f"[{time.monotonic() - start:6.1f} s] {stage}", file=sys.stderr, flush=True)

    result = fit(data, columns=mapping, timezone=args.timezone, time_format=args.time_format, kind=args.kind,
                 interval_minutes=args.interval_minutes, redial_window_min=args.redial_window_min,
                 repeat_window_days=args.repeat_window_days, target_s=args.target_s, name=args.name, seed=args.seed,
                 backtest=args.backtest, replications=args.replications, progress=say)
    say("writing the results")
    written = save_fit(result, args.out, inputs)
    if not args.quiet:
        for w in result.warnings:
            print(f"warning: {w}", file=sys.stderr)
        d = result.demand
        print(f"fitted {result.scenario.name!r} from {result.source}: {d.days} days, {d.calls_per_day:,.0f} first contacts per open day, "
              f"{len(result.scenario.contact_types)} contact type(s)")
        if result.backtest is not None:
            print(f"backtest: {result.backtest_coverage():.0%} of observations per interval inside their simulated 95% band")
    print(f"wrote {len(written)} files to {args.out}/ (scenario.toml, estimates.csv, report.html"
          + (", backtest.csv" if result.backtest is not None else "") + ", figures as PNG)")
    return 0


def write_contact_log(scenario, path: str | Path, seed: int | None, inputs) -> int:
    """Simulate one replication of ``scenario`` and write it as a contact log (CSV or
    Parquet): the days after the warm-up, contacts that reached the queue. Returns the rows."""
    import tempfile

    import pandas as pd

    from ..estimate.synthetic import log_frame_from_trace
    from ..outputs import check_file
    from ..run.runner import simulate
    from .._io import atomic_write_bytes

    kind = contact_log_file()
    start = check_contact_log(scenario, path, inputs)
    with tempfile.TemporaryDirectory(prefix="simcenter-log-") as tmp:
        trace = Path(tmp) / "trace.parquet"
        simulate(scenario, replications=1, seed=seed, trace=trace)
        frame = log_frame_from_trace(pd.read_parquet(trace), start)
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        import io

        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"simcenter": b"contact log"})
        buf = io.BytesIO()
        pq.write_table(table, buf)
        data = buf.getvalue()
    else:
        out = frame.copy()
        out["arrival"] = out["arrival"].dt.strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3]
        data = out.to_csv(index=False).encode()
    check_file(path, kind, "--contact-log", inputs)
    atomic_write_bytes(path, data)
    return len(frame)


def check_contact_log(scenario, path, inputs):
    """Before the run: may the log go to ``path``, and do the run's dates fit a log? Returns
    the date of the run's day 0."""
    from ..errors import SimcenterError
    from ..estimate.synthetic import default_start
    from ..outputs import check_file

    check_file(path, contact_log_file(), "--contact-log", inputs)
    start = default_start(scenario)
    if not (1900 <= start.year and start.year + scenario.total_days // 365 + 1 < 2200):
        raise SimcenterError(f"--contact-log: the run's dates ({start.isoformat()} on) must fall between the years 1900 and 2199, "
                             "as a contact log's timestamps do; change calendar.start_date")
    return start


def contact_log_file():
    """The kind of file ``--contact-log`` writes. Its CSV header is the documented log
    format, which the user's own exports share, so a CSV is never taken for simcenter's
    and never replaced; a Parquet log carries simcenter's mark in its metadata."""
    from ..outputs import FileKind

    return FileKind("contact log", (".csv", ".parquet"))


_LOG_HEADER = ("contact_id", "customer_id", "arrival", "contact_type", "outcome", "wait_s", "talk_s", "wrapup_s", "agent_id", "direction")