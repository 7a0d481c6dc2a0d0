"""Benchmark: ``simcenter fit`` on a contact log of a million rows, beside reading it.

The log is a simulated center's (the noncompliance example scaled to about a million
contacts over four weeks: several contact types, redials, repeats, agent ids), written
once as CSV into a temporary directory. The reference is the floor any fit pays: reading
the same file with ``pandas.read_csv``. Each is run in a fresh process, interleaved, and
the script prints the medians of wall time, their ratio, and the peak resident memory of
the fit's process (the issue's budget: under 60 s and 2 GB on two cores).

    python benchmarks/bench_fit.py                 # a million rows, 3 repeats
    python benchmarks/bench_fit.py --rows 200000 --repeats 1
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_log(path: Path, rows: int) -> int:
    import pandas as pd

    import simcenter
    from simcenter.estimate.synthetic import default_start, log_frame_from_trace

    days = 28
    per_day = rows / days
    s = simcenter.Scenario.from_file(Path(__file__).parent.parent / "scenarios/noncompliance.toml")
    scale = per_day * 7 / 6 / 2400.0  # the example opens six days a week, with about 2,400 logged contacts each
    s = s.replace({"simulation.days": days, "simulation.warmup_days": 7, "arrivals.calls_per_day": 2400.0 * scale,
                   "agents.scale": scale})
    trace = path.with_suffix(".parquet")
    simcenter.simulate(s, replications=1, trace=trace)
    frame = log_frame_from_trace(pd.read_parquet(trace), default_start(s))
    trace.unlink()
    frame["arrival"] = frame["arrival"].dt.strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3]
    frame.to_csv(path, index=False)
    return len(frame)


def run(code: str) -> tuple[float, int]:
    """(wall seconds, peak resident bytes) of a fresh Python process running ``code``."""
    probe = code + "\nimport resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - start, int(out.strip().splitlines()[-1]) * 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="simcenter-bench-fit-") as tmp:
        log = Path(tmp) / "log.csv"
        t0 = time.perf_counter()
        n = make_log(log, args.rows)
        print(f"log: {n:,} rows, {log.stat().st_size / 2**20:,.0f} MB of CSV (made in {time.perf_counter() - t0:.0f} s)")
        fit_code = f"import simcenter; f = simcenter.fit({str(log)!r}); assert f.scenario"
        read_code = f"import pandas as pd; df = pd.read_csv({str(log)!r}); assert len(df)"
        fits, reads, peaks = [], [], []
        for _ in range(args.repeats):
            t, _ = run(read_code)
            reads.append(t)
            t, peak = run(fit_code)
            fits.append(t)
            peaks.append(peak)
        fit_s, read_s = statistics.median(fits), statistics.median(reads)
        print(f"simcenter fit: {fit_s:.1f} s (median of {args.repeats}), peak memory {max(peaks) / 2**20:,.0f} MB")
        print(f"pandas.read_csv of the same file: {read_s:.1f} s")
        print(f"ratio fit / read: {fit_s / read_s:.2f}")
        print(f"budget (60 s, 2048 MB): {'met' if fit_s < 60 and max(peaks) < 2**31 else 'NOT met'}")


if __name__ == "__main__":
    main()
