"""Benchmark: simcenter's engine beside an idiomatic SimPy M/M/n+M model and beside Ciw, same
parameters, in one process run.

The reference is how the queue is usually written with SimPy: a process per customer, a
``simpy.Resource`` for the agents, patience as a ``timeout`` raced against the request.
Both models simulate the same flat-rate Erlang A queue for the same simulated time; runs
are interleaved (reference, simcenter, reference, ...) so that machine noise hits both
alike, and the medians of contacts simulated per second of wall time are compared.

    python benchmarks/bench_plain.py                 # 10 and 200 agents
    python benchmarks/bench_plain.py --agents 10 --repeats 7 --hours 200
    python benchmarks/bench_plain.py --no-ciw        # without Ciw (pip install -e '.[bench]')

Ciw (an open-source queueing-network simulator) runs the same queue (exponential
arrivals, service and reneging) as a second reference; it is a benchmark-only dependency.

It also reports the memory check: peak traced memory of a long run against a short one.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tracemalloc
from pathlib import Path

import numpy as np
import simpy
from _common import peak_rss_of, reference_ciw, reference_mmn_m, timed

import simcenter
from simcenter.model.center import CallCenter
from simcenter.model.counters import COUNTERS


def scenario(agents: int, calls_per_hour: float, aht_s: float, patience_s: float, hours: float, seed: int):
    days = max(1, round(hours / 24))
    return simcenter.Scenario.from_dict(
        {
            "simulation": {"days": days, "warmup_days": 0, "replications": 1, "seed": seed, "interval_minutes": 60},
            "arrivals": {"calls_per_hour": calls_per_hour},
            "contact_types": [{"name": "general", "handle_time": {"dist": "exponential", "mean_s": aht_s}}],
            "patience": {"dist": "exponential", "mean_s": patience_s},
            "agents": {"staffing": agents},
        }
    )


def run_simcenter(s) -> int:
    counters = CallCenter(s, s.simulation.seed, 0).run()
    return int(sum(counters.offered) + sum(counters.after_hours))


def compare(agents: int, load: float, aht_s: float, patience_s: float, hours: float, repeats: int, ciw: bool = True) -> dict:
    calls_per_hour = agents * load * 3600.0 / aht_s
    days = max(1, round(hours / 24))
    hours = days * 24.0
    s = scenario(agents, calls_per_hour, aht_s, patience_s, hours, seed=1)
    ref_rates, sim_rates, ciw_rates = [], [], []
    for rep in range(repeats):
        t, n = timed(reference_mmn_m, agents, calls_per_hour, aht_s, patience_s, hours, rep)
        ref_rates.append(n / t)
        t, n = timed(run_simcenter, s.replace({"simulation.seed": rep}))
        sim_rates.append(n / t)
        if ciw:
            t, n = timed(reference_ciw, agents, calls_per_hour, aht_s, patience_s, hours, rep)
            ciw_rates.append(n / t)
    ref, sim = statistics.median(ref_rates), statistics.median(sim_rates)
    out = {"agents": agents, "load": load, "hours": hours, "reference_cps": ref, "simcenter_cps": sim, "ratio": sim / ref}
    if ciw:
        out["ciw_cps"] = statistics.median(ciw_rates)
        out["ciw_ratio"] = sim / out["ciw_cps"]
    return out


def peak_memory(s) -> int:
    """Peak memory allocated by Python objects during one replication (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    CallCenter(s, s.simulation.seed, 0).run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def peak_rss(days: int, agents: int, load: float) -> int:
    """Peak resident memory (bytes) of a fresh process running one replication."""
    return peak_rss_of(
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_plain as b; "
        f"b.run_simcenter(b.scenario({agents}, {agents * load * 20.0!r}, 180.0, 300.0, {days} * 24.0, 3))"
    )


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--agents", type=int, nargs="*", default=[10, 200])
    p.add_argument("--load", type=float, default=0.9, help="offered load per agent (default 0.9)")
    p.add_argument("--hours", type=float, default=None, help="simulated hours per run (default: about 100,000 contacts)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--no-memory", action="store_true")
    p.add_argument("--no-ciw", action="store_true", help="leave out the Ciw reference")
    args = p.parse_args(argv)
    if not args.no_ciw:
        try:
            import ciw
        except ImportError:
            p.error("Ciw is not installed: pip install -e '.[bench]', or run with --no-ciw")
    print(f"simcenter {simcenter.__version__}, simpy {simpy.__version__}, numpy {np.__version__}")
    print("plain M/M/n+M queue, AHT 180 s, patience 300 s; contacts per second of wall time, median of "
          f"{args.repeats} interleaved runs")
    if not args.no_ciw:
        print(f"second reference: Ciw {ciw.__version__}")
    head = f"{'agents':>6} {'hours':>6} {'idiomatic SimPy':>16} {'simcenter':>10} {'vs SimPy':>8}"
    print(head + ("" if args.no_ciw else f" {'Ciw':>8} {'vs Ciw':>7}"))
    for n in args.agents:
        hours = args.hours or max(24.0, 100_000 / (n * args.load * 20.0))
        r = compare(n, args.load, 180.0, 300.0, hours, args.repeats, ciw=not args.no_ciw)
        line = f"{n:>6} {r['hours']:>6.0f} {r['reference_cps']:>16,.0f} {r['simcenter_cps']:>10,.0f} {r['ratio']:>7.2f}x"
        print(line + ("" if args.no_ciw else f" {r['ciw_cps']:>8,.0f} {r['ciw_ratio']:>6.2f}x"))
    if not args.no_memory:
        base = scenario(10, 10 * args.load * 20.0, 180.0, 300.0, 24.0, seed=3)
        short, long_ = base.replace({"simulation.days": 6}), base.replace({"simulation.days": 60})
        m6, m60 = peak_memory(short), peak_memory(long_)
        print(f"traced peak, 10 agents: 6 days {m6 / 1e6:.2f} MB, 60 days {m60 / 1e6:.2f} MB "
              f"(the growth is the per-interval counters, {len(COUNTERS)} sums per interval; contacts in flight do not grow)")
        r6, r60 = peak_rss(6, 10, args.load), peak_rss(60, 10, args.load)
        print(f"process peak RSS: 6 days {r6 / 1e6:.1f} MB, 60 days {r60 / 1e6:.1f} MB, ratio {r60 / r6:.3f}")


if __name__ == "__main__":
    main()
