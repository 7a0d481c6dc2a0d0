"""Bounded work: every scenario validation accepts runs to its end within the estimate made
before it started, the degenerate corners included (zero delays in feedback loops,
enormous patience, fine grids over long horizons); what cannot is refused naming the field."""

import math
import os
import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from simcenter import Scenario, ScenarioError
from simcenter.budget import PROCESS_BYTES, WorkGuard, estimate
from simcenter.center import CallCenter
from simcenter.cli import main
from simcenter.errors import WorkLimitError

from .strategies import any_scenario_data

EXAMPLES = int(os.environ.get("SIMCENTER_FUZZ_EXAMPLES", "60"))  # each runs a whole scenario; 2,000 in a full run
CORNERS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])

TINY = st.sampled_from([1e-9, 1e-6, 1e-3, 0.5])


@st.composite
def corner_scenario_data(draw):
    """A valid-looking scenario pushed into a corner: feedback loops with no time between
    their turns, callers who wait for months, fine grids over years, huge rates."""
    data = draw(any_scenario_data())
    corner = draw(st.sampled_from(["redial_loop", "promise_loop", "endless_patience", "fine_grid", "huge_rate", "none"]))
    note(f"corner: {corner}")
    if corner == "redial_loop":  # everyone's, or one contact type's callers'
        storm = {"dist": draw(st.sampled_from(["exponential", "lognormal"])), "mean_s": draw(TINY), "cv": 1.0,
                 "redial_prob": draw(st.sampled_from([1.0, 0.9999, 0.99, 0.5])), "redial_delay_mean_s": draw(TINY)}
        if draw(st.booleans()):
            data["patience"] = storm
        else:
            data["contact_types"][draw(st.integers(0, len(data["contact_types"]) - 1))]["patience"] = storm
    elif corner == "promise_loop":
        for c in data["contact_types"]:
            c.update(promise_prob=1.0, noncompliance=1.0, promise_kind=draw(st.sampled_from(["fulfilment", "callback"])),
                     promise_due={"dist": "deterministic", "mean_h": draw(st.sampled_from([0.0, 1e-9, 1e-4]))})
        data["promises"] = {"notice_delay": {"dist": "deterministic", "mean_h": 0.0},
                            "callback_notice_delay": {"dist": "deterministic", "mean_h": 0.0}, "return_prob": 1.0}
        data["callbacks"] = {"reach_prob": draw(st.sampled_from([0.0, 0.5])), "attempt_s": 0.0, "retry_delay_min": 0.0}
        data["customers"] = {"anger_per_broken_promise": draw(st.sampled_from([0.0, 0.01])), "churn_anger": 1e6}
        data["recovery"] = {"enabled": draw(st.booleans())}
    elif corner == "endless_patience":
        data["patience"] = {"dist": "exponential", "mean_s": draw(st.sampled_from([1e5, 1e6, 1e7])), "redial_prob": 0.0}
        data["agents"] = {"staffing": draw(st.integers(0, 2))}
        data["simulation"]["days"] = draw(st.integers(1, 60))
    elif corner == "fine_grid":
        data["simulation"]["interval_minutes"] = 1
        data["simulation"]["days"] = draw(st.sampled_from([1, 30, 69, 70, 365, 3660]))
        data["calendar"].update({"open": "00:00", "close": "24:00"})
        data["agents"] = {"staffing": 3}
        data["arrivals"] = {"calls_per_hour": draw(st.floats(0, 2))}
    elif corner == "huge_rate":
        data["arrivals"] = {"calls_per_hour": draw(st.sampled_from([1e4, 1e5, 1e6, 1e7]))}
        data["agents"] = {"staffing": draw(st.sampled_from([0, 10, 1000]))}
        data["simulation"]["days"] = draw(st.integers(1, 30))
    return data


@pytest.mark.slow  # statistical or property-based: the full suite runs it
@CORNERS
@given(corner_scenario_data())
def test_every_accepted_scenario_runs_within_its_estimate(data):
    try:
        scenario = Scenario.from_dict(data)
    except ScenarioError as err:
        assert "\n" not in str(err) and err.field is not None
        return
    est = estimate(scenario)
    note(f"estimate: {est}")
    if est.seconds > 2.0:  # estimated too long to run here: the estimate itself stayed within the limits
        return
    tracemalloc.start()
    started = time.perf_counter()
    try:
        center = CallCenter(scenario, scenario.simulation.seed, 0)
        center.run()
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert center._contacts <= est.contacts_bound, (center._contacts, est.contacts_bound)
    # tracemalloc slows the run about threefold; the estimate is for a run without it
    assert elapsed <= max(10.0, 30.0 * est.seconds), (elapsed, est.seconds)
    assert peak <= 2 * (est.memory_bytes - PROCESS_BYTES) + 32 * 2**20, (peak, est.memory_bytes)


BASE = {
    "simulation": {"days": 2, "warmup_days": 0, "interval_minutes": 30},
    "arrivals": {"calls_per_hour": 100.0},
    "contact_types": [{"name": "all", "handle_time": {"dist": "exponential", "mean_s": 180.0}}],
    "patience": {"dist": "exponential", "mean_s": 300.0},
    "agents": {"staffing": 6},
}


def _with(**sections):
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE.items()}
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return data


