"""Staffing search: Erlang per interval, Erlang adjusted for failure demand, and
simulation (iterative staffing and flat bisection), checked against each other and against
the service level each plan achieves in simulation."""

from pathlib import Path

import pytest

from simcenter import Scenario, analytic, simulate
from simcenter.cli import main
from simcenter.staffing import Target, adjusted_plan, erlang_plan, failure_demand, flat_staffing

ROOT = Path(__file__).parent.parent
TARGET = Target(0.8, 20.0)


@pytest.mark.slow
@pytest.mark.parametrize("patience", ["exponential", "none"])
def test_flat_simulation_staffing_equals_erlang(patience):
    s = Scenario.from_file(ROOT / "scenarios/erlang_a.toml").replace({"simulation.days": 2, "patience.dist": patience})
    exact = analytic.staffing(200, 180, 20, 0.8, 300.0 if patience == "exponential" else None)
    assert erlang_plan(s, TARGET) == [exact] * 48
    result = flat_staffing(s, TARGET, replications=10)
    assert abs(result.agents - exact) <= 1
    # the answer is decided by the intervals: it meets the target, one agent fewer does not
    assert result.tried[result.agents][-1] and not result.tried[result.agents - 1][-1]
    if result.agents != exact:  # only when the formula's answer sits inside the interval
        level = exact if result.agents > exact else result.agents
        mean, low, high = result.tried[level][:3]
        assert low <= 0.8 <= high


@pytest.mark.slow
def test_failure_demand_needs_more_agents_than_erlang_sees():
    # the plain queue with the field's log-normal handling, redials, and promises of which
    # 20% are broken; five warm-up days so that the repeat contacts reach their steady level
    s = Scenario.from_file(ROOT / "scenarios/erlang_a.toml").replace({
        "simulation.days": 3, "simulation.warmup_days": 5,
        "contact_types[0].handle_time": {"dist": "lognormal", "mean_s": 180.0, "cv": 1.0}, "patience.redial_prob": 0.3,
        "contact_types[0].promise_prob": 0.6, "contact_types[0].noncompliance": 0.2,
    })
    fd = failure_demand(s)
    assert fd.contacts > 1.0 and fd.handle_s > 180.0
    naive, adjusted = erlang_plan(s, TARGET)[0], adjusted_plan(s, TARGET)[0]
    flat = flat_staffing(s, TARGET, replications=6)
    # the naive plan misses the target in simulation; the simulation's plan meets it
    missed = simulate(s.replace({"agents.staffing": naive}), replications=6).summary().set_index("metric")
    assert missed.loc["service_level", "ci_high"] < 0.8
    assert flat.service_level >= 0.8 and flat.tried[flat.agents][-1]
    assert naive < flat.agents and naive <= adjusted <= flat.agents


def test_failure_demand_without_promises_is_nothing():
    s = Scenario.from_file(ROOT / "scenarios/erlang_a.toml")
    fd = failure_demand(s)
    assert fd.contacts == 1.0 and fd.handle_s == pytest.approx(180.0) and fd.patience_s == pytest.approx(300.0)
    assert adjusted_plan(s, TARGET) == erlang_plan(s, TARGET)


def test_redials_raise_the_adjusted_staffing():
    s = Scenario.from_file(ROOT / "scenarios/erlang_a.toml").replace({"patience.redial_prob": 0.9, "patience.mean_s": 60.0})
    assert adjusted_plan(s, TARGET)[0] >= erlang_plan(s, TARGET)[0]
    tight = Target(0.95, 5.0)
    assert adjusted_plan(s.replace({"agents.staffing": 10}), tight)[0] >= erlang_plan(s, tight)[0]


def test_staff_command(capsys, tmp_path):
    out = tmp_path / "plan.csv"
    assert main(["staff", str(ROOT / "scenarios/erlang_a.toml"), "--target", "0.8/20", "--replications", "3",
                 "--set", "simulation.days=1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "erlang" in text and "adjusted" in text and "simulated" in text
    import pandas as pd

    table = pd.read_csv(out)
    assert len(table) == 48 and {"erlang", "adjusted", "simulated", "sl_erlang", "sl_simulated"} <= set(table.columns)
    assert main(["staff", str(ROOT / "scenarios/erlang_a.toml"), "--target", "80/20"]) == 2
    assert "--target" in capsys.readouterr().err
