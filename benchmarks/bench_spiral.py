"""Benchmark: one replication of scenarios/spiral.toml over 26 weeks beside the same
center over 1 week: wall time, contacts per second, and peak memory (a fresh process per
horizon, so that each peak is its own).

    python benchmarks/bench_spiral.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

import simcenter

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, resource, time, tracemalloc
import simcenter
from simcenter.model.center import CallCenter
s = simcenter.Scenario.from_file({path!r}).replace({{"simulation.days": {days}}})
if {traced}:
    tracemalloc.start()
t = time.perf_counter()
c = CallCenter(s, s.simulation.seed, 0).run()
elapsed = time.perf_counter() - t
traced = tracemalloc.get_traced_memory()[1] if {traced} else 0
contacts = sum(c.offered) + sum(c.after_hours) + sum(c.callback_attempts)
print(json.dumps({{"seconds": elapsed, "contacts": contacts, "traced": traced,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}}))
"""


def measure(days: int, traced: bool = False) -> dict:
    code = PROBE.format(path=str(ROOT / "scenarios/spiral.toml"), days=days, traced=traced)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _median_run(days: int, repeats: int) -> dict:
    runs = [measure(days) for _ in range(repeats)]
    return {"seconds": statistics.median(r["seconds"] for r in runs), "contacts": runs[0]["contacts"],
            "rss": statistics.median(r["rss"] for r in runs)}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=1, help="plain runs per horizon; medians are reported (default 1)")
    args = p.parse_args(argv)
    print(f"simcenter {simcenter.__version__}: scenarios/spiral.toml, one replication (+28 warm-up days); "
          "time and RSS from plain runs, traced Python memory from separate runs under tracemalloc")
    week, half_year = _median_run(7, args.repeats), _median_run(182, args.repeats)
    week["traced"], half_year["traced"] = measure(7, True)["traced"], measure(182, True)["traced"]
    for label, m in (("1 week", week), ("26 weeks", half_year)):
        print(f"  {label:>8}: {m['seconds']:6.1f} s, {m['contacts']:>9,.0f} contacts, {m['contacts'] / m['seconds']:>8,.0f} contacts/s, "
              f"peak RSS {m['rss'] / 1e6:6.1f} MB, traced peak {m['traced'] / 1e6:5.2f} MB")
    print(f"  26 weeks / 1 week: time {half_year['seconds'] / week['seconds']:.1f}x, peak RSS {half_year['rss'] / week['rss']:.3f}x")


if __name__ == "__main__":
    main()
