"""Benchmark: a 16-point sweep serially, on the local process pool, and on a Dask
LocalCluster, in one process run, on all cores of this machine.

    python benchmarks/bench_sweep.py [--workers N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import pandas as pd

import simcenter
from simcenter.sweep import load_sweep, sweep

ROOT = Path(__file__).resolve().parent.parent

SPEC = {
    "base": str(ROOT / "scenarios/baseline.toml"),
    "replications": 3,
    "metrics": ["service_level", "asa_s", "abandon_rate", "occupancy"],
    "set": {"simulation.days": 14},
    "axes": {"agents.scale": [0.9, 1.0, 1.1, 1.2], "patience.mean_s": [180.0, 240.0, 300.0, 360.0]},
}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workers", type=int, default=os.cpu_count())
    p.add_argument("--repeats", type=int, default=3, help="interleaved rounds; medians are compared (default 3)")
    args = p.parse_args(argv)
    spec = load_sweep(SPEC)
    print(f"simcenter {simcenter.__version__}: {len(spec.points)} points x {spec.replications} replications "
          f"of baseline.toml (14 days), {args.workers} workers on {os.cpu_count()} cores, median of {args.repeats} interleaved rounds")
    runs, tables = {"serial": [], "process": [], "dask-local": []}, {}
    for _ in range(args.repeats):
        for executor in runs:
            start = time.perf_counter()
            tables[executor] = sweep(spec, executor=executor, workers=args.workers).table
            runs[executor].append(time.perf_counter() - start)
    timings = {executor: statistics.median(times) for executor, times in runs.items()}
    for executor, t in timings.items():
        print(f"  {executor:>10}: {t:6.1f} s   (runs: {', '.join(f'{x:.1f}' for x in runs[executor])})")
    for name in ("process", "dask-local"):
        pd.testing.assert_frame_equal(tables[name], tables["serial"], check_exact=True)
    print(f"  process pool speed-up over serial: {timings['serial'] / timings['process']:.2f}x")
    print(f"  Dask LocalCluster time / process pool time: {timings['dask-local'] / timings['process']:.2f}")
    print("  tables identical row for row on all three")


if __name__ == "__main__":
    main()
