"""Properties that hold for every valid scenario: conservation of contacts, metrics in
their ranges, determinism, and overrides that round-trip."""

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simcenter
from simcenter.center import CallCenter
from simcenter.scenario import Scenario

from .strategies import any_scenario_data

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


@SETTINGS
@given(any_scenario_data())
def test_every_contact_is_accounted_for(data):
    scenario = Scenario.from_dict(data)
    for replication in range(scenario.simulation.replications):
        c = CallCenter(scenario, scenario.simulation.seed, replication).run().arrays()
        # per interval of arrival: offered = answered + abandoned + still waiting at the end
        np.testing.assert_array_equal(c["offered"], c["answered"] + c["abandoned"] + c["waiting_at_end"])
        # every contact arriving while closed is lost or deferred to the next opening
        np.testing.assert_array_equal(c["after_hours"], c["lost_after_hours"] + c["deferred"])
        assert not c["after_hours"][np.array(CallCenter(scenario, 0, 0).timeline.is_open)].any()
        # waits answered within target are answered; callers who waited at all are offered
        assert (c["answered_in_target"] <= c["answered"]).all()
        assert (c["waited"] <= c["offered"]).all()
        # redials come only from abandoned callers (both counted by the abandoned contact's arrival)
        assert (c["redials"] <= c["abandoned"]).all()
        # agents are never busy longer than they are on duty
        assert c["busy_s"].sum() <= c["staffed_s"].sum() * (1 + 1e-9) + 1e-6
        if scenario.calendar.after_hours == "next_day":
            assert c["lost_after_hours"].sum() == 0
        else:  # lost, or conceded: callers in the window after closing are served, later ones lost
            assert c["deferred"].sum() == 0


@SETTINGS
@given(any_scenario_data())
def test_metrics_are_in_range_and_runs_repeat(data):
    scenario = Scenario.from_dict(data)
    first = simcenter.simulate(scenario).replications()
    again = simcenter.simulate(scenario).replications()
    assert first.equals(again)
    for name in ("service_level", "p_wait", "abandon_rate", "occupancy"):
        values = first[name].dropna()
        assert ((values >= 0) & (values <= 1 + 1e-12)).all(), (name, values.tolist())
    for name in ("asa_s", "mean_wait_s", "aht_s", "agent_hours", "offered", "answered"):
        values = first[name].dropna()
        assert (values >= 0).all(), name
    if all(scenario.patience_of(i).dist == "none" for i in range(len(scenario.contact_types))):  # nobody hangs up
        assert (first["abandoned"] == 0).all()


@SETTINGS
@given(any_scenario_data())
def test_replace_serialize_load_round_trip(data):
    scenario = Scenario.from_dict(data)
    changed = scenario.replace({"simulation.seed": 99, "service_level.target_s": 30.0})
    assert Scenario.from_toml(changed.to_toml()) == changed
    assert changed.simulation.seed == 99 and scenario.simulation.seed == data["simulation"]["seed"]


def test_same_seed_same_numbers_different_seed_different_numbers():
    scenario = Scenario.from_file("scenarios/baseline.toml").replace({"simulation.days": 2, "simulation.replications": 2})
    a = simcenter.simulate(scenario, seed=5).by_interval()
    b = simcenter.simulate(scenario, seed=5).by_interval()
    c = simcenter.simulate(scenario, seed=6).by_interval()
    assert a.equals(b)
    assert not a.equals(c)


def test_replication_does_not_depend_on_how_many_are_run():
    scenario = Scenario.from_file("scenarios/erlang_a.toml").replace({"simulation.days": 1})
    three = simcenter.simulate(scenario, replications=3).replications()
    five = simcenter.simulate(scenario, replications=5).replications()
    assert three.equals(five.iloc[:3].reset_index(drop=True))
    assert not math.isclose(five.service_level[0], five.service_level[1])


@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    agents=st.integers(1, 12),
    load=st.floats(0.5, 1.2),
    patience=st.sampled_from(["exponential", "lognormal"]),
    handle=st.sampled_from(["exponential", "lognormal", "deterministic"]),
)
def test_littles_law_on_the_queue(agents, load, patience, handle):
    """Time-average number waiting, sampled from the engine's queue every 20 s, equals the
    arrival rate times the mean wait (the waits the counters report) on a long run."""
    from simpy.events import Timeout

    from simcenter.contact import WAITING

    aht = 180.0
    s = Scenario.from_dict({
        "simulation": {"days": 6, "warmup_days": 0, "interval_minutes": 60, "seed": 3},
        "arrivals": {"calls_per_hour": agents * load * 3600.0 / aht},
        "contact_types": [{"name": "all", "handle_time": {"dist": handle, "mean_s": aht, **({"cv": 1.5} if handle == "lognormal" else {})}}],
        "patience": {"dist": patience, "mean_s": 240.0, **({"cv": 0.8} if patience == "lognormal" else {})},
        "agents": {"staffing": agents},
    })
    center = CallCenter(s, 3, 0)
    samples = []

    def sample(event):
        samples.append(sum(1 for c in center.queue if c.state == WAITING))
        Timeout(center.env, 20.0).callbacks.append(sample)

    Timeout(center.env, 10.0).callbacks.append(sample)
    c = center.run().arrays()
    horizon = s.total_days * 86_400.0
    little = (c["wait_answered_s"].sum() + c["wait_other_s"].sum()) / horizon  # lambda * W
    sampled = float(np.mean(samples))
    assert abs(sampled - little) <= 0.03 * little + 0.02, (sampled, little)


def test_a_redial_storm_with_nobody_answering_is_conserved_and_ends():
    """Every caller redials (probability 1) and no agent is ever on duty: the run ends at
    its horizon with every contact accounted for, none answered."""
    s = Scenario.from_dict({
        "simulation": {"days": 1, "warmup_days": 0, "interval_minutes": 60, "seed": 2},
        "arrivals": {"calls_per_hour": 20.0},
        "contact_types": [{"name": "all", "handle_time": {"dist": "exponential", "mean_s": 120.0}}],
        "patience": {"dist": "exponential", "mean_s": 60.0, "redial_prob": 1.0, "redial_delay_mean_s": 5.0},
        "agents": {"staffing": 0},
    })
    c = CallCenter(s, 2, 0).run().arrays()
    np.testing.assert_array_equal(c["offered"], c["answered"] + c["abandoned"] + c["waiting_at_end"])
    assert c["answered"].sum() == 0
    assert c["first_contacts"].sum() < 1_000 < c["redials"].sum() <= c["abandoned"].sum()
