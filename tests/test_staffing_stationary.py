"""The simulated staffing plan on a stationary queue, where the exact answer is known: the
plain M/M/n+M queue with one constant arrival rate over a day of 48 half-hours has the same
Erlang A staffing in every interval, and the simulated plan must not chase the noise of its
replications away from it (its own file: a slow test the parallel runner can start early).

The scenario is built here: exponential handling (180 s) and patience (300 s), one contact
type, no promises and no redials, open around the clock; one reported day after one day of
warm-up (so that the first half-hour starts from a busy center, as every other does), and
the replications left at their default. ``simcenter staff`` is run as a planner runs it.
"""

import json

import pytest
from scipy import stats

from simcenter import Scenario, analytic
from simcenter.cli import main

TARGET, ANSWER_S, HANDLE_S, PATIENCE_S = 0.8, 20.0, 180.0, 300.0
INTERVALS = 48


def _scenario(tmp_path, calls_per_hour: float):
    path = tmp_path / f"mmn_m_{calls_per_hour:g}.toml"
    path.write_text(f"""
name = "stationary"
[simulation]
days = 1
warmup_days = 1
interval_minutes = 30
[arrivals]
calls_per_hour = {calls_per_hour}
[[contact_types]]
name = "general"
share = 1.0
handle_time = {{ dist = "exponential", mean_s = {HANDLE_S} }}
wrapup_s = 0.0
[patience]
dist = "exponential"
mean_s = {PATIENCE_S}
redial_prob = 0.0
[agents]
staffing = 1
[service_level]
target_s = {ANSWER_S}
""")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("calls_per_hour", [40.0, 400.0])  # light (4 agents) and heavy (23 agents)
def test_the_simulated_plan_is_erlang_a_on_a_stationary_queue(tmp_path, capsys, calls_per_hour):
    path = _scenario(tmp_path, calls_per_hour)
    default = Scenario.from_file(path).simulation.replications
    exact = analytic.staffing(calls_per_hour, HANDLE_S, ANSWER_S, TARGET, PATIENCE_S)
    for seed in (1, 2, 3):
        assert main(["staff", str(path), "--target", f"{TARGET}/{ANSWER_S:g}", "--seed", str(seed), "--json", "--quiet"]) == 0
        doc = json.loads(capsys.readouterr().out)
        rows = doc["intervals"]
        assert len(rows) == INTERVALS and doc["summary"]["simulated"]["replications"] == default
        assert [r["erlang"] for r in rows] == [r["adjusted"] for r in rows] == [exact] * INTERVALS
        plan = [r["simulated"] for r in rows]
        assert sum(n == exact for n in plan) >= 44, (seed, plan)
        assert all(abs(n - exact) <= 1 for n in plan), (seed, plan)
        # judged on replications the search did not use: no interval's service level lies
        # significantly below the target, over the 48 intervals at once (Bonferroni), and
        # the day's 95% interval reaches it
        n = doc["summary"]["simulated"]["replications"]
        widen = stats.t.ppf(1 - 0.05 / INTERVALS, n - 1) / stats.t.ppf(0.975, n - 1)
        for r in rows:
            upper = r["sl_simulated"] + widen * (r["sl_high_simulated"] - r["sl_simulated"])
            assert r["sl_high_simulated"] == 1.0 or upper >= TARGET, (seed, r)
        assert doc["summary"]["simulated"]["ci_high"] >= TARGET
