"""A center's calendar day by day: a weekday's own hours (``calendar.hours``), dates and
holidays (``calendar.start_date``, ``calendar.closed_dates``) and staffing by weekday
(``agents.staffing_by_weekday``), in real runs: what the engine offers, serves and staffs
on those days, what it refuses, and that the work estimate reads the same calendar."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from simcenter import Scenario, ScenarioError
from simcenter.budget import estimate
from simcenter.model.calendar import Timeline
from simcenter.model.center import CallCenter, run_replication
from simcenter.model.fluid import rates_week, staff_week
from simcenter.schema import WEEKDAYS

from .strategies import scenario_data

IPD = 48  # 30-minute intervals
FRI, SAT, MON = 4, 5, 7  # run days, the run starting on a Monday
FRI_13 = FRI * IPD + 26  # Friday's 13:00-13:30 interval


def _data(**sections) -> dict:
    """Open 08:00-18:00 Monday to Saturday, closing at 13:00 on Fridays; eight days from a
    Monday, no warm-up."""
    data = {
        "simulation": {"days": 8, "warmup_days": 0, "interval_minutes": 30, "seed": 11},
        "calendar": {"open": "08:00", "close": "18:00", "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"],
                     "hours": {"fri": "08:00-13:00"}},
        "arrivals": {"calls_per_hour": 60.0, "after_hours_calls_per_hour": 6.0},
        "contact_types": [{"name": "all", "handle_time": {"dist": "exponential", "mean_s": 240.0}}],
        "patience": {"dist": "exponential", "mean_s": 600.0},
        "agents": {"staffing": 5},
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    return data


def _run(data: dict, seed: int = 1, trace: list | None = None) -> dict:
    s = Scenario.from_dict(data)
    counters = run_replication(s, seed, 0, trace.append if trace is not None else None)
    return {k: np.asarray(v, dtype=float) for k, v in counters.items() if k not in ("queues", "groups")}


def _day(counters: dict, name: str, day: int) -> np.ndarray:
    return counters[name][day * IPD:(day + 1) * IPD]


# -- a day closing early -------------------------------------------------------------------------


def test_a_friday_closing_at_13_offers_nothing_after_13_and_serves_its_queue():
    """Overloaded Friday morning (4 agents for 60 calls an hour of 4 minutes), callers who
    never hang up: every caller offered on Friday is answered, those queued at 13:00 by
    the agents who stay for the close-out; from 13:00 callers are after hours."""
    trace: list = []
    c = _run(_data(patience={"dist": "none"}, agents={"staffing": 4}), trace=trace)
    offered, after = _day(c, "offered", FRI), _day(c, "after_hours", FRI)
    assert offered[16:26].sum() > 0 and offered[26:].sum() == 0 and offered[:16].sum() == 0
    assert after[26:].sum() > 0  # the afternoon's callers, at the after-hours rate
    assert _day(c, "offered", 3)[26:36].sum() > 0  # Thursday afternoon is open
    assert _day(c, "answered", FRI).sum() == offered.sum() and c["waiting_at_end"].sum() == 0
    fri_13, fri_end = (FRI * 24 + 13) * 3600.0, (FRI + 1) * 86_400.0
    late = [row for row in trace if row[9] == "answered" and fri_13 - 4 * 3600 < row[5] < fri_13 and row[5] + row[10] > fri_13]
    assert late, "callers queued at Friday's closing are served after it (close-out)"
    assert not any(row[9] == "answered" and fri_13 <= row[5] < fri_end for row in trace)
    # the close-out is agent time after 13:00, outside the plan (overtime), and then it stops
    assert _day(c, "staffed_s", FRI)[26] > 0 and _day(c, "overtime_s", FRI)[26] > 0
    assert _day(c, "staffed_s", FRI)[30:].sum() == 0


def test_a_friday_closing_early_concedes_from_its_own_closing():
    c = _run(_data(calendar={"after_hours": "conceded", "concession_window_minutes": 60}))
    conceded = _day(c, "conceded", FRI)
    assert conceded[26:28].sum() > 0 and conceded[28:].sum() == 0 and conceded[:26].sum() == 0
    assert _day(c, "conceded", 3)[36:38].sum() > 0  # Thursday's window, from 18:00


def test_next_day_callers_of_an_early_friday_return_after_mondays_opening():
    """Saturday closed by its hours and Sunday not a weekday: callers after Friday's 13:00
    closing come back after Monday's 08:00 opening, within the spread."""
    trace: list = []
    data = _data(calendar={"hours": {"fri": "08:00-13:00", "sat": "closed"}, "after_hours": "next_day",
                           "next_day_spread_minutes": 60.0})
    _run(data, trace=trace)
    fri_13, mon_8 = (FRI * 24 + 13) * 3600.0, (MON * 24 + 8) * 3600.0
    deferred = {row[2] for row in trace if row[9] == "deferred" and fri_13 <= row[5] < mon_8}
    back = [row for row in trace if row[3] == "next_day" and row[2] in deferred]
    assert len(deferred) > 50 and len(back) == len(deferred)
    assert all(mon_8 <= row[5] <= mon_8 + 3600.0 for row in back)


