"""Patience and redials per contact type (``contact_types[].patience``), against exact results.

Every check compares a measure with its exact value within the run's own interval:
Student t over independent replications, or, for a chance drawn once per caller, the
Wilson interval of a binomial proportion. A test making ``k`` checks makes each at the
level ``1 - 0.05 / k`` (Bonferroni), so that all of them hold together with at least 95%
if the model is right. Seeds are fixed, so the tests are deterministic.

* One FCFS queue whose two types have the same exponential patience, each set per type, is
  the M/M/n+M queue: Erlang A (:mod:`simcenter.planning.analytic`).
* Two types with different exponential patience in one FCFS queue are the M/M/n+G queue
  with G the mixture of the two: a caller of type i abandons when their patience is shorter
  than the offered wait V (the wait of a caller who never hangs up), whose law
  (Baccelli and Hebuterne 1981; Zeltyn and Mandelbaum 2005) is independent of the caller's
  type, so ``P(abandon | i) = E[G_i(V)]``, computed here by quadrature.
* With no agent on duty every caller abandons when their patience runs out: the waits of
  the abandoned callers of a type are draws of its patience law (mean and cv), on first
  contacts, redials and repeat contacts alike; every abandonment draws the type's redial
  chance, and every redial the type's delay.

Then what reads patience before a run: validation per type, the work estimate (its bound
and the key it names), the mean patience Erlang A staffing takes for a mix, the metric
groups, and the streams (a type's own patience moves no other type's numbers).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats

import simcenter
from simcenter import Scenario, ScenarioError, analytic
from simcenter.model.budget import estimate
from simcenter.model.center import CallCenter
from simcenter.model.expectations import failure_demand, patience_mean_s
from simcenter.model.patience import classes, redial_prob
from simcenter.output.metrics import GROUPS
from simcenter.planning.staffing import Target, erlang_plan

EXP = {"dist": "exponential", "mean_s": 180.0}


def center(types, agents, calls_per_hour, days, replications, patience=None, warmup_days=1, seed=2027, interval=60):
    """A center open around the clock with a flat rate and one FCFS queue."""
    return Scenario.from_dict({
        "simulation": {"days": days, "warmup_days": warmup_days, "replications": replications, "seed": seed,
                       "interval_minutes": interval},
        "arrivals": {"calls_per_hour": calls_per_hour},
        "contact_types": types,
        "patience": patience or {"dist": "none"},
        "agents": {"staffing": agents},
        "service_level": {"target_s": 20.0},
    })


def t_interval(values, checks: int = 1) -> tuple[float, float]:
    """Student-t interval of the mean of ``values`` at the level ``1 - 0.05 / checks``."""
    values = np.asarray(values, dtype=float)
    half = stats.t.ppf(1 - 0.025 / checks, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
    return values.mean() - half, values.mean() + half


def wilson(successes: int, n: int, checks: int = 1) -> tuple[float, float]:
    """Wilson interval of a binomial proportion at the level ``1 - 0.05 / checks``."""
    z = stats.norm.ppf(1 - 0.025 / checks)
    p = successes / n
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return mid - half, mid + half


def per_queue_abandonment(results) -> np.ndarray:
    """Per replication and queue: abandoned / offered over the reported days."""
    s = results.scenario
    cut = slice(s.simulation.warmup_days * s.intervals_per_day, None)
    qc = results.queue_counters
    return qc["abandoned"][:, :, cut].sum(axis=2) / qc["offered"][:, :, cut].sum(axis=2)


# -- exact: M/M/n+M and M/M/n+G ---------------------------------------------------------------


def mmng_abandonment(n: int, calls_per_hour: float, aht_s: float, shares, means) -> tuple[list, float]:
    """Exact M/M/n+G abandonment, G a mixture of exponentials (``shares``, ``means``): per
    class and overall. With ``H(x) = int_0^x (1 - G)``, ``J = int_0^inf exp(lam H(x) - n mu x) dx``
    and ``E = sum_{j<n} a^j / j! / (a^(n-1) / (n-1)!)``, the offered wait V has the atom
    ``E / (E + lam J)`` at 0 and the density ``lam exp(lam H(x) - n mu x) / (E + lam J)``
    (Zeltyn and Mandelbaum 2005)."""
    lam, mu = calls_per_hour / 3600.0, 1.0 / aht_s
    shares, means = np.asarray(shares, float), np.asarray(means, float)

    def density(x: float) -> float:  # lam exp(lam H(x) - n mu x), before the normalization
        return lam * math.exp(lam * float(np.sum(shares * means * -np.expm1(-x / means))) - n * mu * x)

    a = lam / mu
    logs = [j * math.log(a) - special.gammaln(j + 1) for j in range(n)]
    norm = sum(math.exp(v - logs[-1]) for v in logs) + integrate.quad(density, 0, np.inf, limit=500)[0]
    per = [integrate.quad(lambda x, m=m: -math.expm1(-x / m) * density(x), 0, np.inf, limit=500)[0] / norm for m in means]
    return per, float(np.dot(shares, per))


def test_the_exact_mmng_checker_is_erlang_a_with_one_exponential_patience():
    per, total = mmng_abandonment(10, 170.0, 180.0, [0.3, 0.7], [300.0, 300.0])
    exact = analytic.erlang_a_metrics(10, 170.0, 180.0, 300.0, 20.0).abandon_rate
    assert per[0] == pytest.approx(exact, rel=1e-9) and total == pytest.approx(exact, rel=1e-9)


@pytest.mark.slow  # statistical or property-based: the full suite runs it
def test_types_with_the_same_patience_of_their_own_are_erlang_a():
    """M/M/10+M at 85% load, the patience (exponential, 300 s) set on each of two types and
    the scenario-wide [patience] left at `none`: every measure as Erlang A's."""
    own = {"dist": "exponential", "mean_s": 300.0}
    types = [{"name": "billing", "share": 0.4, "handle_time": EXP, "patience": own},
             {"name": "orders", "share": 0.6, "handle_time": EXP, "patience": own}]
    results = simcenter.simulate(center(types, 10, 170.0, days=4, replications=20))
    exact = analytic.erlang_a_metrics(10, 170.0, 180.0, 300.0, 20.0)
    misses, checks = [], 8
    for name in ("service_level", "asa_s", "mean_wait_s", "abandon_rate", "p_wait", "occupancy"):
        m = results.metric(name, confidence=1 - 0.05 / checks)
        mean, low, high = m.mean, m.ci_low, m.ci_high
        if not low <= getattr(exact, name) <= high:
            misses.append(f"{name}: exact {getattr(exact, name):.5g} outside [{low:.5g}, {high:.5g}]")
    assert not misses, "; ".join(misses)
    # per type too: both see the same queue
    for q, rates in enumerate(per_queue_abandonment(results).T):
        low, high = t_interval(rates, checks)
        assert low <= exact.abandon_rate <= high, (q, low, high, exact.abandon_rate)
    # and not vacuous: [patience] (none: Erlang C, nobody abandons) is not what ran
    assert results.metric("abandoned").ci_low > 0


