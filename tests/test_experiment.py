"""Experiments: common random numbers, paired comparison, MSER-5, sequential replications."""

import json
from pathlib import Path

import numpy as np
import pytest

import simcenter
from simcenter.cli import main
from simcenter.experiment import compare, mser5, simulate_to_precision
from simcenter.scenario import Scenario

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def erlang():
    return Scenario.from_file(ROOT / "scenarios/erlang_a.toml").replace({"simulation.days": 1})


@pytest.mark.slow
def test_common_random_numbers_shrink_the_variance_of_differences(erlang):
    """Two staffing levels, 30 replications: the paired difference of asa_s varies at
    least 5x less with common random numbers than with independent streams."""
    a, b = erlang.replace({"agents.staffing": 13}), erlang.replace({"agents.staffing": 14})
    ra = simcenter.simulate(a, replications=30, seed=11).replications().asa_s.to_numpy()
    rb_same = simcenter.simulate(b, replications=30, seed=11).replications().asa_s.to_numpy()
    rb_indep = simcenter.simulate(b, replications=30, seed=12).replications().asa_s.to_numpy()
    crn = np.var(rb_same - ra, ddof=1)
    independent = np.var(rb_indep - ra, ddof=1)
    assert independent >= 5 * crn, (independent, crn)


def test_same_customers_whatever_the_staffing(erlang, tmp_path):
    simcenter.simulate(erlang.replace({"agents.staffing": 12}), replications=1, trace=tmp_path / "a.csv")
    simcenter.simulate(erlang.replace({"agents.staffing": 16}), replications=1, trace=tmp_path / "b.csv")
    import pandas as pd

    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    first_a = a[a.origin == "first"].sort_values("contact_id")
    first_b = b[b.origin == "first"].sort_values("contact_id")
    assert np.array_equal(first_a.arrival_s.to_numpy(), first_b.arrival_s.to_numpy())
    answered = first_a.merge(first_b, on="contact_id").query("outcome_x == 'answered' and outcome_y == 'answered'")
    assert len(answered) > 1000
    assert np.array_equal(answered.talk_s_x.to_numpy(), answered.talk_s_y.to_numpy())


def test_compare_reports_paired_differences(erlang):
    table = compare(erlang, erlang.replace({"agents.staffing": 16}), replications=6, metrics=["asa_s", "service_level", "offered"])
    rows = table.set_index("metric")
    assert rows.loc["asa_s", "significant"] and rows.loc["asa_s", "ci_high"] < 0
    assert rows.loc["service_level", "significant"] and rows.loc["service_level", "ci_low"] > 0
    # the same customers arrive in both: offered does not differ at all
    assert rows.loc["offered", "diff"] == 0 and not rows.loc["offered", "significant"]
    same = compare(erlang, erlang.replace({"costs.agent_hour": 99.0}), replications=4, metrics=["asa_s"])
    assert same.loc[0, "diff"] == 0 and not same.loc[0, "significant"]


def test_compare_command(capsys):
    code = main(["compare", str(ROOT / "scenarios/erlang_a.toml"), "--set", "simulation.days=1", "--b", "agents.staffing=16",
                 "--replications", "4", "--metrics", "asa_s,abandon_rate", "--json"])
    assert code == 0
    records = json.loads(capsys.readouterr().out)["metrics"]
    assert [r["metric"] for r in records] == ["asa_s", "abandon_rate"]
    assert records[0]["significant"] is True and records[0]["diff"] < 0
    code = main(["compare", str(ROOT / "scenarios/erlang_a.toml")])
    assert code == 2 and "identical" in capsys.readouterr().err
    code = main(["compare", str(ROOT / "scenarios/erlang_a.toml"), "--b", "agents.staffing=15", "--metrics", "nonsense"])
    assert code == 2 and "unknown metric" in capsys.readouterr().err


def test_sequential_replications_stop_at_the_precision(erlang):
    results, achieved = simulate_to_precision(erlang, 0.01, ["service_level", "occupancy"], max_replications=100)
    assert all(p <= 0.01 for p in achieved.values())
    n = results.n_replications
    assert 5 <= n < 100
    # one replication fewer would not have been enough (it stopped as soon as it could)
    if n > 5:
        fewer, achieved_fewer = simulate_to_precision(erlang, 0.01, ["service_level", "occupancy"], max_replications=n - 1)
        assert any(p > 0.01 for p in achieved_fewer.values())
    # an unreachable target stops at the maximum and says so
    capped, achieved = simulate_to_precision(erlang, 1e-6, ["service_level"], max_replications=6)
    assert capped.n_replications == 6 and achieved["service_level"] > 1e-6