# -- closed days ---------------------------------------------------------------------------------


def test_a_closed_saturday_offers_nothing_and_staffs_nobody():
    c = _run(_data(calendar={"hours": {"sat": "closed"}}))
    assert _day(c, "offered", SAT).sum() == 0 and _day(c, "staffed_s", SAT).sum() == 0
    assert _day(c, "after_hours", SAT).sum() > 0
    assert _day(c, "offered", SAT - 1).sum() > 0 and _day(c, "offered", MON).sum() > 0


def test_a_holiday_is_closed_and_start_date_sets_the_weekdays():
    """Day 0 is Monday 22 December 2025; Christmas (day 3) is closed, Boxing Day (day 4)
    open; a date outside the run changes nothing."""
    data = _data(calendar={"start_date": "2025-12-22", "closed_dates": ["2025-12-25", "2024-01-01"], "hours": {}})
    s = Scenario.from_dict(data)
    assert [WEEKDAYS[s.weekday(d)] for d in range(3)] == ["mon", "tue", "wed"]
    assert s.is_holiday(3) and not s.is_open_day(3) and s.is_open_day(4) and not s.is_holiday(4)
    c = _run(data)
    assert _day(c, "offered", 3).sum() == 0 and _day(c, "staffed_s", 3).sum() == 0
    assert _day(c, "after_hours", 3).sum() > 0 and _day(c, "offered", 4).sum() > 0
    plain = Scenario.from_dict(_data(calendar={"start_date": "2025-12-22", "closed_dates": ["2024-01-01"], "hours": {}}))
    assert plain.is_open_day(3) and Timeline.from_scenario(plain) != Timeline.from_scenario(s)
    assert Timeline.from_scenario(plain) == Timeline.from_scenario(Scenario.from_dict(_data(calendar={"hours": {}})))


def test_a_start_date_moves_day_0_to_its_weekday():
    s = Scenario.from_dict(_data(calendar={"start_date": "2025-03-08"}))  # a Saturday
    assert WEEKDAYS[s.weekday(0)] == "sat" and WEEKDAYS[s.weekday(2)] == "mon"
    assert s.calendar.start_weekday is None  # derived, not written back
    assert Scenario.from_dict(_data(calendar={"start_date": "2025-03-08", "start_weekday": "sat"})).weekday(0) == 5
    toml_date = Scenario.from_toml(s.to_toml().replace('start_date = "2025-03-08"', "start_date = 2025-03-08"))
    assert toml_date == s  # a TOML date is read as the same date