@pytest.mark.slow  # statistical or property-based: the full suite runs it
def test_two_patiences_in_one_queue_abandon_as_the_mmng_queue():
    """M/M/10+G at 110% load: half the callers with a mean patience of 60 s, half of 600 s.
    Each type's abandonment agrees with ``E[G_i(V)]``, and the center's with their mix; the
    impatient abandon more, by more than the intervals' widths."""
    types = [{"name": "impatient", "share": 0.5, "handle_time": EXP, "patience": {"dist": "exponential", "mean_s": 60.0}},
             {"name": "patient", "share": 0.5, "handle_time": EXP}]
    s = center(types, 10, 220.0, days=4, replications=20, patience={"dist": "exponential", "mean_s": 600.0})
    results = simcenter.simulate(s)
    rates = per_queue_abandonment(results)
    per, total = mmng_abandonment(10, 220.0, 180.0, [0.5, 0.5], [60.0, 600.0])
    intervals = [t_interval(rates[:, q], checks=3) for q in range(2)]
    for (low, high), exact in zip(intervals, per):
        assert low <= exact <= high, (low, high, exact)
    assert intervals[0][0] > intervals[1][1]  # ordered as the patience says, beyond doubt
    m = results.metric("abandon_rate", confidence=1 - 0.05 / 3)
    low, high = m.ci_low, m.ci_high
    assert low <= total <= high, (low, high, total)


