"""Multi-skill routing (queues and agent groups) against exact queueing references.

Every check compares a simulated metric with an exact steady-state value: the run's own
confidence interval (Student t over independent replications, warm-up left out) must hold
it. A test checking ``k`` quantities at once asks for ``1 - 0.05 / k`` intervals
(Bonferroni), so that each test as a whole errs with probability at most 5%. Seeds are
fixed, so the tests are deterministic; no tolerance is widened beyond the intervals.

The references, all with Poisson arrivals, exponential handling and exponential patience:

* one group with every skill, FCFS across queues: the pooled M/M/n+M (Erlang A) or M/M/n
  (Erlang C) queue, of which every queue is a Poisson thinning;
* groups with disjoint skills: one independent Erlang A queue per group;
* the N-design (specialists on queue 1, flexible agents on both queues, static
  priorities): the continuous-time Markov chain of the routing rules, solved numerically
  on a truncated state space whose truncation mass is checked to be negligible.

With ``service_level.target_s = 0`` the service level is the share answered at once,
``1 - P(wait)``; by PASTA an arrival sees the stationary law, so ``P(wait)`` is the
stationary probability of the states in which an arrival finds no eligible idle agent.
By Little's law the mean wait of all offered contacts (abandoners' time included) is
``E[number waiting] / lambda`` and, with exponential patience, the abandonment share is
``theta * E[number waiting] / lambda``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sparse
import scipy.sparse.linalg as sparse_linalg

import simcenter
from simcenter import analytic

pytestmark = pytest.mark.slow  # statistical comparisons with exact references: the full suite runs them

SEED = 2026


# -- scenarios ------------------------------------------------------------------------------


def scenario(contact_types, groups, calls_per_hour, patience_s, days, replications, routing=None):
    """An open-24/7 center with a flat arrival rate, exponential handling, no wrap-up and
    service-level target 0 s. ``contact_types`` is [(name, share, mean handling s)];
    ``groups`` the [[agent_groups]] tables, or a number: ``agents.staffing`` without
    groups (today's single-group model)."""
    data = {
        "simulation": {"days": days, "warmup_days": 1, "replications": replications, "seed": SEED, "interval_minutes": 60},
        "arrivals": {"calls_per_hour": calls_per_hour},
        "contact_types": [
            {"name": name, "share": share, "handle_time": {"dist": "exponential", "mean_s": aht}}
            for name, share, aht in contact_types
        ],
        "patience": {"dist": "exponential", "mean_s": patience_s} if patience_s else {"dist": "none"},
        "service_level": {"target_s": 0.0},
    }
    if isinstance(groups, int):
        data["agents"] = {"staffing": groups}
    else:
        data["agent_groups"] = groups
    if routing is not None:
        data["routing"] = routing
    return simcenter.Scenario.from_dict(data)


# -- checking against intervals -------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """One exact value: ``scope`` is "queue", "group", "flow" or "center"; ``key`` the
    queue or group name, "group/queue" for the flow table, None for the center."""

    scope: str
    key: str | None
    metric: str
    exact: float


def _interval(results, tables, e: Expect, confidence: float) -> tuple[float, float, float]:
    if e.scope == "center":
        m = results.metric(e.metric, confidence=confidence)
        return m.mean, m.ci_low, m.ci_high
    df = tables[e.scope]
    if e.scope == "flow":  # key "group/queue", metric busy_h
        group, queue = e.key.split("/")
        rows = df[(df["group"] == group) & (df["queue"] == queue)]
        assert len(rows) == 1, f"flow {e.key!r}: {len(rows)} rows in by_flow()"
        row = rows.iloc[0]
        assert row["metric"] == e.metric
        return float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])
    rows = df[(df[e.scope] == e.key) & (df["metric"] == e.metric)]
    assert len(rows) == 1, f"{e.scope} {e.key!r} metric {e.metric!r}: {len(rows)} rows in by_{e.scope}()"
    row = rows.iloc[0]
    return float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])


def check_all(results, expectations: list[Expect]) -> list[tuple]:
    """Assert that every exact value lies in its interval, all intervals at the Bonferroni
    level ``1 - 0.05 / k``; returns the rows (label, exact, mean, low, high, inside)."""
    confidence = 1.0 - 0.05 / len(expectations)
    tables = {}
    if any(e.scope == "queue" for e in expectations):
        tables["queue"] = results.by_queue(confidence=confidence)
    if any(e.scope == "group" for e in expectations):
        tables["group"] = results.by_group(confidence=confidence)
    if any(e.scope == "flow" for e in expectations):
        tables["flow"] = results.by_flow(confidence=confidence)
    rows = []
    for e in expectations:
        mean, low, high = _interval(results, tables, e, confidence)
        label = f"{e.scope}{'' if e.key is None else ' ' + e.key}: {e.metric}"
        rows.append((label, e.exact, mean, low, high, low <= e.exact <= high))
    print(f"\nBonferroni k = {len(expectations)}, confidence {confidence:.5f}")
    for label, exact, mean, low, high, ok in rows:
        print(f"  {label:<34} exact {exact:12.6g}  sim {mean:12.6g}  [{low:12.6g}, {high:12.6g}]  {'ok' if ok else 'MISS'}")
    misses = [f"{label}: exact {exact:.6g} outside [{low:.6g}, {high:.6g}] (mean {mean:.6g})"
              for label, exact, mean, low, high, ok in rows if not ok]
    assert not misses, f"{len(misses)} of {len(rows)} outside their intervals: " + "; ".join(misses)
    return rows


def _queue_metrics(name: str, m: analytic.QueueMetrics, offered: float) -> list[Expect]:
    return [
        Expect("queue", name, "offered", offered),
        Expect("queue", name, "p_wait", m.p_wait),
        Expect("queue", name, "service_level", m.service_level),
        Expect("queue", name, "abandon_rate", m.abandon_rate),
        Expect("queue", name, "mean_wait_s", m.mean_wait_s),
        Expect("queue", name, "asa_s", m.asa_s),
    ]


# -- (a) one group with every skill: the pooled queue ------------------------------------------

POOLED_QUEUES = (("retail", 0.5), ("business", 0.3), ("premium", 0.2))
POOLED = {"agents": 8, "calls_per_hour": 120.0, "aht_s": 200.0, "patience_s": 400.0, "days": 6, "replications": 20}

POOLED_VARIANTS = {
    # name: (patience, routing; None = no [[agent_groups]], today's single-group model)
    "longest_waiting, Erlang A": ("exponential", {"policy": "longest_waiting"}),
    "longest_waiting, Erlang C": ("none", {"policy": "longest_waiting"}),
    "priority, equal priorities, Erlang A": ("exponential", {"policy": "priority"}),
    "no agent_groups, Erlang A": ("exponential", None),
}


@pytest.mark.parametrize("variant", list(POOLED_VARIANTS))
def test_one_group_all_skills_is_the_pooled_erlang_queue(variant):
    """One group with a skill on each of three queues and equal exponential handling
    times, served FCFS across the queues: policy "longest_waiting"; or "priority" with
    every skill at priority 1 (one level, within which the head that waited longest goes
    first); or no [[agent_groups]] at all (the spec: one group with every skill, FCFS).
    The agents then see one FCFS stream, the superposition of the queues' Poisson streams,
    and a caller's fate does not depend on their queue: the center is exactly the pooled
    M/M/8+M (Erlang A) queue, or M/M/8 (Erlang C) when callers never hang up, and each
    queue, a Poisson thinning of the whole, has the pooled queue's P(wait), service level
    (target 0 s: answered at once), abandonment, mean wait and speed of answer (PASTA: its
    arrivals see the pooled stationary law). Occupancy of the group and of the center is
    the carried load per agent, and each queue's offered count is its share of the
    arrival rate times the hours simulated."""
    patience, routing = POOLED_VARIANTS[variant]
    p = POOLED
    patience_s = p["patience_s"] if patience == "exponential" else None
    group = "everyone" if routing is not None else "agents"
    groups = [{"name": group, "staffing": p["agents"], "skills": [name for name, _ in POOLED_QUEUES]}] \
        if routing is not None else p["agents"]
    s = scenario([(name, share, p["aht_s"]) for name, share in POOLED_QUEUES], groups,
                 p["calls_per_hour"], patience_s, p["days"], p["replications"], routing=routing)
    results = simcenter.simulate(s)
    exact = analytic.metrics(p["agents"], p["calls_per_hour"], p["aht_s"], 0.0, patience_s)
    hours = p["days"] * 24.0
    expectations = []
    for name, share in POOLED_QUEUES:
        expectations += _queue_metrics(name, exact, share * p["calls_per_hour"] * hours)
    expectations += [Expect("center", None, name, getattr(exact, name))
                     for name in ("p_wait", "service_level", "abandon_rate", "mean_wait_s", "asa_s", "occupancy")]
    expectations.append(Expect("group", group, "occupancy", exact.occupancy))
    check_all(results, expectations)
    if patience_s is None:
        assert results.metric("abandoned").mean == 0


# -- (b) groups with disjoint skills: independent queues ---------------------------------------

DISJOINT = {
    # queue: (share, AHT s, group, agents)
    "billing": (0.4, 240.0, "billing_team", 3),
    "tech": (0.6, 360.0, "tech_team", 6),
}
DISJOINT_RUN = {"calls_per_hour": 75.0, "patience_s": 300.0, "days": 10, "replications": 20}


def test_disjoint_groups_are_independent_erlang_a_queues():
    """Two groups, each with the skill of one queue only (3 agents at 240 s for 30
    calls/hour, 6 agents at 360 s for 45 calls/hour). No contact can reach the other
    group, so each queue with its group is its own M/M/n+M queue fed by its Poisson share
    of the arrivals: every per-queue metric is that Erlang A value and each group's
    occupancy its carried load per agent. The center-wide P(wait), abandonment and
    occupancy are the arrival- (resp. staffing-) weighted means of the two."""
    r = DISJOINT_RUN
    s = scenario([(q, share, aht) for q, (share, aht, _, _) in DISJOINT.items()],
                 [{"name": group, "staffing": n, "skills": [q]} for q, (_, _, group, n) in DISJOINT.items()],
                 r["calls_per_hour"], r["patience_s"], r["days"], r["replications"])
    results = simcenter.simulate(s)
    hours = r["days"] * 24.0
    expectations, busy, staffed, waits, abandons = [], 0.0, 0, 0.0, 0.0
    for q, (share, aht, group, n) in DISJOINT.items():
        cph = share * r["calls_per_hour"]
        m = analytic.erlang_a_metrics(n, cph, aht, r["patience_s"], 0.0)
        expectations += _queue_metrics(q, m, cph * hours)
        expectations += [Expect("queue", q, "aht_s", aht), Expect("group", group, "occupancy", m.occupancy)]
        busy += m.occupancy * n
        staffed += n
        waits += share * m.p_wait
        abandons += share * m.abandon_rate
    expectations += [Expect("center", None, "p_wait", waits), Expect("center", None, "abandon_rate", abandons),
                     Expect("center", None, "occupancy", busy / staffed)]
    check_all(results, expectations)


# -- (c) the N-design: a continuous-time Markov chain -------------------------------------------


def n_design_chain(A, B, lam1, lam2, mu1, mu2, handle_factor, theta, n_max=30, b_order=("q2", "q1")):
    """Stationary law of the N-design: ``A`` specialists (queue 1 only), ``B`` flexible
    agents (queue 2 at priority 1, queue 1 at priority 2, serving queue 1 at rate
    ``mu1 / handle_factor``), overflow at once, "fewest_skills" selection, exponential
    patience ``theta`` in both queues, queues truncated at ``n_max`` waiting (arrivals
    to a full queue are lost; the mass of those states is returned as ``truncation``).

    State (a1, b1, b2, n1, n2): specialists busy, flexible agents busy on queue 1 and on
    queue 2, callers waiting in queues 1 and 2. Routing, as the spec says:

    * queue-1 arrival: an idle specialist, else an idle flexible agent, else wait;
    * queue-2 arrival: an idle flexible agent, else wait;
    * a specialist who finishes takes queue 1's head, else goes idle;
    * a flexible agent who finishes takes the head of the first queue of ``b_order``
      with someone waiting ("q2" first: the priority policy), else goes idle;
    * each waiting caller hangs up at rate ``theta``; nobody is pre-empted.

    Returns the state space size, the balance residual and the stationary expectations.
    """
    mu1b = mu1 / handle_factor
    states = []
    for a1 in range(A + 1):
        for b1 in range(B + 1):
            for b2 in range(B + 1 - b1):
                b_full = b1 + b2 == B
                # callers wait in queue 1 only when nobody who could take them is idle,
                # in queue 2 only when every flexible agent is busy
                for n1 in range(n_max + 1 if b_full and a1 == A else 1):
                    for n2 in range(n_max + 1 if b_full else 1):
                        states.append((a1, b1, b2, n1, n2))
    index = {s: i for i, s in enumerate(states)}
    rows, cols, rates = [], [], []

    def move(s, t, rate):
        if rate > 0 and t is not None:
            rows.append(index[s])
            cols.append(index[t])  # a KeyError here would be a routing rule leaving the state space
            rates.append(rate)

    for s in states:
        a1, b1, b2, n1, n2 = s
        idle_b = B - b1 - b2
        if a1 < A:
            move(s, (a1 + 1, b1, b2, n1, n2), lam1)
        elif idle_b:
            move(s, (a1, b1 + 1, b2, n1, n2), lam1)
        elif n1 < n_max:
            move(s, (a1, b1, b2, n1 + 1, n2), lam1)
        if idle_b:
            move(s, (a1, b1, b2 + 1, n1, n2), lam2)
        elif n2 < n_max:
            move(s, (a1, b1, b2, n1, n2 + 1), lam2)
        if a1:
            move(s, (a1, b1, b2, n1 - 1, n2) if n1 else (a1 - 1, b1, b2, n1, n2), a1 * mu1)

        def flexible_frees(b1, b2):
            for q in b_order:
                if q == "q2" and n2:
                    return (a1, b1, b2 + 1, n1, n2 - 1)
                if q == "q1" and n1:
                    return (a1, b1 + 1, b2, n1 - 1, n2)
            return (a1, b1, b2, n1, n2)

        if b1:
            move(s, flexible_frees(b1 - 1, b2), b1 * mu1b)
        if b2:
            move(s, flexible_frees(b1, b2 - 1), b2 * mu2)
        if n1:
            move(s, (a1, b1, b2, n1 - 1, n2), n1 * theta)
        if n2:
            move(s, (a1, b1, b2, n1, n2 - 1), n2 * theta)

    n = len(states)
    generator = sparse.csr_matrix((rates, (rows, cols)), shape=(n, n))
    generator = (generator - sparse.diags(np.asarray(generator.sum(axis=1)).ravel())).tocsr()
    # pi Q = 0 with sum(pi) = 1: the transposed system with one balance equation replaced
    system = generator.T.tolil()
    system[0, :] = np.ones(n)
    rhs = np.zeros(n)
    rhs[0] = 1.0
    pi = sparse_linalg.spsolve(system.tocsc(), rhs)
    a1, b1, b2, n1, n2 = np.array(states).T
    return {
        "states": n,
        "residual": float(np.abs(generator.T @ pi).max()),
        "min_pi": float(pi.min()),
        "truncation": float(pi[(n1 == n_max) | (n2 == n_max)].sum()),
        "p_wait1": float(pi[(a1 == A) & (b1 + b2 == B)].sum()),
        "p_wait2": float(pi[b1 + b2 == B].sum()),
        "n1": float(pi @ n1), "n2": float(pi @ n2),
        "a1": float(pi @ a1), "b1": float(pi @ b1), "b2": float(pi @ b2),
    }


@dataclass(frozen=True)
class NDesign:
    A: int
    B: int
    calls1: float  # calls/hour
    calls2: float
    aht1: float  # s, specialists' mean on queue 1 (flexible agents: times handle_factor)
    aht2: float
    handle_factor: float
    patience_s: float
    days: int
    replications: int

    def chain(self, **kw):
        return n_design_chain(self.A, self.B, self.calls1 / 3600.0, self.calls2 / 3600.0, 1.0 / self.aht1,
                              1.0 / self.aht2, self.handle_factor, 1.0 / self.patience_s, **kw)

    def scenario(self):
        total = self.calls1 + self.calls2
        return scenario(
            [("q1", self.calls1 / total, self.aht1), ("q2", self.calls2 / total, self.aht2)],
            [{"name": "specialists", "staffing": self.A, "skills": ["q1"]},
             {"name": "flexible", "staffing": self.B,
              "skills": [{"queue": "q2", "priority": 1},
                         {"queue": "q1", "priority": 2, "handle_factor": self.handle_factor}]}],
            total, self.patience_s, self.days, self.replications,
            routing={"policy": "priority", "agent_selection": "fewest_skills", "overflow_after_s": 0.0},
        )


N_DESIGNS = {
    "A2 B3 slower flexible": NDesign(2, 3, 36.0, 20.0, 240.0, 360.0, 1.5, 400.0, days=20, replications=20),
    "A2 B2 equal speeds": NDesign(2, 2, 24.0, 12.0, 300.0, 300.0, 1.0, 300.0, days=20, replications=20),
}


def n_design_expectations(d: NDesign, ref: dict) -> list[Expect]:
    """The exact per-queue, per-group and center-wide values of an N-design's chain."""
    lam = {"q1": d.calls1 / 3600.0, "q2": d.calls2 / 3600.0}
    theta = 1.0 / d.patience_s
    hours = d.days * 24.0
    # handling time of answered queue-1 contacts: busy time on queue 1 / answers per second
    aht1 = (ref["a1"] + ref["b1"]) / (ref["a1"] / d.aht1 + ref["b1"] / (d.aht1 * d.handle_factor))
    out = []
    for q, p_wait, waiting, aht in (("q1", ref["p_wait1"], ref["n1"], aht1), ("q2", ref["p_wait2"], ref["n2"], d.aht2)):
        out += [
            Expect("queue", q, "offered", lam[q] * 3600.0 * hours),
            Expect("queue", q, "p_wait", p_wait),
            Expect("queue", q, "service_level", 1.0 - p_wait),
            Expect("queue", q, "abandon_rate", theta * waiting / lam[q]),
            Expect("queue", q, "mean_wait_s", waiting / lam[q]),
            Expect("queue", q, "aht_s", aht),
        ]
    total = lam["q1"] + lam["q2"]
    out += [
        Expect("group", "specialists", "occupancy", ref["a1"] / d.A),
        Expect("group", "flexible", "occupancy", (ref["b1"] + ref["b2"]) / d.B),
        # busy hours of each group on each queue: mean busy agents x hours
        Expect("flow", "specialists/q1", "busy_h", ref["a1"] * hours),
        Expect("flow", "flexible/q1", "busy_h", ref["b1"] * hours),
        Expect("flow", "flexible/q2", "busy_h", ref["b2"] * hours),
        Expect("center", None, "p_wait", (lam["q1"] * ref["p_wait1"] + lam["q2"] * ref["p_wait2"]) / total),
        Expect("center", None, "abandon_rate", theta * (ref["n1"] + ref["n2"]) / total),
        Expect("center", None, "mean_wait_s", (ref["n1"] + ref["n2"]) / total),
        Expect("center", None, "occupancy", (ref["a1"] + ref["b1"] + ref["b2"]) / (d.A + d.B)),
    ]
    return out


_RUNS: dict = {}


def n_design_run(case: str):
    """The case's simulation, run once per test process (the power check reuses it)."""
    if case not in _RUNS:
        _RUNS[case] = simcenter.simulate(N_DESIGNS[case].scenario())
    return _RUNS[case]


@pytest.mark.parametrize("case", list(N_DESIGNS))
def test_n_design_against_markov_chain(case):
    """The N-design with static priorities (see :func:`n_design_chain`). With exponential
    inter-arrival, handling and patience times and the routing rules of the spec, the
    state (a1, b1, b2, n1, n2) is a continuous-time Markov chain (which agent within a
    group serves, and which waiting caller, does not change these counts); its
    stationary law, truncated where the truncated mass is below 1e-6, gives exactly every
    queue's P(wait) (PASTA: queue 1 waits iff all A and B agents are busy, queue 2 iff all
    B agents are), its abandonment and mean wait (Little), each group's occupancy (mean
    busy agents / agents), its busy hours on each queue (the flow table: mean agents
    busy on that queue x hours) and queue 1's mean handling time, a mix of the specialists'
    and the flexible agents' (handle_factor) times weighted by how many each answers."""
    d = N_DESIGNS[case]
    ref = d.chain()
    assert ref["truncation"] < 1e-6 and ref["residual"] < 1e-12
    check_all(n_design_run(case), n_design_expectations(d, ref))


@pytest.mark.parametrize("wrong", ["flexible agents take queue 1 first", "handle_factor ignored"])
def test_n_design_intervals_reject_other_routings(wrong):
    """The N-design check is not vacuous: the same run's intervals (same Bonferroni level)
    reject the chain of a flexible group that serves queue 1 before queue 2, and of one
    whose handle_factor is ignored."""
    case = "A2 B3 slower flexible"
    d = N_DESIGNS[case]
    if wrong == "handle_factor ignored":
        d = NDesign(**{**d.__dict__, "handle_factor": 1.0})
        ref = d.chain()
    else:
        ref = d.chain(b_order=("q1", "q2"))
    expectations = n_design_expectations(d, ref)
    with pytest.raises(AssertionError, match="outside their intervals"):
        check_all(n_design_run(case), expectations)


# -- the reference itself -------------------------------------------------------------------------


def test_chain_reduces_to_erlang_a():
    """The chain's solver against closed forms: with no queue-2 traffic and equal speeds
    the specialists and flexible agents are one M/M/(A+B)+M queue for queue 1; with no
    queue-1 traffic the flexible agents are an M/M/B+M queue for queue 2."""
    one = n_design_chain(2, 3, 36 / 3600, 0.0, 1 / 240, 1 / 360, 1.0, 1 / 400)
    m = analytic.erlang_a_metrics(5, 36.0, 240.0, 400.0, 0.0)
    assert one["p_wait1"] == pytest.approx(m.p_wait, rel=1e-9)
    assert one["n1"] / (36 / 3600) == pytest.approx(m.mean_wait_s, rel=1e-9)
    assert (one["a1"] + one["b1"]) / 5 == pytest.approx(m.occupancy, rel=1e-9)
    two = n_design_chain(2, 3, 0.0, 20 / 3600, 1 / 240, 1 / 360, 1.5, 1 / 400)
    m = analytic.erlang_a_metrics(3, 20.0, 360.0, 400.0, 0.0)
    assert two["p_wait2"] == pytest.approx(m.p_wait, rel=1e-9)
    assert two["n2"] / (20 / 3600) * (1 / 400) == pytest.approx(m.abandon_rate, rel=1e-9)
    assert two["b2"] / 3 == pytest.approx(m.occupancy, rel=1e-9)


@pytest.mark.parametrize("case", list(N_DESIGNS))
def test_chain_conserves_flow(case):
    """In the chain, what arrives leaves: for each queue, answers per second (busy agents
    / mean handling time) plus abandonments (theta x waiting) equal the arrival rate, and
    the law is a probability law that solves the balance equations."""
    d = N_DESIGNS[case]
    ref = d.chain()
    theta = 1.0 / d.patience_s
    served1 = ref["a1"] / d.aht1 + ref["b1"] / (d.aht1 * d.handle_factor)
    assert served1 + theta * ref["n1"] == pytest.approx(d.calls1 / 3600.0, rel=1e-9)
    assert ref["b2"] / d.aht2 + theta * ref["n2"] == pytest.approx(d.calls2 / 3600.0, rel=1e-9)
    assert ref["min_pi"] > -1e-15 and ref["residual"] < 1e-12 and ref["truncation"] < 1e-6
    # a longer truncation changes nothing that matters
    longer = d.chain(n_max=45)
    for key in ("p_wait1", "p_wait2", "n1", "n2", "a1", "b1", "b2"):
        assert longer[key] == pytest.approx(ref[key], rel=1e-9, abs=1e-12)
