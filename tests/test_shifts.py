"""Explicit shifts, overtime and concessions against the service contract (seed 002)."""

from pathlib import Path

import numpy as np
import pytest

import simcenter
from simcenter.results import confidence_interval
from simcenter.scenario import Scenario

from .test_promises import _separated
from .test_workforce import short_spiral

ROOT = Path(__file__).parent.parent


# -- shifts -------------------------------------------------------------------------------


def _with_shifts(scenario, shifts, **agents):
    data = scenario.to_dict()
    data["agents"] = {k: v for k, v in data["agents"].items() if k != "staffing"} | agents
    data["shifts"] = shifts
    return Scenario.from_dict(data)


def test_three_shifts_around_the_clock_equal_a_flat_plan():
    flat = Scenario.from_file(ROOT / "scenarios/erlang_a.toml").replace({"simulation.replications": 3})
    shifts = [{"name": n, "start": t, "length_h": 8.0, "headcount": 14} for n, t in (("night", "00:00"), ("early", "08:00"), ("late", "16:00"))]
    shifted = _with_shifts(flat, shifts)
    assert simcenter.simulate(flat).replications().equals(simcenter.simulate(shifted).replications())


def test_breaks_and_shrinkage_remove_planned_hours():
    base = Scenario.from_file(ROOT / "scenarios/baseline.toml").replace({"simulation.days": 7, "simulation.replications": 6})
    shifts = [
        {"name": "early", "start": "08:00", "length_h": 8.0, "days": ["mon", "tue", "wed", "thu", "fri", "sat"], "headcount": 30,
         "breaks": [{"after_h": 2.0, "minutes": 15.0}, {"after_h": 4.0, "minutes": 30.0}]},
        {"name": "late", "start": "12:00", "length_h": 8.0, "days": ["mon", "tue", "wed", "thu", "fri", "sat"], "headcount": 25},
    ]
    planned = 6 * (30 * (8 - 0.75) + 25 * 8)  # agent hours a week
    r = simcenter.simulate(_with_shifts(base, shifts)).replications()
    # agents reach the plan at once, so time on duty beyond overtime is exactly the plan
    assert np.allclose(r.agent_hours - r.overtime_h, planned)
    shrunk = simcenter.simulate(_with_shifts(base, shifts, shrinkage=0.1))
    reps = shrunk.replications()
    _, low, high = confidence_interval((reps.agent_hours - reps.overtime_h).to_numpy())
    assert low <= 0.9 * planned <= high
    assert (reps.agent_hours - reps.overtime_h < planned).all()


def test_shifts_and_staffing_are_exclusive():
    with pytest.raises(simcenter.ScenarioError, match="exactly one of agents.staffing and"):
        Scenario.from_file(ROOT / "scenarios/erlang_a.toml").replace({"shifts": [{"name": "a", "start": "08:00", "length_h": 8.0, "headcount": 3}]})
    with pytest.raises(simcenter.ScenarioError, match="breaks"):
        _with_shifts(
            Scenario.from_file(ROOT / "scenarios/erlang_a.toml"),
            [{"name": "a", "start": "08:00", "length_h": 2.0, "headcount": 3, "breaks": [{"after_h": 1.9, "minutes": 30.0}]}],
        )


def test_shifts_with_a_roster():
    base = short_spiral(**{"simulation.days": 14, "simulation.warmup_days": 0, "simulation.replications": 2})
    shifts = [
        {"name": "early", "start": "08:00", "length_h": 8.0, "days": ["mon", "tue", "wed", "thu", "fri", "sat"], "headcount": 30},
        {"name": "late", "start": "12:00", "length_h": 8.0, "days": ["mon", "tue", "wed", "thu", "fri", "sat"], "headcount": 25},
    ]
    r = simcenter.simulate(_with_shifts(base, shifts)).replications()
    # the roster's absence keeps some of the scheduled 55 at home
    assert ((r.agent_hours - r.overtime_h) < 12 * (30 * 8 + 25 * 8)).all()
    assert (r.morale_mean > 0).all() and (r.headcount > 0).all()


# -- concessions against the contract (seed 002) ----------------------------------------------


def test_conceded_after_hours_callers_cost_overtime_and_distort_the_service_level():
    base = Scenario.from_file(ROOT / "scenarios/baseline.toml").replace(
        {"simulation.replications": 4, "calendar.after_hours": "lost", "arrivals.after_hours_calls_per_hour": 20.0}
    )
    lost = simcenter.simulate(base).replications()
    conceded = simcenter.simulate(base.replace({"calendar.after_hours": "conceded", "calendar.concession_window_minutes": 60}))
    reps = conceded.replications()
    assert (reps.conceded > 0).all() and (lost.conceded == 0).all()
    # the 13 closing agents stay one more hour on each of 6 open days: all of it overtime,
    # and the close-out of the queue comes after the window
    assert (reps.overtime_h >= 13 * 6 * (1 - 1e-12)).all()
    assert (reps.overtime_h > lost.overtime_h + 13 * 6 * 0.9).all()
    assert _separated(simcenter.simulate(base), conceded, "cost_overtime")
    # conceded callers meet idle agents: the measured figure flatters the contractual one
    assert (reps.service_level > reps.service_level_contract).all()
    assert np.allclose(lost.service_level, lost.service_level_contract)
    # conservation still holds with the conceded callers counted as offered
    assert (reps.offered == reps.answered + reps.abandoned + reps.waiting_at_end).all()


def test_conceded_window_is_validated():
    base = Scenario.from_file(ROOT / "scenarios/baseline.toml")
    with pytest.raises(simcenter.ScenarioError, match="concession_window_minutes"):
        base.replace({"calendar.after_hours": "conceded", "calendar.concession_window_minutes": 45})


@pytest.mark.slow
def test_management_overrides_cost_concessions_and_morale():
    def run(override):
        return simcenter.simulate(short_spiral(**{"promises.outages": [], "policy.out_of_policy_prob": 0.1, "policy.override_prob": override}))

    backed, overruled = run(0.0), run(0.8)
    assert overruled.metric("overrides").mean > 0 and backed.metric("overrides").mean == 0
    assert _separated(backed, overruled, "cost_concessions")
    assert _separated(overruled, backed, "morale_mean")
    reps = backed.replications()
    assert (reps.out_of_policy > 0).all()