# -- no agent: every caller abandons when their patience runs out -------------------------------


def _unstaffed(tmp_path, **changes):
    """Three types and nobody to answer: `fast` (exponential 40 s, redials with 0.6 after
    30 s), `slow` (log-normal 200 s, cv 0.5, redials with 0.2 after 120 s) with their own
    patience, and `plain` on [patience] (exponential 90 s, redials with 0.35 after 60 s).
    Returns the scenario and its trace."""
    types = [{"name": "fast", "share": 0.3, "handle_time": EXP,
              "patience": {"dist": "exponential", "mean_s": 40.0, "redial_prob": 0.6, "redial_delay_mean_s": 30.0}},
             {"name": "slow", "share": 0.3, "handle_time": EXP,
              "patience": {"dist": "lognormal", "mean_s": 200.0, "cv": 0.5, "redial_prob": 0.2, "redial_delay_mean_s": 120.0}},
             {"name": "plain", "share": 0.4, "handle_time": EXP}]
    s = center(types, 0, 120.0, days=1, replications=10, warmup_days=0, seed=31,
               patience={"dist": "exponential", "mean_s": 90.0, "redial_prob": 0.35, "redial_delay_mean_s": 60.0})
    if changes:
        s = s.replace(changes)
    simcenter.simulate(s, trace=tmp_path / "trace.csv")
    return s, pd.read_csv(tmp_path / "trace.csv")


SPECS = {"fast": (40.0, 1.0, 0.6, 30.0), "slow": (200.0, 0.5, 0.2, 120.0), "plain": (90.0, 1.0, 0.35, 60.0)}  # mean, cv, redial, delay
MARGIN_S = 4 * 3600.0  # callers arriving this long before the end have all hung up (their patience is at most minutes)


@pytest.fixture(scope="module")
def unstaffed(tmp_path_factory):
    return _unstaffed(tmp_path_factory.mktemp("unstaffed"))


def test_with_no_agent_the_abandoned_waits_are_each_types_patience(unstaffed):
    """Every caller abandons after exactly their patience: per type (first contacts and
    redials apart), the mean and the cv of the abandoned callers' waits, per replication,
    hold the type's mean and cv in their 95% interval over the replications."""
    s, trace = unstaffed
    early = trace[trace.arrival_s < s.total_days * 86_400.0 - MARGIN_S]
    assert set(early.outcome) == {"abandoned"}
    groups = early.groupby(["contact_type", "origin"])
    assert len(groups) == 6  # three types, first contacts and redials
    for (name, origin), rows in groups:
        mean, cv = SPECS[name][:2]
        waits = rows.groupby("replication").wait_s
        assert waits.size().min() > 30, (name, origin)
        for value, per_rep in ((mean, waits.mean()), (cv, waits.std() / waits.mean())):
            low, high = t_interval(per_rep, checks=12)
            assert low <= value <= high, (name, origin, value, low, high)


def test_with_no_agent_each_type_redials_with_its_chance_and_delay(unstaffed):
    """Each abandonment of a type redials with the type's `redial_prob` (Wilson interval of
    the share that did), after the type's mean delay (t interval of the delays)."""
    s, trace = unstaffed
    trace = trace.sort_values(["replication", "customer_id", "arrival_s"])
    nxt = trace.groupby(["replication", "customer_id"]).shift(-1)
    end = trace.arrival_s + trace.wait_s
    judged = (trace.outcome == "abandoned") & (end < s.total_days * 86_400.0 - MARGIN_S)
    for name, (_, _, prob, delay) in SPECS.items():
        mine = judged & (trace.contact_type == name)
        redialled = mine & (nxt.origin == "redial")
        low, high = wilson(int(redialled.sum()), int(mine.sum()), checks=6)
        assert low <= prob <= high, (name, low, high, prob)
        delays = (nxt.arrival_s - end)[redialled]
        low, high = t_interval(delays, checks=6)
        assert low <= delay <= high, (name, low, high, delay)
    assert (trace.origin == "redial").sum() > 1000