def test_no_shift_starts_on_a_holiday():
    data = _data(calendar={"start_date": "2025-12-22", "closed_dates": ["2025-12-25"]})
    del data["agents"]["staffing"]
    data["shifts"] = [{"name": "day", "start": "08:00", "length_h": 10.0, "days": ["mon", "tue", "wed", "thu", "fri"], "headcount": 4}]
    c = _run(data)
    assert _day(c, "staffed_s", 3).sum() == 0
    assert _day(c, "staffed_s", 2).sum() >= 4 * 10 * 3600.0


# -- staffing by weekday -------------------------------------------------------------------------


SAT_PLAN = [2] * 4 + [4] * 8 + [3] * 8


@pytest.mark.parametrize("scale", [1.0, 1.5])
def test_the_saturday_plan_is_the_staffed_time_on_saturdays(scale):
    """Planned agent time (staffed minus overtime) per interval is the Saturday plan times
    agents.scale on Saturdays, agents.staffing on the other days; a Friday plan stops at
    Friday's closing."""
    data = _data(simulation={"days": 14}, agents={"staffing": 5, "scale": scale,
                                                  "staffing_by_weekday": {"sat": SAT_PLAN, "fri": 7}})
    c = _run(data)
    planned = (c["staffed_s"] - c["overtime_s"]).reshape(14, IPD) / 1800.0
    for sat in (SAT, SAT + 7):
        assert planned[sat][16:36].tolist() == [round(n * scale) for n in SAT_PLAN]
        assert planned[sat].sum() * 0.5 == sum(round(n * scale) for n in SAT_PLAN) * 0.5  # agent-hours
    assert planned[FRI][16:26].tolist() == [round(7 * scale)] * 10 and planned[FRI][26:].sum() == 0
    assert planned[2][16:36].tolist() == [round(5 * scale)] * 20
    s = Scenario.from_dict(data)
    assert s.staffing_on(SAT) == [round(n * scale) for n in SAT_PLAN] and s.staffing_by_interval() == [round(5 * scale)] * 20


def test_the_estimate_reads_the_calendar_the_engine_runs():
    """Rates, open intervals and staffing of the work estimate's fluid are the engine's
    timeline, interval for interval, and the expected first contacts are its integral."""
    data = _data(simulation={"days": 10}, calendar={"hours": {"fri": "08:00-13:00", "sat": "10:00-14:00"}, "start_date": "2025-04-14",
                                                    "closed_dates": ["2025-04-18", "2025-04-21"]},
                 arrivals={"calls_per_hour": None, "calls_per_day": 500.0, "profile": list(range(1, 21)),
                           "day_of_week": {"mon": 1.3, "sat": 0.6}, "after_hours_calls_per_hour": 4.0},
                 agents={"staffing": 6, "staffing_by_weekday": {"sat": 2, "mon": [8] * 20}})
    data["arrivals"].pop("calls_per_hour")
    s = Scenario.from_dict(data)
    tl = Timeline.from_scenario(s)
    rate, is_open = rates_week(s, 10)
    assert is_open.tolist() == list(tl.is_open)
    assert np.allclose(rate / 3600.0, tl.rate_per_s, rtol=1e-12, atol=0)
    assert staff_week(s, 10).tolist() == [float(n) for n in tl.staffing]
    assert math.isclose(sum(tl.rate_per_s) * tl.interval_s, s.expected_first_contacts(), rel_tol=1e-9)
    assert not is_open[4 * IPD:5 * IPD].any() and not is_open[7 * IPD:8 * IPD].any()  # Good Friday, Easter Monday


def test_the_estimate_is_close_and_bounds_a_calendar_run():
    s = Scenario.from_dict(_data(simulation={"days": 14}, calendar={"hours": {"fri": "08:00-13:00", "sat": "09:00-12:00"},
                                                                    "after_hours": "next_day", "start_date": "2025-12-22",
                                                                    "closed_dates": ["2025-12-25", "2025-12-26", "2026-01-01"]},
                                 patience={"redial_prob": 0.3}, agents={"staffing_by_weekday": {"sat": 3}}))
    center = CallCenter(s, s.simulation.seed, 0)
    center.run()
    est = estimate(s)
    assert abs(center._contacts / est.contacts - 1) < 0.15 and center._contacts <= est.contacts_bound


