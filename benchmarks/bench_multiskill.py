"""Benchmark: simcenter's multi-skill engine (6 queues, 8 agent groups) beside an idiomatic
SimPy multi-skill model with the same parameters, and beside simcenter's own single queue
at the same total agents and load, in one process run.

The center: six contact types (queues) with shares 30/20/15/15/10/10 % and exponential
handling times of different means, exponential patience (mean 300 s), a flat arrival rate,
open around the clock, offered load about 0.88 per agent. Eight agent groups: six
specialist groups with one skill each (priority 1), a bilingual-like group with two skills
(retail and spanish, priority 1 on both), and a generalist group with all six skills at
priority 2. About 15 % of the agents are generalists, 10 % bilingual; the specialists are
split by workload (share x mean handling time). Routing in simcenter: ``policy =
"priority"``, ``agent_selection = "longest_idle"``, ``overflow_after_s = 0``.

The reference is how a SimPy user usually writes such a model: a source process per
contact type (Poisson arrivals, so the same superposed stream as simcenter's one stream
split by shares), a process per contact, the agents as items of one ``simpy.FilterStore``
(each item an agent with its group and skill set), patience as a ``timeout`` raced against
a ``get`` whose filter is "has the skill of my queue", the agent ``put`` back after service.
What that routing does, and where it differs from simcenter's:

* An arriving contact takes the first matching item of the store, which is the agent put
  back earliest among the idle ones with the skill: the agent idle longest among all groups
  with the skill, primary or secondary. simcenter's ``longest_idle`` with
  ``overflow_after_s = 0`` chooses the same agent (ties at the start of the run aside).
* A returned agent goes to the first waiting ``get`` that it matches, in the order the gets
  were made: the earliest-arrived waiting contact among all the agent's skills. In this
  center every group has all its skills at one priority level, so simcenter's static
  priority policy (lowest level first, then the queue whose head waited longest) picks the
  same contact. The generalists' priority 2 therefore changes nothing here in either model:
  it only makes them secondary groups, which with an overflow delay of 0 are eligible at
  once. A FilterStore has no notion of priority levels or of overflow delays; a center with
  mixed levels in one group, ``fewest_skills`` selection or a positive overflow delay would
  need code the usual SimPy model does not have (and simcenter's routing would then differ).
* SimPy re-scans every waiting ``get`` (and every idle agent for each) on each ``put`` and
  each new ``get``; that cost is part of what an idiomatic model pays, and it is counted.

Both models simulate the same simulated time; runs are interleaved (SimPy, simcenter
multi-skill, simcenter single queue, simcenter six types in one queue, SimPy, ...) so that
machine noise hits all alike, and the medians of contacts simulated per second of wall time
are compared. The "single queue" is bench_plain's scenario: one contact type with the mix's
mean handling time, the same total agents and arrival rate. The "6 types, 1 group" column is
the same six contact types without ``[[agent_groups]]`` (one group with every skill, FCFS):
it separates the cost of several contact types from the cost of routing.

    python benchmarks/bench_multiskill.py                    # 40 and 200 agents in all
    python benchmarks/bench_multiskill.py --agents 80 --repeats 7 --hours 200
    python benchmarks/bench_multiskill.py --check            # one run of each model: answered, abandoned, occupancy
    python benchmarks/bench_multiskill.py --profile 25       # cProfile of one multi-skill run, by tottime

It also reports the memory check: peak traced memory of a long run against a short one.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import statistics
import tracemalloc

import numpy as np
import simpy
from _common import timed
from bench_plain import run_simcenter
from bench_plain import scenario as single_queue_scenario

import simcenter

#: (name, share of first contacts, mean handling time in seconds)
QUEUES = (
    ("retail", 0.30, 180.0),
    ("business", 0.20, 240.0),
    ("billing", 0.15, 200.0),
    ("technical", 0.15, 300.0),
    ("spanish", 0.10, 210.0),
    ("claims", 0.10, 270.0),
)
BILINGUAL_SKILLS = ("retail", "spanish")
GENERALIST_SHARE, BILINGUAL_SHARE = 0.15, 0.10
PATIENCE_S = 300.0
SL_TARGET_S = 20.0


def mean_aht() -> float:
    return sum(share * aht for _, share, aht in QUEUES)


def groups_for(total: int) -> list[tuple[str, tuple[tuple[str, int], ...], int]]:
    """The eight groups for ``total`` agents: (name, ((queue, priority), ...), agents).
    Every group has at least one agent; the specialists are split by workload with the
    largest-remainder rule so that the groups add up to ``total``."""
    if total < 8:
        raise ValueError(f"need at least 8 agents (one per group), got {total}")
    generalists = max(1, round(GENERALIST_SHARE * total))
    bilingual = max(1, round(BILINGUAL_SHARE * total))
    rest = total - generalists - bilingual
    work = [share * aht for _, share, aht in QUEUES]
    exact = [rest * w / sum(work) for w in work]
    counts = [max(1, int(x)) for x in exact]
    by_remainder = sorted(range(len(QUEUES)), key=lambda i: exact[i] - counts[i], reverse=True)
    i = 0
    while sum(counts) < rest:
        counts[by_remainder[i % len(QUEUES)]] += 1
        i += 1
    while sum(counts) > rest:  # only when max(1, ...) lifted a tiny group
        j = max(range(len(QUEUES)), key=lambda k: counts[k])
        counts[j] -= 1
    out = [(f"spec_{name}", ((name, 1),), n) for (name, _, _), n in zip(QUEUES, counts)]
    out.append(("bilingual", tuple((q, 1) for q in BILINGUAL_SKILLS), bilingual))
    out.append(("generalists", tuple((name, 2) for name, _, _ in QUEUES), generalists))
    return out


def calls_per_hour_for(total: int, load: float) -> float:
    return total * load * 3600.0 / mean_aht()


# --- the idiomatic SimPy reference ------------------------------------------------------


class Agent:
    __slots__ = ("name", "group", "skills")

    def __init__(self, name: str, group: str, skills: frozenset):
        self.name, self.group, self.skills = name, group, skills


def reference_multiskill(total: int, calls_per_hour: float, hours: float, seed: int, stats: dict | None = None) -> int:
    """Idiomatic SimPy multi-skill model (FilterStore of agents, a process per contact):
    returns the number of contacts that arrived. ``stats``, if given, is filled with the
    arrived, answered, abandoned and answered-in-target counts and the summed waits per
    queue, the busy seconds and agents per group, and the horizon."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    agents = simpy.FilterStore(env)
    groups = groups_for(total)
    size = {}
    for group, skills, n in groups:
        size[group] = n
        skillset = frozenset(q for q, _ in skills)
        for i in range(n):
            agents.items.append(Agent(f"{group}-{i}", group, skillset))
    names = [q for q, _, _ in QUEUES]
    st = {"arrived": dict.fromkeys(names, 0), "answered": dict.fromkeys(names, 0), "abandoned": dict.fromkeys(names, 0),
          "in_target": dict.fromkeys(names, 0), "wait_s": dict.fromkeys(names, 0.0), "busy_s": dict.fromkeys(size, 0.0)}
    arrived, answered, abandoned, in_target, wait_s, busy_s = (st[k] for k in ("arrived", "answered", "abandoned", "in_target", "wait_s", "busy_s"))
    horizon = hours * 3600.0

    def contact(env, queue, has_skill, aht):
        t0 = env.now
        get = agents.get(has_skill)
        yield get | env.timeout(rng.exponential(PATIENCE_S))
        if not get.triggered:  # patience ran out first (checking `get in result` would lose an
            get.cancel()       # agent handed over at the very instant the caller hangs up)
            abandoned[queue] += 1
            return
        agent = get.value
        waited = env.now - t0
        answered[queue] += 1
        wait_s[queue] += waited
        in_target[queue] += waited <= SL_TARGET_S
        service = rng.exponential(aht)
        busy_s[agent.group] += min(service, horizon - env.now)
        yield env.timeout(service)
        agents.put(agent)

    def source(env, queue, rate_per_s, aht):
        has_skill = lambda agent: queue in agent.skills  # noqa: E731
        while True:
            yield env.timeout(rng.exponential(1.0 / rate_per_s))
            arrived[queue] += 1
            env.process(contact(env, queue, has_skill, aht))

    lam = calls_per_hour / 3600.0
    for queue, share, aht in QUEUES:
        env.process(source(env, queue, lam * share, aht))
    env.run(until=horizon)
    if stats is not None:
        st["agents"] = size
        st["horizon_s"] = horizon
        stats.update(st)
    return sum(arrived.values())