def test_a_types_own_patience_moves_no_other_types_numbers(tmp_path):
    """`plain` draws from [patience]'s streams whatever the others do: giving `fast` another
    patience leaves every number of `plain`'s callers where it was."""
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    _, before = _unstaffed(tmp_path / "a")
    _, after = _unstaffed(tmp_path / "b", **{"contact_types.fast.patience.mean_s": 25.0, "contact_types.fast.patience.redial_prob": 0.1})
    plain = [t[t.contact_type == "plain"][["replication", "origin", "arrival_s", "wait_s"]].reset_index(drop=True)
             for t in (before, after)]  # (contact and customer ids count every type's contacts)
    pd.testing.assert_frame_equal(plain[0], plain[1])
    fast = [t[t.contact_type == "fast"].wait_s.to_numpy() for t in (before, after)]
    assert len(fast[0]) != len(fast[1]) or not np.array_equal(fast[0], fast[1])


def test_repeat_contacts_wait_with_their_types_patience(tmp_path):
    """Callers come in the first six hours, are answered, and leave with a promise that
    always breaks at once, due six hours later, when nobody is on duty: every repeat contact
    abandons after its caller's patience, of its type's law (anger left out of patience)."""
    ipd = 24
    types = [{"name": "own", "share": 0.5, "handle_time": EXP, "patience": {"dist": "exponential", "mean_s": 50.0},
              "promise_prob": 1.0, "noncompliance": 1.0, "promise_due": {"dist": "deterministic", "mean_h": 6.0}},
             {"name": "shared", "share": 0.5, "handle_time": EXP,
              "promise_prob": 1.0, "noncompliance": 1.0, "promise_due": {"dist": "deterministic", "mean_h": 6.0}}]
    s = Scenario.from_dict({
        "simulation": {"days": 1, "warmup_days": 0, "replications": 10, "seed": 5, "interval_minutes": 60},
        "arrivals": {"calls_per_hour": [60.0] * 6 + [0.0] * (ipd - 6)},
        "contact_types": types,
        "patience": {"dist": "exponential", "mean_s": 150.0},
        "agents": {"staffing": [20] * 6 + [0] * (ipd - 6)},
        "promises": {"notice_delay": {"dist": "deterministic", "mean_h": 0.0}, "return_prob": 1.0},
        "customers": {"patience_anger_factor": 0.0},
    })
    simcenter.simulate(s, trace=tmp_path / "t.csv")
    trace = pd.read_csv(tmp_path / "t.csv")
    repeats = trace[trace.origin == "repeat"]
    assert set(repeats.outcome) == {"abandoned"} and len(repeats) > 3000
    for name, mean in (("own", 50.0), ("shared", 150.0)):
        low, high = t_interval(repeats[repeats.contact_type == name].groupby("replication").wait_s.mean(), checks=2)
        assert low <= mean <= high, (name, low, high)


# -- validation ----------------------------------------------------------------------------------


def _types(**patience):
    return [{"name": "a", "share": 0.5, "handle_time": EXP},
            {"name": "b", "share": 0.5, "handle_time": EXP, "patience": patience}]


@pytest.mark.parametrize("patience, field, words", [
    ({"dist": "exponential", "mean": 60.0}, "contact_types[1].patience.mean", "did you mean 'contact_types[1].patience.mean_s'"),
    ({"dist": "lognormal", "mean_s": 60.0}, "contact_types[1].patience.cv", "required when dist = 'lognormal'"),
    ({"dist": "exponential"}, "contact_types[1].patience.mean_s", "required when dist = 'exponential'"),
    ({"dist": "gamma", "mean_s": 60.0}, "contact_types[1].patience.dist", "one of 'exponential', 'lognormal', 'none'"),
    ({"dist": "exponential", "mean_s": 60.0, "redial_prob": 1.5}, "contact_types[1].patience.redial_prob", "[0, 1]"),
    ({"dist": "exponential", "mean_s": -1.0}, "contact_types[1].patience.mean_s", "> 0"),
    ({"dist": "none", "redial_delay_mean_s": 0.0}, "contact_types[1].patience.redial_delay_mean_s", "> 0"),
])
def test_a_types_patience_is_validated_as_patience_naming_the_type(patience, field, words):
    with pytest.raises(ScenarioError) as info:
        center(_types(**patience), 5, 60.0, days=1, replications=1)
    assert info.value.field == field and words in str(info.value), str(info.value)


