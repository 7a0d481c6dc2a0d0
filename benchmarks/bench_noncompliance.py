"""Benchmark: scenarios/noncompliance.toml (promises, recovery and callbacks on) beside
the idiomatic SimPy M/M/n+M model of bench_plain.py, in one process run, and its memory
over a short and a long horizon.

Contacts counted for simcenter: every inbound contact attempt (first contacts, redials,
next-day returns and repeat contacts, open or closed) plus every outbound callback
attempt. The reference runs the plain queue at 10 agents and 90% load. Runs are
interleaved and the medians compared.

    python benchmarks/bench_noncompliance.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import tracemalloc
from pathlib import Path

import simcenter
from simcenter.model.center import CallCenter
from _common import peak_rss_of, reference_mmn_m, timed

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios/noncompliance.toml"


def run_noncompliance(scenario) -> int:
    c = CallCenter(scenario, scenario.simulation.seed, 0).run()
    return int(sum(c.offered) + sum(c.after_hours) + sum(c.callback_attempts))


def traced_peak(scenario) -> int:
    tracemalloc.start()
    CallCenter(scenario, scenario.simulation.seed, 0).run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    scenario = simcenter.Scenario.from_file(SCENARIO)
    ref_rates, sim_rates = [], []
    for rep in range(args.repeats):
        t, n = timed(reference_mmn_m, 10, 180.0, 180.0, 300.0, 24.0 * 21, rep)
        ref_rates.append(n / t)
        t, n = timed(run_noncompliance, scenario.replace({"simulation.seed": rep}))
        sim_rates.append(n / t)
    ref, sim = statistics.median(ref_rates), statistics.median(sim_rates)
    print(f"simcenter {simcenter.__version__}; median of {args.repeats} interleaved runs, contacts per second of wall time")
    print(f"  idiomatic SimPy M/M/10+M (90% load, 21 days):  {ref:>10,.0f}")
    print(f"  simcenter noncompliance.toml (14 + 7 days):     {sim:>10,.0f}")
    print(f"  ratio: {sim / ref:.2f}x")

    short = scenario.replace({"simulation.days": 6})
    long_ = scenario.replace({"simulation.days": 60})
    t6, t60 = traced_peak(short), traced_peak(long_)
    code = (
        "import simcenter; from simcenter.model.center import CallCenter; "
        f"s = simcenter.Scenario.from_file({str(SCENARIO)!r}).replace({{'simulation.days': {{days}}}}); "
        "CallCenter(s, s.simulation.seed, 0).run()"
    )
    r6, r60 = peak_rss_of(code.replace("{days}", "6")), peak_rss_of(code.replace("{days}", "60"))
    print(f"memory, noncompliance.toml, 6 vs 60 days (+7 warm-up): process peak RSS {r6 / 1e6:.1f} MB vs "
          f"{r60 / 1e6:.1f} MB (ratio {r60 / r6:.3f}); traced Python objects {t6 / 1e6:.2f} MB vs {t60 / 1e6:.2f} MB, "
          "the difference being the per-interval counters of the longer run")


if __name__ == "__main__":
    main()
