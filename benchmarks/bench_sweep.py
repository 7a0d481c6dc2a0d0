"""Benchmark: a 16-point sweep serially, on the local process pool, and on a Dask
LocalCluster, each as the ``simcenter sweep`` command a user runs (a fresh process, so
every executor pays its own start: imports, pool or cluster), interleaved, in one
benchmark run on all cores of this machine.

    python benchmarks/bench_sweep.py [--workers N] [--repeats 3] [--days 28]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import simcenter
from simcenter.schema import dumps_toml

ROOT = Path(__file__).resolve().parent.parent


def spec(days: int) -> dict:
    return {
        "base": str(ROOT / "scenarios/baseline.toml"),
        "replications": 3,
        "metrics": ["service_level", "asa_s", "abandon_rate", "occupancy"],
        "set": {"simulation.days": days},
        "axes": {"agents.scale": [0.9, 1.0, 1.1, 1.2], "patience.mean_s": [180.0, 240.0, 300.0, 360.0]},
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=int, default=os.cpu_count())
    p.add_argument("--repeats", type=int, default=3, help="interleaved rounds; medians are compared (default 3)")
    p.add_argument("--days", type=int, default=28, help="simulated days per run (default 28)")
    args = p.parse_args(argv)
    executors = {
        "serial": ["--serial"],
        "process": ["--workers", str(args.workers)],
        "dask-local": ["--dask-local", str(args.workers)],
    }
    print(f"simcenter {simcenter.__version__}: `simcenter sweep` of 16 points x 3 replications of baseline.toml "
          f"({args.days} days), {args.workers} workers on {os.cpu_count()} cores, median of {args.repeats} interleaved rounds")
    runs: dict[str, list[float]] = {name: [] for name in executors}
    tables = {}
    with tempfile.TemporaryDirectory() as tmp:
        sweep_file = Path(tmp) / "sweep.toml"
        sweep_file.write_text(dumps_toml(spec(args.days)))
        for round_ in range(args.repeats):
            for name, flags in executors.items():
                out = Path(tmp) / f"{name}-{round_}"
                command = [sys.executable, "-m", "simcenter", "sweep", str(sweep_file), "--out", str(out), "--quiet", *flags]
                start = time.perf_counter()
                subprocess.run(command, check=True)
                runs[name].append(time.perf_counter() - start)
                tables[name] = pd.read_parquet(out / "results.parquet")
    timings = {name: statistics.median(times) for name, times in runs.items()}
    for name, t in timings.items():
        print(f"  {name:>10}: {t:6.1f} s   (runs: {', '.join(f'{x:.1f}' for x in runs[name])})")
    for name in ("process", "dask-local"):
        pd.testing.assert_frame_equal(tables[name], tables["serial"], check_exact=True)
    print(f"  process pool speed-up over serial: {timings['serial'] / timings['process']:.2f}x")
    print(f"  Dask LocalCluster time / process pool time: {timings['dask-local'] / timings['process']:.2f}")
    print("  tables identical row for row on all three")


if __name__ == "__main__":
    main()