def test_precision_on_the_command_line(capsys):
    code = main(["run", str(ROOT / "scenarios/erlang_a.toml"), "--set", "simulation.days=1", "--precision", "0.02",
                 "--metrics", "service_level", "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["precision"]["target"] == 0.02 and doc["precision"]["achieved"]["service_level"] <= 0.02
    assert "warmup_report" in doc


def test_mser5_finds_a_transient_and_leaves_a_stationary_series_alone():
    rng = np.random.default_rng(5)
    stationary = rng.normal(10, 1, 1000)
    transient = stationary + np.concatenate([np.linspace(20, 0, 150), np.zeros(850)])
    assert mser5(stationary) <= 100
    cut = mser5(transient)
    assert 100 <= cut <= 250
    assert mser5([1.0, 2.0, 3.0]) == 0


def test_warmup_suggestion_on_a_run_started_empty():
    """A heavily loaded queue started empty with no warm-up: MSER-5 on the interval series
    sees the start-up."""
    s = Scenario.from_file(ROOT / "scenarios/erlang_a.toml").replace(
        {"simulation.days": 3, "simulation.warmup_days": 0, "simulation.interval_minutes": 15,
         "patience.dist": "none", "agents.staffing": 11}
    )
    report = simcenter.simulate(s, replications=6).warmup_report()
    assert report["by"] == "interval" and report["observations"] == 288
    assert report["truncate"] > 0


def test_the_warmup_suggestion_counts_days_on_longer_runs():
    """A center open around the clock with callbacks, started empty: on five days the
    suggestion is a whole number of days (those MSER-5 cut, rounded up, added to the
    warm-up already there); on a short run, hours."""
    import math

    from simcenter.present.runcmd import DAYS_FROM, warmup_text

    s = Scenario.from_file(ROOT / "scenarios/callback_conflict.toml").replace({"simulation.days": 5, "simulation.warmup_days": 0})
    results = simcenter.simulate(s, replications=3)
    report = results.warmup_report()
    assert report["truncate"] > 0 and s.simulation.days >= DAYS_FROM
    days = math.ceil(report["truncate_h"] / 24)
    text = warmup_text(results)
    assert f"the first {days} days of the reported run look like a start-up: consider simulation.warmup_days = {days} (now 0)" in text
    loaded = Scenario.from_file(ROOT / "scenarios/erlang_a.toml").replace(
        {"simulation.days": 3, "simulation.warmup_days": 0, "simulation.interval_minutes": 15, "patience.dist": "none",
         "agents.staffing": 11})
    short = simcenter.simulate(loaded, replications=6)
    hours = short.warmup_report()["truncate_h"]
    assert f"the first {hours:g} h of the reported run look like a start-up: consider simulation.warmup_days = 1 (now 0)" \
        in warmup_text(short)


@pytest.mark.parametrize("name, changing", [
    ("spiral", ["workforce.enabled", "promises.outages: days 29 to 182"]),
    ("spiral_recovered", ["workforce.enabled", "promises.outages: days 29 to 182"]),
    ("word_of_mouth", ["value.demand_feedback"]),
    ("noncompliance", []),
    ("callback_conflict", []),
])
def test_no_warmup_suggestion_where_the_story_is_a_trend(name, changing):
    from simcenter.output.warmup import trend_by_design

    s = Scenario.from_file(ROOT / f"scenarios/{name}.toml")
    said = trend_by_design(s)
    assert len(said) == len(changing) and all(any(c in line for line in said) for c in changing), said


def test_a_trend_gets_no_suggestion_and_says_why():
    from simcenter.output.warmup import trend_by_design
    from simcenter.present.runcmd import warmup_text

    spiral = Scenario.from_file(ROOT / "scenarios/spiral.toml")
    short = spiral.replace({"simulation.days": 20, "simulation.warmup_days": 0})  # 20 days: MSER-5 would judge by day
    results = simcenter.simulate(short, replications=1)
    assert results.warmup_report() is None
    text = warmup_text(results)
    assert text.startswith("no warm-up suggestion: agents' morale and headcount (workforce.enabled)") and "by design" in text
    assert "promises.outages" not in text  # the outage starts on day 29, after this run
    # an outage at the rate the contact types already have changes nothing
    same = short.replace({"promises.outages": [{"start_day": 2, "end_day": 5, "noncompliance": 0.05}],
                          "contact_types.order_status.noncompliance": 0.05, "contact_types.technical.noncompliance": 0.05})
    assert not any("outages" in line for line in trend_by_design(same))
