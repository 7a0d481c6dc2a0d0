"""Pieces shared by the benchmark scripts: the idiomatic SimPy reference model and the
timing and memory measurements."""

from __future__ import annotations

import gc
import subprocess
import sys
import time

import numpy as np
import simpy


def reference_mmn_m(agents: int, calls_per_hour: float, aht_s: float, patience_s: float, hours: float, seed: int) -> int:
    """Idiomatic SimPy M/M/n+M: returns the number of contacts that arrived."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    pool = simpy.Resource(env, capacity=agents)
    lam = calls_per_hour / 3600.0
    stats = {"arrived": 0, "answered": 0, "abandoned": 0, "wait": 0.0}

    def customer(env):
        arrived = env.now
        with pool.request() as req:
            patience = env.timeout(rng.exponential(patience_s))
            got = yield req | patience
            if req in got:
                stats["answered"] += 1
                stats["wait"] += env.now - arrived
                yield env.timeout(rng.exponential(aht_s))
            else:
                stats["abandoned"] += 1

    def source(env):
        while True:
            yield env.timeout(rng.exponential(1.0 / lam))
            stats["arrived"] += 1
            env.process(customer(env))

    env.process(source(env))
    env.run(until=hours * 3600.0)
    return stats["arrived"]


def reference_ciw(agents: int, calls_per_hour: float, aht_s: float, patience_s: float, hours: float, seed: int) -> int:
    """The same M/M/n+M queue in Ciw (a benchmark-only dependency): returns the number of
    contacts that arrived. Ciw seeds Python's global random state; this reference is the
    only place in the project that touches it."""
    import ciw

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=calls_per_hour / 3600.0)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / aht_s)],
        number_of_servers=[agents],
        reneging_time_distributions=[ciw.dists.Exponential(rate=1.0 / patience_s)],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(hours * 3600.0)
    return int(sim.nodes[0].number_of_individuals)


def timed(fn, *args) -> tuple[float, int]:
    gc.collect()
    start = time.perf_counter()
    contacts = fn(*args)
    return time.perf_counter() - start, contacts


def peak_rss_of(code: str) -> int:
    """Peak resident memory (bytes) of a fresh Python process running ``code``."""
    probe = code + "\nimport resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return int(out.strip().splitlines()[-1]) * 1024