# --- the same center in simcenter -------------------------------------------------------


def _contact_types() -> list[dict]:
    return [{"name": q, "share": share, "handle_time": {"dist": "exponential", "mean_s": aht}} for q, share, aht in QUEUES]


def _base(calls_per_hour: float, hours: float, seed: int) -> dict:
    """What the multi-skill center and its six types in one group share."""
    return {
        "simulation": {"days": max(1, round(hours / 24)), "warmup_days": 0, "replications": 1, "seed": seed, "interval_minutes": 60},
        "arrivals": {"calls_per_hour": calls_per_hour},
        "contact_types": _contact_types(),
        "patience": {"dist": "exponential", "mean_s": PATIENCE_S},
        "service_level": {"target_s": SL_TARGET_S},
    }


def multiskill_scenario(total: int, calls_per_hour: float, hours: float, seed: int):
    return simcenter.Scenario.from_dict({
        **_base(calls_per_hour, hours, seed),
        "agent_groups": [
            {"name": name, "staffing": n, "skills": [{"queue": q, "priority": p} for q, p in skills]}
            for name, skills, n in groups_for(total)
        ],
        "routing": {"policy": "priority", "agent_selection": "longest_idle", "overflow_after_s": 0.0},
    })


def six_types_one_group_scenario(total: int, calls_per_hour: float, hours: float, seed: int):
    return simcenter.Scenario.from_dict({**_base(calls_per_hour, hours, seed), "agents": {"staffing": total}})