@pytest.mark.parametrize(
    "data, field",
    [
        # redials with microsecond patience and delay: a loop with no time between its turns
        (_with(patience={"mean_s": 1e-6, "redial_prob": 1.0, "redial_delay_mean_s": 1e-6}), "patience.redial_prob"),
        # promises due and noticed at once, every one broken, every customer back
        (_with(contact_types=[{"name": "all", "handle_time": {"dist": "exponential", "mean_s": 180.0}, "promise_prob": 1.0,
                               "noncompliance": 1.0, "promise_due": {"dist": "deterministic", "mean_h": 0.0}}],
               promises={"notice_delay": {"dist": "deterministic", "mean_h": 0.0}, "return_prob": 1.0},
               customers={"anger_per_broken_promise": 0.0}, recovery={"enabled": False}), "contact_types[0].promise_due"),
        # callers who abandon only after months, in an overloaded queue, for a year
        (_with(arrivals={"calls_per_hour": 5000.0}, patience={"mean_s": 1e7}, agents={"staffing": 10},
               simulation={"days": 365, "interval_minutes": 60}), "agents.staffing"),
        # a one-minute grid over ten years
        (_with(simulation={"days": 3650, "interval_minutes": 1}, arrivals={"calls_per_hour": 0.1}), "simulation.interval_minutes"),
        # ten million contacts an hour
        (_with(arrivals={"calls_per_hour": 1e7}, simulation={"days": 30}), "arrivals"),
    ],
    ids=["redial_storm", "promise_loop", "months_of_patience", "minute_grid_ten_years", "huge_rate"],
)
def test_scenarios_that_cannot_finish_are_refused_naming_the_field(data, field):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(data)
    assert info.value.field == field, str(info.value)
    assert "\n" not in str(info.value)


def test_a_redial_storm_that_only_the_horizon_ends_is_accepted_and_bounded():
    """Every caller redials (probability 1) and nobody answers: the estimate's worst case
    holds the run, which ends at its horizon."""
    s = Scenario.from_dict(_with(patience={"mean_s": 60.0, "redial_prob": 1.0, "redial_delay_mean_s": 5.0}, agents={"staffing": 0},
                                 simulation={"days": 1, "interval_minutes": 60}, arrivals={"calls_per_hour": 20.0}))
    est = estimate(s)
    center = CallCenter(s, 2, 0)
    center.run()
    assert 100_000 < center._contacts <= est.contacts_bound


def test_the_engine_guard_stops_a_loop_the_estimate_missed(monkeypatch):
    """The guard in the engine is the last line: with the estimate's bound forced down, a
    storm of redials stops with an error naming the loop."""
    s = Scenario.from_dict(_with(patience={"mean_s": 60.0, "redial_prob": 1.0, "redial_delay_mean_s": 5.0}, agents={"staffing": 0},
                                 simulation={"days": 1, "interval_minutes": 60}, arrivals={"calls_per_hour": 20.0}))
    center = CallCenter(s, 2, 0)
    center._guard = WorkGuard(1_000)
    center._guard.limit = 70_000
    with pytest.raises(WorkLimitError, match="redials"):
        center.run()


def test_the_engine_guard_stops_a_loop_with_no_time_between_its_turns():
    guard = WorkGuard(1e9)
    guard.check(WorkGuard.every, now=100.0, redials=10, repeats=WorkGuard.every)
    with pytest.raises(WorkLimitError, match="no time between its turns.*promise"):
        guard.check(2 * WorkGuard.every, now=100.5, redials=20, repeats=2 * WorkGuard.every)


def test_validate_prints_contacts_memory_and_duration(capsys):
    from pathlib import Path

    path = Path(__file__).parent.parent / "scenarios/baseline.toml"
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "contacts" in out and "at most" in out and "memory about" in out and "duration about" in out
    assert any(f"(a run of {word})" in out for word in ("seconds", "minutes", "hours", "days"))
    est = estimate(Scenario.from_file(path))
    assert math.isclose(est.first_contacts, Scenario.from_file(path).expected_first_contacts())


def test_validate_checks_a_sweep_file_and_estimates_it(capsys, tmp_path):
    from pathlib import Path

    path = Path(__file__).parent.parent / "scenarios/sweep_noncompliance.toml"
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "valid sweep (6 points over" in out and "18 runs" in out and "contacts" in out and "(a sweep of" in out
    (tmp_path / "noncompliance.toml").write_bytes((path.parent / "noncompliance.toml").read_bytes())
    bad = tmp_path / "bad.toml"
    bad.write_text(path.read_text(encoding="utf-8").replace("replications = 3", "replications = 0"), encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    assert "replications" in capsys.readouterr().err


@pytest.mark.parametrize("name, policy", [("baseline", None), ("noncompliance", None), ("callback_conflict", "inbound_first"),
                                          ("callback_conflict", "callbacks_first"), ("callback_conflict", "deadline")])
def test_the_estimate_is_close_on_the_examples(name, policy):
    """The expected contacts, a fluid approximation of the queue and the promise chains,
    are within 15% of a run's on the example centers, including one near capacity whose
    callbacks wait for time the inbound callers leave."""
    from pathlib import Path

    s = Scenario.from_file(Path(__file__).parent.parent / f"scenarios/{name}.toml")
    if policy:
        s = s.replace({"callbacks.priority": policy})
    center = CallCenter(s, s.simulation.seed, 0)
    center.run()
    est = estimate(s)
    assert abs(center._contacts / est.contacts - 1) < 0.15 and center._contacts <= est.contacts_bound


def test_memory_beyond_the_machine_is_refused_naming_replications(monkeypatch, capsys):
    from pathlib import Path

    monkeypatch.setenv("SIMCENTER_MEMORY_BYTES", str(600 * 2**20))
    path = Path(__file__).parent.parent / "scenarios/erlang_a.toml"
    assert main(["run", str(path), "--replications", "100000"]) == 2
    err = capsys.readouterr().err
    assert "simulation.replications" in err and "memory" in err and err.count("\n") == 1
