"""The failure-demand chain the adjusted Erlang staffing rests on
(:func:`simcenter.model.expectations.failure_demand`), pinned against a long simulation of
the same center with queueing made negligible (agents to spare, callers who never hang up):
contacts per first contact and their mean handling time must lie within the run's 95%
intervals. Engine and chain read the same formulas (simcenter.model.formulas); this test
keeps them from drifting apart in what they do with them.

Delays are deterministic and there is no outage: the chain takes the anger's decay over the
mean delays and the noncompliance averaged over the days, which is exact only then (with an
outage, chains of several broken promises cluster in the outage, and the chain's averaged
noncompliance underestimates them: a known approximation of the adjusted Erlang)."""

from __future__ import annotations

import pytest

import simcenter
from simcenter.model.expectations import failure_demand
from simcenter.output.analysis import confidence_interval

CENTER = {
    "name": "chain",
    "simulation": {"days": 40, "warmup_days": 10, "replications": 8, "seed": 3, "interval_minutes": 60},
    "calendar": {"open": "00:00", "close": "24:00", "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
    "arrivals": {"calls_per_hour": 30.0},
    "agents": {"staffing": 40},
    "patience": {"dist": "none"},
    "contact_types": [
        {"name": "order", "share": 0.6, "handle_time": {"dist": "exponential", "mean_s": 240.0}, "wrapup_s": 30.0,
         "promise_prob": 0.7, "noncompliance": 0.4, "promise_due": {"dist": "deterministic", "mean_h": 24.0}},
        {"name": "fault", "share": 0.4, "handle_time": {"dist": "lognormal", "mean_s": 420.0, "cv": 0.8}, "wrapup_s": 60.0,
         "promise_prob": 0.5, "noncompliance": 0.25, "promise_due": {"dist": "deterministic", "mean_h": 48.0}},
    ],
    "promises": {"notice_delay": {"dist": "deterministic", "mean_h": 12.0}, "return_prob": 0.8},
    "customers": {"anger_per_broken_promise": 1.0, "anger_half_life_days": 5.0, "churn_anger": 3.5,
                  "resolution_anger_factor": 0.25, "deescalation_s_per_anger": 60.0, "deescalation_cap_s": 300.0},
    "recovery": {"enabled": True},
}


@pytest.mark.slow
def test_the_failure_demand_chain_matches_a_long_simulation():
    scenario = simcenter.Scenario.from_dict(CENTER)
    chain = failure_demand(scenario)
    reps = simcenter.simulate(scenario).replications()
    assert reps.abandoned.sum() == 0 and reps.p_wait.max() < 0.01  # queueing negligible
    mean, low, high = confidence_interval((1.0 + reps.repeat_rate).to_numpy())
    assert low <= chain.contacts <= high, (chain.contacts, mean, low, high)
    mean, low, high = confidence_interval(reps.aht_s.to_numpy())
    assert low <= chain.handle_s <= high, (chain.handle_s, mean, low, high)
    assert chain.contacts > 1.2  # the chain is long enough for the check to mean something