def test_a_long_closure_late_in_the_run_is_in_the_pile_up_estimate():
    """A week of holidays in the third week, callers deferred to the reopening: the fluid
    runs from that closure too, so the pile-up it estimates covers the reopening."""
    dates = [f"2025-01-{d:02d}" for d in range(20, 26)]
    base = _data(simulation={"days": 28}, calendar={"after_hours": "next_day", "start_date": "2025-01-06", "hours": {}},
                 arrivals={"after_hours_calls_per_hour": 30.0}, patience={"mean_s": 3600.0})
    quiet = estimate(Scenario.from_dict(base))
    closed = estimate(Scenario.from_dict({**base, "calendar": {**base["calendar"], "closed_dates": dates}}))
    assert closed.waiting_peak > 2 * quiet.waiting_peak and closed.in_flight_peak > quiet.in_flight_peak


@st.composite
def calendar_scenario_data(draw):
    """A valid scenario with some weekdays' own hours, holidays and per-weekday plans."""
    data = draw(scenario_data())
    minutes = data["simulation"]["interval_minutes"]
    cal = data["calendar"]
    k0, k1 = ((int(cal[key][:2]) * 60 + int(cal[key][3:])) // minutes for key in ("open", "close"))

    def clock(k: int) -> str:
        return f"{k * minutes // 60:02d}:{k * minutes % 60:02d}"

    hours = {}
    for day in draw(st.lists(st.sampled_from(cal["weekdays"]), max_size=4, unique=True)):
        if draw(st.booleans()):
            hours[day] = "closed"
        else:
            a = draw(st.integers(k0, k1 - 1))
            hours[day] = f"{clock(a)}-{clock(draw(st.integers(a + 1, k1)))}"
    cal["hours"] = hours
    cal["start_date"] = f"2025-03-{draw(st.integers(3, 9)):02d}"
    cal.pop("start_weekday", None)
    cal["closed_dates"] = [f"2025-03-{d:02d}" for d in draw(st.lists(st.integers(1, 14), max_size=4, unique=True))]
    cal["after_hours"] = draw(st.sampled_from(["lost", "next_day", "conceded"]))
    cal["concession_window_minutes"] = minutes * draw(st.integers(0, 2))
    if draw(st.booleans()):
        n_open = k1 - k0
        data["agents"]["staffing_by_weekday"] = {
            day: draw(st.one_of(st.integers(0, 12), st.lists(st.integers(0, 12), min_size=n_open, max_size=n_open)))
            for day in draw(st.lists(st.sampled_from(cal["weekdays"]), max_size=3, unique=True))}
    data["simulation"]["days"] = draw(st.integers(1, 9))
    return data


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(calendar_scenario_data())
def test_every_accepted_calendar_runs_within_its_estimate(data):
    try:
        s = Scenario.from_dict(data)
    except ScenarioError as err:
        assert "\n" not in str(err) and err.field is not None
        return
    est = estimate(s)
    note(f"estimate: {est}")
    tl = Timeline.from_scenario(s)
    assert math.isclose(sum(tl.rate_per_s) * tl.interval_s, s.expected_first_contacts(), rel_tol=1e-9, abs_tol=1e-9)
    started = time.perf_counter()
    center = CallCenter(s, s.simulation.seed, 0)
    counters = center.run()
    assert center._contacts <= est.contacts_bound
    assert time.perf_counter() - started <= max(10.0, 30.0 * est.seconds)
    offered = np.asarray(counters.offered).reshape(s.total_days, -1)
    for day in range(s.total_days):
        closed = [j for j in range(s.intervals_per_day) if j not in s.open_intervals_on(day) and not tl.conceded[day * s.intervals_per_day + j]]
        assert offered[day][closed].sum() == 0


# -- what is refused -----------------------------------------------------------------------------


@pytest.mark.parametrize("change, field, words", [
    ({"calendar": {"hours": {"fri": "8-13"}}}, "calendar.hours.fri", '"HH:MM-HH:MM"'),
    ({"calendar": {"hours": {"fri": "08:00 - 13:00"}}}, "calendar.hours.fri", '"HH:MM-HH:MM"'),
    ({"calendar": {"hours": {"fri": "13:00-08:00"}}}, "calendar.hours.fri", "close after it opens"),
    ({"calendar": {"hours": {"fri": "Closed"}}}, "calendar.hours.fri", '"closed"'),
    ({"calendar": {"hours": {"fri": 13}}}, "calendar.hours.fri", '"HH:MM-HH:MM"'),
    ({"calendar": {"hours": {"fri": "07:00-13:00"}}}, "calendar.hours.fri", "within calendar.open-calendar.close (08:00-18:00"),
    ({"calendar": {"hours": {"fri": "08:00-19:00"}}}, "calendar.hours.fri", "within calendar.open-calendar.close"),
    ({"calendar": {"hours": {"fri": "08:00-13:15"}}}, "calendar.hours.fri", "interval boundaries (simulation.interval_minutes = 30)"),
    ({"calendar": {"hours": {"sun": "10:00-12:00"}}}, "calendar.hours.sun", "'sun', a day the center does not open"),
    ({"calendar": {"hours": {"sun": "closed"}}}, "calendar.hours.sun", "does not open"),
    ({"calendar": {"hours": {"fry": "closed"}}}, "calendar.hours.fry", "did you mean"),
    ({"calendar": {"start_date": "2025-02-30"}}, "calendar.start_date", "'2025-02-30'"),
    ({"calendar": {"start_date": "2025-3-3"}}, "calendar.start_date", '"YYYY-MM-DD"'),
    ({"calendar": {"start_date": "20250303"}}, "calendar.start_date", '"YYYY-MM-DD"'),
    ({"calendar": {"start_date": "2025-03-05", "start_weekday": "mon"}}, "calendar.start_weekday", "2025-03-05 is a 'wed'"),
    ({"calendar": {"closed_dates": ["2025-12-25"]}}, "calendar.closed_dates", "needs calendar.start_date"),
    ({"calendar": {"start_date": "2025-12-22", "closed_dates": ["2025-12-25", "2025-13-01"]}}, "calendar.closed_dates[1]", "'2025-13-01'"),
    ({"calendar": {"start_date": "2025-12-22", "closed_dates": ["2025-12-25", "2025-12-25"]}}, "calendar.closed_dates", "repeated"),
    ({"agents": {"staffing": 5, "staffing_by_weekday": {"sat": [1, 2, 3]}}}, "agents.staffing_by_weekday.sat", "got 3 values"),
    ({"agents": {"staffing": 5, "staffing_by_weekday": {"sun": 3}}}, "agents.staffing_by_weekday.sun", "does not open"),
    ({"agents": {"staffing": 5, "staffing_by_weekday": {"sat": -1}}}, "agents.staffing_by_weekday.sat", "an integer in [0, 100000]"),
], ids=lambda v: v if isinstance(v, str) and "." in v and " " not in v else None)
def test_bad_calendar_values_are_refused_naming_the_field(change, field, words):
    data = _data()
    for key, value in change.items():
        data[key] = {**data[key], **value}
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(data)
    assert info.value.field == field, str(info.value)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_staffing_by_weekday_needs_the_staffing_plan_and_no_shifts_or_groups():
    shifts = _data(agents={"staffing_by_weekday": {"sat": 3}})
    del shifts["agents"]["staffing"]
    with pytest.raises(ScenarioError, match="agents.staffing_by_weekday: needs agents.staffing, the plan of the weekdays it does not name"):
        Scenario.from_dict(shifts)
    shifts["shifts"] = [{"name": "day", "start": "08:00", "length_h": 8.0, "headcount": 4}]
    with pytest.raises(ScenarioError, match=r"agents.staffing_by_weekday: cannot be used with \[\[shifts\]\]"):
        Scenario.from_dict(shifts)
    groups = _data(agents={"staffing_by_weekday": {"sat": 3}})
    del groups["agents"]["staffing"]
    groups["agent_groups"] = [{"name": "all", "staffing": 5, "skills": [{"queue": "all"}]}]
    with pytest.raises(ScenarioError, match=r"agents.staffing_by_weekday: cannot be used with \[\[agent_groups\]\]"):
        Scenario.from_dict(groups)


def test_the_new_keys_round_trip_and_can_be_set_by_dotted_key():
    s = Scenario.from_dict(_data(calendar={"start_date": "2025-12-22", "closed_dates": ["2025-12-25"]},
                                 agents={"staffing_by_weekday": {"sat": SAT_PLAN}}))
    assert Scenario.from_toml(s.to_toml()) == s and Scenario.from_dict(s.to_dict()) == s
    assert s.to_dict()["calendar"]["hours"] == {"fri": "08:00-13:00"}
    t = s.replace({"calendar.hours.sat": "closed", "agents.staffing_by_weekday.fri": 2})
    assert not t.is_open_day(SAT) and t.staffing_on(FRI)[:10] == [2] * 10 and t.staffing_on(FRI)[10:] == [0] * 10
    assert Scenario.from_dict(_data()).to_dict()["calendar"].get("start_weekday") is None


# -- staffing methods ----------------------------------------------------------------------------


def test_staffing_averages_each_interval_over_the_days_it_is_open():
    """Friday's factor 2 weighs on the morning intervals (open Monday to Friday) and not on
    the afternoon ones (open Monday to Thursday); the simulated plan replaces the Saturday
    plan, and the measured load of an afternoon interval is over the four days it opens."""
    from simcenter.planning.staffing import Target, _with_plan, erlang_plan, evaluate_plan, first_contact_rates

    data = _data(simulation={"days": 6, "warmup_days": 0}, calendar={"hours": {"fri": "08:00-13:00", "sat": "closed"}},
                 arrivals={"day_of_week": {"fri": 2.0}}, agents={"staffing": 5, "staffing_by_weekday": {"fri": 9}})
    s = Scenario.from_dict(data)
    rates = first_contact_rates(s)
    assert rates[:10].tolist() == [60.0 * 1.2] * 10 and rates[10:].tolist() == [60.0] * 10
    plan = erlang_plan(s, Target(0.8, 20.0))
    assert plan[0] > plan[-1]
    table = evaluate_plan(s, plan, replications=2, seed=3)
    assert table["agents"].tolist() == plan
    simulated = _with_plan(s, plan)
    assert simulated.staffing_on(FRI) == plan[:10] + [0] * 10 and simulated.agents.staffing_by_weekday is None
    # an afternoon interval carries about its own load (60 calls an hour of 4 minutes: 4 Erlangs), not 4/5 of it
    assert 3.0 < table["offered_load"].iloc[-4:].mean() < 5.0


def test_the_overload_warning_sees_an_understaffed_saturday_only_when_it_opens():
    """Callers who never hang up: 2 agents for 4 Erlangs on Saturdays pile up from their
    opening; the bound is day by day, so a closed Saturday piles up nothing."""
    data = _data(patience={"dist": "none"}, agents={"staffing": 6, "staffing_by_weekday": {"sat": 2}},
                 calendar={"hours": {"sat": "10:00-12:00"}})
    backlog, first = Scenario.from_dict(data).overload_backlog()
    assert first == "10:00" and 2 * (60 - 30) * 0.9 < backlog < 2 * 60
    data["calendar"]["hours"] = {"sat": "closed"}
    assert Scenario.from_dict(data).overload_backlog() == (0.0, None)
