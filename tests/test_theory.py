"""The simulator against exact queueing theory.

With a flat arrival rate, exponential handling and patience, no wrap-up and no redials,
the model is the M/M/n+M queue (Erlang A), or M/M/n (Erlang C) when callers never
abandon. Every measure must agree with the exact value within the run's own 95%
confidence interval (Student t over independent replications, warm-up left out).
Seeds are fixed, so the tests are deterministic.
"""

import pytest

import simcenter
from simcenter import analytic

MEASURES = ("service_level", "asa_s", "mean_wait_s", "abandon_rate", "p_wait", "occupancy")


def plain_queue(agents, calls_per_hour, aht_s, patience_s, days, replications, seed=2026):
    return simcenter.Scenario.from_dict(
        {
            "simulation": {"days": days, "warmup_days": 1, "replications": replications, "seed": seed, "interval_minutes": 60},
            "arrivals": {"calls_per_hour": calls_per_hour},
            "contact_types": [{"name": "general", "handle_time": {"dist": "exponential", "mean_s": aht_s}}],
            "patience": {"dist": "exponential", "mean_s": patience_s} if patience_s else {"dist": "none"},
            "agents": {"staffing": agents},
            "service_level": {"target_s": 20.0},
        }
    )


CASES = {
    # name: agents, calls/hour, AHT, patience, days, replications
    "1 agent, 70% load": (1, 14.0, 180.0, 300.0, 10, 20),
    "10 agents, 85% load": (10, 170.0, 180.0, 300.0, 4, 20),
    "10 agents, 110% overload": (10, 220.0, 180.0, 300.0, 4, 20),
    "200 agents, 95% load": (200, 3800.0, 180.0, 300.0, 1, 12),
}


def _check(results, exact, measures):
    misses = []
    for name in measures:
        m = results.metric(name)
        mean, low, high = m.mean, m.ci_low, m.ci_high
        value = getattr(exact, name)
        if not low <= value <= high:
            misses.append(f"{name}: exact {value:.5g} outside [{low:.5g}, {high:.5g}] (mean {mean:.5g})")
    assert not misses, "; ".join(misses)


def _cases(names):
    """The cases as parameters; the 200-agent one (about 15 s each) is in the slow set."""
    return [pytest.param(c, id=c, marks=[pytest.mark.slow] if c.startswith("200 agents") else []) for c in names]


@pytest.mark.parametrize("case", _cases(CASES))
def test_erlang_a(case):
    n, cph, aht, patience, days, reps = CASES[case]
    results = simcenter.simulate(plain_queue(n, cph, aht, patience, days, reps))
    _check(results, analytic.erlang_a_metrics(n, cph, aht, patience, 20.0), MEASURES)


@pytest.mark.parametrize("case", _cases([c for c in CASES if "overload" not in c]))
def test_erlang_c(case):
    n, cph, aht, _, days, reps = CASES[case]
    results = simcenter.simulate(plain_queue(n, cph, aht, None, days, reps))
    exact = analytic.erlang_c_metrics(n, cph, aht, 20.0)
    _check(results, exact, MEASURES)
    assert results.metric("abandoned").mean == 0


def test_interval_is_informative():
    """The check above is not vacuous: the intervals are narrow enough to reject a queue
    with one agent fewer."""
    n, cph, aht, patience, days, reps = CASES["10 agents, 85% load"]
    results = simcenter.simulate(plain_queue(n, cph, aht, patience, days, reps))
    wrong = analytic.erlang_a_metrics(n - 1, cph, aht, patience, 20.0)
    for name in ("service_level", "abandon_rate", "occupancy"):
        m = results.metric(name)
        assert not m.ci_low <= getattr(wrong, name) <= m.ci_high