def compare(total: int, load: float, hours: float, repeats: int) -> dict:
    calls_per_hour = calls_per_hour_for(total, load)
    days = max(1, round(hours / 24))
    hours = days * 24.0
    multi = multiskill_scenario(total, calls_per_hour, hours, seed=1)
    single = single_queue_scenario(total, calls_per_hour, mean_aht(), PATIENCE_S, hours, seed=1)
    six = six_types_one_group_scenario(total, calls_per_hour, hours, seed=1)
    rates = {"simpy": [], "multi": [], "single": [], "six": []}
    for rep in range(repeats):
        t, n = timed(reference_multiskill, total, calls_per_hour, hours, rep)
        rates["simpy"].append(n / t)
        for key, s in (("multi", multi), ("single", single), ("six", six)):
            t, n = timed(run_simcenter, s.replace({"simulation.seed": rep}))
            rates[key].append(n / t)
    med = {k: statistics.median(v) for k, v in rates.items()}
    return {"agents": total, "hours": hours, **{f"{k}_cps": v for k, v in med.items()},
            "ratio": med["multi"] / med["simpy"], "cost_vs_single": med["single"] / med["multi"],
            "cost_vs_six": med["six"] / med["multi"]}


def peak_memory(s) -> tuple[int, int]:
    """Peak memory allocated by Python objects during one replication (tracemalloc), and the
    memory still held when the run ends (the per-interval sums, mostly)."""
    from simcenter.model.center import CallCenter

    gc.collect()
    tracemalloc.start()
    center = CallCenter(s, s.simulation.seed, 0)
    center.run()
    held, peak = tracemalloc.get_traced_memory()  # the center and its sums still alive
    tracemalloc.stop()
    del center
    return peak, held


def memory_check(agents: int, load: float, short: int = 3, long: int = 30) -> None:
    """Peak traced memory of a long horizon against a short one (days), with hourly and with
    daily reporting intervals. The per-interval sums grow with the horizon by construction; if nothing else
    grows, the growth per interval is the same at both interval lengths, and the peak is
    hardly above what the finished run still holds."""
    base = multiskill_scenario(agents, calls_per_hour_for(agents, load), 24.0, seed=3)
    for minutes in (60, 1440):
        (ps, hs), (pl, hl) = (peak_memory(base.replace({"simulation.days": d, "simulation.interval_minutes": minutes}))
                                for d in (short, long))
        per_interval = (pl - ps) / ((long - short) * 1440 / minutes)
        print(f"traced peak, multi-skill, {agents} agents, {minutes:>4}-minute intervals: {short} days {ps / 1e6:.2f} MB, {long} days {pl / 1e6:.2f} MB, "
              f"ratio {pl / ps:.3f}; growth {per_interval / 1e3:.2f} kB per interval; peak above what the finished run holds: "
              f"{(ps - hs) / 1e3:.0f} kB, {(pl - hl) / 1e3:.0f} kB")