def test_a_types_patience_must_be_a_table():
    types = _types()
    types[1]["patience"] = 300.0
    with pytest.raises(ScenarioError) as info:
        center(types, 5, 60.0, days=1, replications=1)
    assert info.value.field == "contact_types[1].patience"


def test_a_types_patience_round_trips_and_is_set_by_name():
    s = center(_types(dist="lognormal", mean_s=120.0, cv=0.8, redial_prob=0.3), 5, 60.0, days=1, replications=1)
    assert Scenario.from_toml(s.to_toml()) == s
    assert s.patience_of(0) is s.patience and s.patience_of(1).mean_s == 120.0
    assert (s.patience_key(0), s.patience_key(1)) == ("patience", "contact_types[1].patience")
    t = s.replace({"contact_types.b.patience.mean_s": 60.0, "contact_types.a.patience": {"dist": "exponential", "mean_s": 30.0}})
    assert t.patience_of(1).mean_s == 60.0 and t.patience_of(1).cv == 0.8 and t.patience_of(0).mean_s == 30.0
    assert simcenter.scenario.parameter_unit("contact_types.b.patience.mean_s") == "s"


# -- what reads patience before a run ---------------------------------------------------------


def _two(fast: dict, share_fast: float = 0.5, **sections) -> dict:
    data = {"simulation": {"days": 2, "warmup_days": 0, "interval_minutes": 30},
            "arrivals": {"calls_per_hour": 100.0},
            "contact_types": [{"name": "calm", "share": 1 - share_fast, "handle_time": EXP},
                              {"name": "fast", "share": share_fast, "handle_time": EXP, "patience": fast}],
            "patience": {"dist": "exponential", "mean_s": 300.0},
            "agents": {"staffing": 6}}
    data.update(sections)
    return data


def test_mixed_patience_is_combined_by_the_share_weighted_hazard():
    s = Scenario.from_dict(_two({"dist": "exponential", "mean_s": 60.0, "redial_prob": 0.8}, share_fast=0.25,
                                patience={"dist": "exponential", "mean_s": 300.0, "redial_prob": 0.2}))
    hazard = 0.75 / 300.0 + 0.25 / 60.0
    assert patience_mean_s(s) == pytest.approx(1.0 / hazard)
    assert failure_demand(s).patience_s == pytest.approx(1.0 / hazard)  # no promises: the chain is the first contacts
    assert redial_prob(classes(s)) == pytest.approx((0.75 / 300.0 * 0.2 + 0.25 / 60.0 * 0.8) / hazard)
    target = Target(0.8, 20.0)
    plan = erlang_plan(s, target)
    assert plan == [analytic.staffing(100.0, 180.0, 20.0, 0.8, 1.0 / hazard)] * len(plan)
    # a type that never hangs up counts with rate 0; nobody hanging up is Erlang C
    never = Scenario.from_dict(_two({"dist": "none"}, share_fast=0.25))
    assert patience_mean_s(never) == pytest.approx(300.0 / 0.75)
    assert patience_mean_s(Scenario.from_dict(_two({"dist": "none"}, share_fast=1.0, patience={"dist": "none"}))) is None


def test_the_redials_group_shows_when_a_types_callers_redial():
    show = GROUPS["redials"][1]
    assert show(Scenario.from_dict(_two({"dist": "exponential", "mean_s": 60.0, "redial_prob": 0.5})))
    assert not show(Scenario.from_dict(_two({"dist": "exponential", "mean_s": 60.0})))


def test_a_redial_storm_of_one_type_is_refused_naming_its_key():
    storm = {"dist": "exponential", "mean_s": 1e-6, "redial_prob": 1.0, "redial_delay_mean_s": 1e-6}
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(_two(storm, share_fast=0.1))
    assert info.value.field == "contact_types[1].patience.redial_prob", str(info.value)
    assert "contact_types[1].patience.redial_prob = 1" in str(info.value)


