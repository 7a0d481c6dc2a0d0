"""Agents as people: roster, morale, absence, attrition and hiring."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import simcenter
from simcenter.center import CallCenter
from simcenter.scenario import Scenario

from .strategies import workforce_scenarios
from .test_promises import CORE, _separated

ROOT = Path(__file__).parent.parent


def test_workforce_settings_while_disabled_change_nothing():
    plain = Scenario.from_file(ROOT / "scenarios/noncompliance.toml").replace({"simulation.days": 3, "simulation.warmup_days": 1, "simulation.replications": 2})
    dressed = plain.replace(
        {
            "workforce.headcount": 5,
            "workforce.quit_rate": 0.5,
            "workforce.absence_rate": 0.9,
            "morale.per_anger": 1.0,
            "morale.recovery_days": 0.5,
        }
    )
    a, b = simcenter.simulate(plain).replications(), simcenter.simulate(dressed).replications()
    assert a.drop(columns=["morale_mean", "morale_p10", "headcount", "absence_rate"]).equals(
        b.drop(columns=["morale_mean", "morale_p10", "headcount", "absence_rate"])
    )
    assert b.morale_mean.isna().all() and (b.quits == 0).all()


def test_a_calm_full_roster_reproduces_the_plan():
    """With more agents than the plan needs, nobody absent or quitting, and no effect of
    morale on speed, the roster serves the plan exactly like identical servers."""
    base = Scenario.from_file(ROOT / "scenarios/baseline.toml").replace({"simulation.days": 2, "simulation.replications": 2})
    roster = base.replace(
        {
            "workforce.enabled": True,
            "workforce.headcount": 60,
            "workforce.absence_rate": 0.0,
            "workforce.quit_rate": 0.0,
            "workforce.slowdown_morale_factor": 0.0,
        }
    )
    a, b = simcenter.simulate(base).replications(), simcenter.simulate(roster).replications()
    assert a[CORE].equals(b[CORE])
    assert (b.headcount == 60).all() and (b.quits == 0).all()


def spiral(name="spiral", **overrides):
    s = Scenario.from_file(ROOT / f"scenarios/{name}.toml")
    return s.replace(overrides) if overrides else s


def short_spiral(**overrides):
    """Eight weeks of the spiral center, the outage from week 2."""
    base = spiral(
        **{
            "simulation.days": 56,
            "simulation.warmup_days": 14,
            "simulation.replications": 4,
            "promises.outages": [{"start_day": 8, "end_day": 56, "noncompliance": 0.45}],
        }
    )
    return base.replace(overrides) if overrides else base


@pytest.mark.slow
def test_more_noncompliance_lowers_morale_and_raises_quits():
    calm = simcenter.simulate(short_spiral(**{"promises.outages": []}))
    broken = simcenter.simulate(short_spiral())
    assert _separated(broken, calm, "morale_mean")
    assert _separated(broken, calm, "morale_p10")
    assert _separated(calm, broken, "quits")
    assert _separated(calm, broken, "aggressions")


@pytest.mark.slow
def test_more_empowerment_raises_morale():
    bound = simcenter.simulate(short_spiral(**{"recovery.empowerment": 0.0}))
    free = simcenter.simulate(short_spiral(**{"recovery.empowerment": 0.9}))
    assert _separated(bound, free, "morale_mean")


@pytest.mark.slow
def test_longer_hiring_delay_lowers_headcount():
    quick = simcenter.simulate(short_spiral(**{"workforce.hiring_delay_days": 7}))
    slow = simcenter.simulate(short_spiral(**{"workforce.hiring_delay_days": 60}))
    assert _separated(slow, quick, "headcount")
    assert slow.metric("hires").mean < quick.metric("hires").mean


def test_new_hires_are_slower_and_learn():
    s = short_spiral(**{"workforce.new_hire_slowdown": 2.0, "workforce.learning_weeks": 1.0})
    center = CallCenter(s, 1, 0)
    roster = center.roster
    agent = roster._hire(now=0.0)
    assert roster.speed(agent, 0.0) == pytest.approx(2.0 * (1 + 0.3 * (1 - roster.morale[agent])))
    week = 7 * 86_400.0
    assert roster.speed(agent, week) < roster.speed(agent, 0.0)
    assert roster.speed(agent, 8 * week) == pytest.approx(1 + 0.3 * (1 - roster.morale[agent]), rel=1e-3)


def test_selective_hiring_narrows_resilience():
    def baselines(selectivity):
        s = short_spiral(**{"workforce.hiring_selectivity": selectivity, "workforce.headcount": 400, "workforce.target_headcount": 400})
        return np.array(CallCenter(s, 1, 0).roster.baseline)

    loose, strict = baselines(0.0), baselines(1.0)
    assert strict.std() < loose.std() / 2
    assert strict.mean() > loose.mean()


def test_agent_trace(tmp_path):
    s = short_spiral(**{"simulation.days": 3, "simulation.warmup_days": 0, "simulation.replications": 1})
    simcenter.simulate(s, agent_trace=tmp_path / "agents.parquet")
    log = pd.read_parquet(tmp_path / "agents.parquet")
    assert sorted(log.day.unique()) == [0, 1, 2]
    assert log.groupby("day").agent.nunique().min() >= 50
    assert log.morale.between(0, 1).all() and log.baseline.between(0.05, 1).all()
    with pytest.raises(simcenter.SimcenterError):
        simcenter.simulate(Scenario.from_file(ROOT / "scenarios/erlang_a.toml"), agent_trace=tmp_path / "x.csv")


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(workforce_scenarios())
def test_morale_stays_in_bounds_and_headcount_never_negative(data):
    scenario = Scenario.from_dict(data)
    rows = []
    center = CallCenter(scenario, scenario.simulation.seed, 0, agent_log=rows.append)
    c = center.run().arrays()
    morale = np.array([r[3] for r in rows]) if rows else np.array([])
    assert ((morale >= 0) & (morale <= 1)).all()
    assert all(0 <= m <= 1 for m in center.roster.morale)
    assert (c["headcount_sum"] >= 0).all() and (c["absent_days"] <= c["headcount_sum"]).all()
    assert center.roster.headcount >= 0 and center.on_duty >= 0
    # never more agents on duty than employed and present
    assert center.on_duty <= center.roster.headcount
    np.testing.assert_array_equal(c["offered"], c["answered"] + c["abandoned"] + c["waiting_at_end"])
    np.testing.assert_array_equal(c["promises_made"], c["promises_kept"] + c["promises_broken"] + c["promises_open"])
    assert c["busy_s"].sum() <= c["staffed_s"].sum() * (1 + 1e-9) + 1e-6
