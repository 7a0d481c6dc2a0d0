"""Behaviour of the model's mechanisms, one at a time."""

import pandas as pd
import pytest

import simcenter
from simcenter.center import TRACE_COLUMNS
from simcenter.scenario import Scenario


def make(**sections):
    data = {
        "simulation": {"days": 2, "warmup_days": 0, "replications": 4, "seed": 11, "interval_minutes": 30},
        "arrivals": {"calls_per_hour": 60.0},
        "contact_types": [{"name": "general", "handle_time": {"dist": "exponential", "mean_s": 180.0}}],
        "agents": {"staffing": 5},
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return Scenario.from_dict(data)


def metric(results, name):
    m = results.metric(name)
    return m.mean, m.ci_low, m.ci_high


def test_after_hours_lost_and_offered_only_while_open(tmp_path):
    s = make(calendar={"open": "08:00", "close": "18:00", "after_hours": "lost"}, arrivals={"after_hours_calls_per_hour": 10.0})
    r = simcenter.simulate(s, trace=tmp_path / "t.csv")
    trace = pd.read_csv(tmp_path / "t.csv")
    offered = trace[trace.outcome.isin(["answered", "abandoned", "waiting_at_end"])]
    assert ((offered.arrival_s % 86400 >= 8 * 3600) & (offered.arrival_s % 86400 < 18 * 3600)).all()
    lost = trace[trace.outcome == "lost_after_hours"]
    assert len(lost) > 0
    assert not ((lost.arrival_s % 86400 >= 8 * 3600) & (lost.arrival_s % 86400 < 18 * 3600)).any()
    mean_lost = metric(r, "lost_after_hours")
    # 14 closed hours a day at 10/hour, 2 days: 280 expected per replication
    assert mean_lost[1] <= 280 <= mean_lost[2]
    assert metric(r, "deferred")[0] == 0


def test_after_hours_next_day_returns_after_opening(tmp_path):
    s = make(
        simulation={"days": 3},
        calendar={"open": "08:00", "close": "18:00", "after_hours": "next_day", "next_day_spread_minutes": 30.0},
        arrivals={"after_hours_calls_per_hour": 10.0},
    )
    simcenter.simulate(s, replications=1, trace=tmp_path / "t.parquet")
    trace = pd.read_parquet(tmp_path / "t.parquet")
    returned = trace[trace.origin == "next_day"]
    assert len(returned) > 0
    clock = returned.arrival_s % 86400
    assert ((clock >= 8 * 3600) & (clock <= 8.5 * 3600)).all()
    deferred = trace[trace.outcome == "deferred"]
    # every return is a deferred customer; deferred after the last opening never return
    assert set(returned.customer_id) <= set(deferred.customer_id)
    assert len(returned) == (deferred.arrival_s < 2 * 86400 + 8 * 3600).sum()


def test_close_out_serves_the_queue_after_closing():
    # 1 agent, 3x overloaded for two hours, nobody abandons: the queue at 10:00 is served
    # after closing, so no caller is left waiting and agent time runs past closing.
    s = make(
        simulation={"days": 1, "replications": 2},
        calendar={"open": "08:00", "close": "10:00"},
        arrivals={"calls_per_hour": 60.0},
        contact_types=[{"name": "g", "handle_time": {"dist": "deterministic", "mean_s": 180.0}}],
        agents={"staffing": 1},
    )
    r = simcenter.simulate(s)
    reps = r.replications()
    assert (reps.waiting_at_end == 0).all()
    assert (reps.answered == reps.offered).all()
    assert (reps.agent_hours > 2.5).all()
    # the close-out ends with the last contact: agent time = answered x 3 minutes, plus
    # the idle moments before the queue built up in the first minutes
    work_h = reps.answered * 180 / 3600
    assert ((reps.agent_hours >= work_h) & (reps.agent_hours < work_h + 0.25)).all()


def test_staffing_changes_by_interval():
    # nobody on duty in the first half hour: callers wait for the agents who come at 00:30
    staffing = [0] + [10] * 47
    s = make(simulation={"days": 1, "replications": 2}, agents={"staffing": staffing})
    r = simcenter.simulate(s)
    first = r.by_interval().query("interval == 0")
    assert first.loc[first.metric == "service_level", "mean"].iloc[0] < 0.05
    assert first.loc[first.metric == "p_wait", "mean"].iloc[0] == 1.0
    hours = metric(r, "agent_hours")[0]
    assert hours == pytest.approx(10 * 23.5, rel=0.01)


def test_busy_agents_finish_before_leaving():
    # 5 agents until noon, then 1: the agents still busy at noon finish first, so more
    # than 5 x 12 + 1 x 12 agent hours are worked but less than if all five stayed longer
    staffing = [5] * 24 + [1] * 24
    s = make(simulation={"days": 1, "replications": 2}, arrivals={"calls_per_hour": 80.0}, agents={"staffing": staffing})
    r = simcenter.simulate(s)
    hours = r.replications().agent_hours
    assert (hours > 72).all() and (hours < 72 + 4 * 0.5).all()


def test_wrapup_and_deterministic_handling():
    s = make(contact_types=[{"name": "g", "handle_time": {"dist": "deterministic", "mean_s": 200.0}, "wrapup_s": 40.0}])
    r = simcenter.simulate(s)
    assert r.replications().aht_s.eq(240.0).all()


@pytest.mark.parametrize(
    "dist",
    [
        {"dist": "lognormal", "mean_s": 300.0, "cv": 1.2},
        {"dist": "exponential", "mean_s": 300.0},
        {"dist": "empirical", "samples_s": [60.0, 120.0, 720.0]},
        {"dist": "gamma", "mean_s": 300.0, "cv": 0.6},
    ],
)
def test_handling_time_means(dist):
    s = make(simulation={"days": 5, "replications": 10}, contact_types=[{"name": "g", "handle_time": dist}], agents={"staffing": 12})
    aht = simcenter.simulate(s).metric("aht_s")
    assert aht.ci_low <= 300.0 <= aht.ci_high


@pytest.mark.parametrize("cv", [0.4, 1.7])
def test_gamma_talk_times_have_the_mean_and_cv_asked(tmp_path, cv):
    """Talk times drawn from ``dist = "gamma"`` (calm customers, agents at full speed: the
    trace's talk_s is the draw): per replication their mean and cv, and over the
    replications a 95% t interval for each that must hold the spec. A cv below 1 and one
    above (shape 6.25 and 0.35)."""
    from scipy import stats

    s = make(simulation={"days": 2, "replications": 10}, contact_types=[{"name": "g", "handle_time": {"dist": "gamma", "mean_s": 240.0, "cv": cv}}],
             agents={"staffing": 20})
    simcenter.simulate(s, trace=tmp_path / "t.csv")
    trace = pd.read_csv(tmp_path / "t.csv")
    talk = trace[trace.outcome == "answered"].groupby("replication").talk_s
    for value, per_rep in ((240.0, talk.mean()), (cv, talk.std() / talk.mean())):
        half = stats.t.ppf(0.975, len(per_rep) - 1) * per_rep.std() / len(per_rep) ** 0.5
        assert abs(per_rep.mean() - value) <= half, (value, per_rep.mean(), half)
    assert len(talk.size()) == 10 and talk.size().min() > 2000


def test_gamma_runs_the_same_with_one_seed():
    s = make(contact_types=[{"name": "g", "handle_time": {"dist": "gamma", "mean_s": 200.0, "cv": 0.5}}])
    first, again = simcenter.simulate(s, replications=2).replications(), simcenter.simulate(s, replications=2).replications()
    pd.testing.assert_frame_equal(first, again)
    assert first.aht_s.between(150.0, 250.0).all()


def test_contact_type_mix():
    types = [
        {"name": "short", "share": 0.75, "handle_time": {"dist": "deterministic", "mean_s": 100.0}},
        {"name": "long", "share": 0.25, "handle_time": {"dist": "deterministic", "mean_s": 500.0}},
    ]
    s = make(simulation={"days": 3, "replications": 10}, contact_types=types, agents={"staffing": 8})
    aht = simcenter.simulate(s).metric("aht_s")
    assert aht.ci_low <= 0.75 * 100 + 0.25 * 500 <= aht.ci_high


def test_day_of_week_and_profile_shape_the_arrivals():
    data = make(
        simulation={"days": 7, "replications": 10, "interval_minutes": 60},
        calendar={"open": "08:00", "close": "12:00", "start_weekday": "mon"},
        agents={"staffing": 30},
    ).to_dict()
    data["arrivals"] = {"calls_per_day": 400.0, "profile": [1.0, 3.0, 3.0, 1.0], "day_of_week": {"sat": 0.5, "sun": 0.0}}
    s = Scenario.from_dict(data)
    r = simcenter.simulate(s)
    # five interval checks below: each at 1 - 0.05/5 so that together they hold at 95%
    level = 1 - 0.05 / 5
    days = r.by_day(level).query("metric == 'offered'").set_index("weekday")
    assert days.loc["mon", "ci_low"] <= 400 <= days.loc["mon", "ci_high"]
    assert days.loc["sat", "ci_low"] <= 200 <= days.loc["sat", "ci_high"]
    assert days.loc["sun", "mean"] == 0
    intervals = r.by_interval(level).query("metric == 'offered' and weekday == 'tue'").set_index("start")
    assert intervals.loc["09:00", "ci_low"] <= 150 <= intervals.loc["09:00", "ci_high"]
    assert intervals.loc["08:00", "ci_low"] <= 50 <= intervals.loc["08:00", "ci_high"]


def test_redials_are_the_same_customers(tmp_path):
    s = make(
        simulation={"days": 1, "replications": 1},
        arrivals={"calls_per_hour": 90.0},
        patience={"dist": "exponential", "mean_s": 60.0, "redial_prob": 1.0, "redial_delay_mean_s": 300.0},
        agents={"staffing": 4},
    )
    r = simcenter.simulate(s, trace=tmp_path / "t.csv")
    trace = pd.read_csv(tmp_path / "t.csv")
    reps = r.replications()
    assert reps.redials[0] == reps.abandoned[0] > 0
    redials = trace[trace.origin == "redial"]
    abandoned = trace[trace.outcome == "abandoned"]
    assert set(redials.customer_id) <= set(abandoned.customer_id)
    # a redial keeps the customer's contact type and work content
    first = trace[trace.origin == "first"].set_index("customer_id")
    answered_redials = redials[redials.outcome == "answered"]
    assert (answered_redials.contact_type.values == first.loc[answered_redials.customer_id, "contact_type"].values).all()


def test_trace_matches_counters(tmp_path):
    s = Scenario.from_file("scenarios/baseline.toml").replace({"simulation.days": 2, "simulation.replications": 2})
    r = simcenter.simulate(s, trace=tmp_path / "trace.csv")
    trace = pd.read_csv(tmp_path / "trace.csv")
    assert list(trace.columns) == list(TRACE_COLUMNS)
    counts = trace.groupby(["replication", "outcome"]).size().unstack(fill_value=0)
    reps = r.replications().set_index("replication")
    for outcome in ("answered", "abandoned", "deferred", "waiting_at_end"):
        assert (counts.get(outcome, 0) == reps[outcome if outcome != "waiting_at_end" else "waiting_at_end"]).all()
    offered = trace[trace.outcome.isin(["answered", "abandoned", "waiting_at_end"])].groupby("replication").size()
    assert (offered == reps.offered).all()


def test_warmup_is_left_out():
    s = make(simulation={"days": 1, "warmup_days": 1, "replications": 2})
    r = simcenter.simulate(s)
    offered = r.replications().offered
    assert (offered < 60 * 24 * 1.3).all()  # one day of arrivals, not two
    assert r.by_day().day.unique().tolist() == [0]
    assert len(r.by_interval().query("metric == 'offered'")) == 48


def test_results_tables_have_documented_columns():
    r = simcenter.simulate(make(simulation={"days": 2, "replications": 3}))
    assert list(r.summary().columns) == ["metric", "mean", "ci_low", "ci_high", "unit"]
    assert list(r.by_day().columns) == ["day", "weekday", "metric", "mean", "ci_low", "ci_high"]
    assert list(r.by_interval().columns) == ["day", "weekday", "interval", "start", "metric", "mean", "ci_low", "ci_high"]
    assert list(r.replications().columns) == ["replication", "seed", *simcenter.METRICS]
    assert set(r.summary().metric) == set(simcenter.METRICS)
    one = simcenter.simulate(make(), replications=1).summary()
    assert one.ci_low.isna().all() and one["mean"].notna().any()