def check(total: int, load: float, hours: float) -> None:
    """One run of each model, side by side: a sanity check of the reference and of the
    engine (they should agree within noise, the routing being the same)."""
    from simcenter.model.center import CallCenter

    calls_per_hour = calls_per_hour_for(total, load)
    hours = max(1, round(hours / 24)) * 24.0
    st: dict = {}
    n = reference_multiskill(total, calls_per_hour, hours, 11, st)
    ans, ab = sum(st["answered"].values()), sum(st["abandoned"].values())
    print(f"check, {total} agents, {hours:.0f} h, groups: " + ", ".join(f"{g} {k}" for g, k in st["agents"].items()))
    print(f"  SimPy:     {n:>8,} arrived, {ans:>8,} answered, {ab:>6,} abandoned ({ab / n:.2%}), {n - ans - ab} in system at the end; "
          f"SL {sum(st['in_target'].values()) / n:.1%}, ASA {sum(st['wait_s'].values()) / ans:.1f} s, "
          f"occupancy {sum(st['busy_s'].values()) / (total * st['horizon_s']):.1%}")
    for q, _, _ in QUEUES:
        a = st["arrived"][q]
        print(f"    {q:>10}: {a:>7,} arrived, abandoned {st['abandoned'][q] / a:6.2%}, SL {st['in_target'][q] / a:6.1%}")
    print("    occupancy by group: " + ", ".join(f"{g} {st['busy_s'][g] / (k * st['horizon_s']):.1%}" for g, k in st["agents"].items()))
    try:
        s = multiskill_scenario(total, calls_per_hour, hours, 11)
    except Exception as exc:  # the engine not ready yet
        print(f"  simcenter: not available ({type(exc).__name__}: {exc})")
        return
    center = CallCenter(s, 11, 0)
    c = center.run()
    off, ans, ab = sum(c.offered), sum(c.answered), sum(c.abandoned)
    print(f"  simcenter: {off + sum(c.after_hours):>8,.0f} arrived, {ans:>8,.0f} answered, {ab:>6,.0f} abandoned ({ab / off:.2%}), "
          f"{sum(c.waiting_at_end):.0f} waiting at the end; SL {sum(c.answered_in_target) / off:.1%}, "
          f"ASA {sum(c.wait_answered_s) / ans:.1f} s, occupancy {sum(c.busy_s) / sum(c.staffed_s):.1%}")
    queues, groups = getattr(center, "queue_books", None), getattr(center, "group_books", None)
    if queues:  # the engine's per-queue and per-group sums, where it keeps them
        for (q, _, _), b in zip(QUEUES, queues):
            a = sum(b.offered)
            print(f"    {q:>10}: {a:>7,.0f} arrived, abandoned {sum(b.abandoned) / a:6.2%}, SL {sum(b.answered_in_target) / a:6.1%}")
    if groups:
        print("    occupancy by group: " + ", ".join(f"{g} {sum(b.busy_s) / sum(b.staffed_s):.1%}" for (g, _, _), b in zip(groups_for(total), groups)))


def profile(total: int, load: float, hours: float, top: int) -> None:
    from simcenter.model.center import CallCenter

    calls_per_hour = calls_per_hour_for(total, load)
    s = multiskill_scenario(total, calls_per_hour, hours, 1)
    prof = cProfile.Profile()
    prof.enable()
    c = CallCenter(s, 1, 0).run()
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    print(f"cProfile of one multi-skill run, {total} agents, {s.simulation.days} days, "
          f"{sum(c.offered) + sum(c.after_hours):,.0f} contacts, sorted by tottime:")
    print(out.getvalue())


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--agents", type=int, nargs="*", default=[40, 200], help="total agents over the 8 groups (default 40 200)")
    p.add_argument("--load", type=float, default=0.88, help="offered load per agent (default 0.88)")
    p.add_argument("--hours", type=float, default=None, help="simulated hours per run (default: about 100,000 contacts)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--no-memory", action="store_true")
    p.add_argument("--memory-agents", type=int, default=10, help="total agents of the memory check (default 10)")
    p.add_argument("--check", action="store_true", help="only: one run of each model, answered / abandoned / occupancy side by side")
    p.add_argument("--profile", type=int, metavar="N", default=0, help="only: cProfile one multi-skill run (first --agents), top N by tottime")
    args = p.parse_args(argv)

    def hours_for(n: int) -> float:
        return args.hours or max(24.0, 100_000 / calls_per_hour_for(n, args.load))

    if args.check:
        for n in args.agents:
            check(n, args.load, hours_for(n))
        return
    if args.profile:
        profile(args.agents[0], args.load, hours_for(args.agents[0]), args.profile)
        return
    print(f"simcenter {simcenter.__version__}, simpy {simpy.__version__}, numpy {np.__version__}")
    print(f"6 queues x 8 groups, mean AHT {mean_aht():.0f} s, patience {PATIENCE_S:.0f} s, load {args.load}; "
          f"contacts per second of wall time, median of {args.repeats} interleaved runs")
    print(f"{'agents':>6} {'hours':>6} {'idiomatic SimPy':>16} {'simcenter':>10} {'vs SimPy':>8}   "
          f"{'single queue':>12} {'cost/contact':>12}   {'6 types, 1 group':>16} {'cost/contact':>12}")
    for n in args.agents:
        r = compare(n, args.load, hours_for(n), args.repeats)
        print(f"{n:>6} {r['hours']:>6.0f} {r['simpy_cps']:>16,.0f} {r['multi_cps']:>10,.0f} {r['ratio']:>7.2f}x   "
              f"{r['single_cps']:>12,.0f} {r['cost_vs_single']:>11.2f}x   {r['six_cps']:>16,.0f} {r['cost_vs_six']:>11.2f}x")
    print("(cost/contact: simcenter's wall time per contact in the multi-skill center relative to the other model; "
          "targets: vs SimPy >= 2x, cost vs single queue <= 1.5x)")
    if not args.no_memory:
        memory_check(args.memory_agents, args.load)
        print("(the per-interval sums, center-wide, per queue and per group, grow with the horizon; contacts in flight do not: "
              "the same growth per interval at both interval lengths means nothing else grows)")

if __name__ == "__main__":
    main()