def test_a_type_that_never_hangs_up_bounds_the_pile_up_and_is_named():
    """Callers of one type never hang up in a queue overloaded for a year: refused naming
    the staffing, and saying whose patience keeps them waiting."""
    data = _two({"dist": "none"}, share_fast=0.2, arrivals={"calls_per_hour": 5000.0}, agents={"staffing": 10},
                simulation={"days": 365, "interval_minutes": 60})
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(data)
    assert info.value.field == "agents.staffing"
    assert "contact_types[1].patience.dist = none, callers of fast never hang up" in str(info.value)
    # the same center where every caller hangs up within minutes is fine
    data["contact_types"][1]["patience"] = {"dist": "exponential", "mean_s": 60.0}
    Scenario.from_dict(data)


def test_one_types_redial_storm_stays_within_the_bound_and_the_guard_names_its_keys():
    """Nobody answers and one type's callers always redial after 5 s: the run ends at its
    horizon within the worst case, which is that type's chain; the guard's message names
    that type's keys."""
    s = Scenario.from_dict(_two({"dist": "exponential", "mean_s": 60.0, "redial_prob": 1.0, "redial_delay_mean_s": 5.0},
                                share_fast=0.3, agents={"staffing": 0}, arrivals={"calls_per_hour": 20.0},
                                simulation={"days": 1, "warmup_days": 0, "interval_minutes": 60}))
    est = estimate(s)
    assert est.driver_field == "contact_types[1].patience.redial_prob"
    run = CallCenter(s, 2, 0)
    run.run()
    assert 10_000 < run._contacts <= est.contacts_bound
    assert run._guard.redial_keys == "contact_types[1].patience.redial_prob, contact_types[1].patience.redial_delay_mean_s"


def test_the_overload_warning_names_the_types_that_never_hang_up():
    s = Scenario.from_dict(_two({"dist": "none"}, share_fast=0.5, arrivals={"calls_per_hour": 300.0}, agents={"staffing": 4},
                                simulation={"days": 1, "warmup_days": 0, "interval_minutes": 60, "replications": 1}))
    backlog, first = s.overload_backlog()
    assert backlog > 100 and first == "00:00"
    with pytest.warns(simcenter.errors.OverloadWarning, match=r"callers of fast never hang up \(contact_types\[1\]\.patience\.dist = none\)"):
        simcenter.simulate(s)
    everyone = Scenario.from_dict(_two({"dist": "exponential", "mean_s": 60.0}, patience={"dist": "exponential", "mean_s": 60.0}))
    assert everyone.overload_backlog() == (0.0, None)


# -- from a contact log ----------------------------------------------------------------------


@pytest.mark.slow  # statistical or property-based: the full suite runs it
def test_a_log_fits_back_to_each_types_patience_and_the_gamma(tmp_path):
    """A log simulated from a center whose `quick` line has its own patience (exponential
    60 s) and gamma handling (cv 0.5), the other line on [patience] (exponential 600 s):
    `simcenter fit` gives each type its own patience table (the types differ beyond doubt)
    and `quick` the gamma, and the fit's 95% intervals of each type's mean patience hold the
    truth."""
    from simcenter.estimate.fitting import fit

    from .test_fit import simulated_log

    truth = Scenario.from_dict({
        "simulation": {"days": 4, "warmup_days": 1, "interval_minutes": 30, "seed": 3},
        "arrivals": {"calls_per_hour": 200.0},
        "contact_types": [{"name": "quick", "share": 0.5, "handle_time": {"dist": "gamma", "mean_s": 180.0, "cv": 0.5},
                           "patience": {"dist": "exponential", "mean_s": 60.0}},
                          {"name": "slow", "share": 0.5, "handle_time": EXP}],
        "patience": {"dist": "exponential", "mean_s": 600.0},
        "agents": {"staffing": 10}})
    path, _ = simulated_log(tmp_path, truth)
    fitted = fit(path)
    s, est = fitted.scenario, fitted.estimates
    types = {c.name: c for c in s.contact_types}
    assert types["quick"].handle_time.dist == "gamma" and types["quick"].patience is not None and types["slow"].patience is not None
    rows = est[(est.section == "patience") & (est.quantity == "patience, censored ML, exponential: mean")].set_index("contact_type")
    for name, mean in (("quick", 60.0), ("slow", 600.0)):
        assert rows.loc[name, "low"] <= mean <= rows.loc[name, "high"], (name, rows.loc[name].to_dict())
        assert types[name].patience.dist == "exponential"
    assert Scenario.from_toml(s.to_toml()) == s
