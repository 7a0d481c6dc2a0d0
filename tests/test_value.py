"""Customer value ([value]): loyalty after recoveries, word of mouth, and demand that erodes.

What must hold:

* with the value model off every number is what it was (the pinned tables, whose new
  value columns are zero or equal to the cost they mirror), and with it on but without the
  demand feedback too: it only keeps accounts;
* closed forms: with fixed rates and no queueing, the value lost to word of mouth is
  E[churned] x reach x conversion x value, and the loyalty a recovery earns is the mix of
  fixes and concessions the recovery probabilities give; with the feedback on, each day's
  first contacts are the calendar's times the share left by the customers lost so far;
* directions with intervals apart: more empowerment, more value per recovery; more
  noncompliance, more value lost to word of mouth; over a year of chronic noncompliance
  demand erodes, and recovery slows it (slow);
* the break-even between empowerment and added staffing moves to lower noncompliance when
  loyalty counts (``sweep_tradeoff.toml``; slow).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simcenter import Scenario, simulate
from simcenter.output.analysis import confidence_interval
from simcenter.output.metrics import METRIC_GROUPS

ROOT = Path(__file__).parent.parent
PINNED = ROOT / "tests" / "regression" / "pinned"
VALUE_METRICS = METRIC_GROUPS["value"]


def _interval(results, metric: str) -> tuple[float, float, float]:
    row = results.summary().set_index("metric").loc[metric]
    return row["mean"], row["ci_low"], row["ci_high"]


# -- off, and on without feedback: no number moves ------------------------------------------


@pytest.mark.parametrize("name", ["example_noncompliance", "variant_out_of_policy", "example_spiral", "example_multiskill"])
def test_the_value_columns_of_the_pinned_runs_are_empty_or_mirror_the_cost(name):
    """Off, the accounts hold nothing of their own: value_lost_churn is cost_churn and
    cost_net is cost."""
    table = pd.read_csv(PINNED / f"{name}.csv")
    for metric in ("value_gained", "value_lost_loyalty", "word_of_mouth_told", "word_of_mouth_lost", "value_lost_word_of_mouth",
                   "first_contacts_eroded", "demand_eroded"):
        assert (table[metric] == 0).all(), metric
    assert np.allclose(table["value_lost_churn"], table["cost_churn"], rtol=1e-12, atol=0)
    assert np.allclose(table["net_value"], -table["cost_churn"], rtol=1e-12, atol=0)
    assert np.allclose(table["cost_net"], table["cost"], rtol=1e-12, atol=1e-6)


@pytest.mark.parametrize("name,changes", [
    ("noncompliance", {}),
    ("noncompliance", {"policy.out_of_policy_prob": 0.2, "policy.override_prob": 0.3, "policy.refusal_anger": 1.0}),
    ("spiral", {}),
])
def test_keeping_the_accounts_moves_no_other_number(name, changes):
    """The value model on, without the demand feedback, against the same run off: every
    metric outside the value group is identical to the last bit."""
    s = Scenario.from_file(ROOT / "scenarios" / f"{name}.toml").replace(
        {"simulation.days": 4, "simulation.warmup_days": 1, "customers.anger_per_wait_min": 0.2, **changes})
    off = simulate(s, replications=2, seed=11).replications()
    on = simulate(s.replace({"value.enabled": True, "value.word_of_mouth_anger": 1.0}), replications=2, seed=11).replications()
    others = [c for c in off.columns if c not in VALUE_METRICS]
    pd.testing.assert_frame_equal(on[others], off[others], check_exact=True)
    assert (on["value_gained"] > 0).all() and (on["word_of_mouth_told"] > 0).all()


def test_default_value_section_is_left_out_of_the_scenario_file():
    s = Scenario.from_file(ROOT / "scenarios" / "noncompliance.toml")
    assert "value" not in s.to_dict()
    on = s.replace({"value.enabled": True})
    assert on.to_dict()["value"]["enabled"] is True
    assert Scenario.from_toml(on.to_toml()) == on


# -- closed forms ---------------------------------------------------------------------------

#: Fixed rates, no queueing: 40 first contacts an hour around the clock, 60 agents for 3.3
#: erlangs, half the contacts promised a delivery in 24 h that breaks 40% of the time,
#: noticed 12 h later; nobody comes back (return_prob 0), so every broken promise churns.
CLOSED = {
    "simulation": {"days": 10, "warmup_days": 2, "seed": 7},
    "arrivals": {"calls_per_hour": 40.0},
    "contact_types": [{"name": "order", "handle_time": {"dist": "deterministic", "mean_s": 300.0}, "promise_prob": 0.5,
                       "promise_due": {"dist": "deterministic", "mean_h": 24.0}, "noncompliance": 0.4}],
    "agents": {"staffing": 60},
    "promises": {"notice_delay": {"dist": "deterministic", "mean_h": 12.0}, "return_prob": 0.0},
    "costs": {"lost_customer": 400.0},
    "value": {"enabled": True, "word_of_mouth_reach": 10.0, "word_of_mouth_conversion": 0.05, "word_of_mouth_anger": 1000.0},
}


def test_value_lost_to_word_of_mouth_is_churned_times_reach_times_conversion_times_value():
    s = Scenario.from_dict(CLOSED)
    r = simulate(s, replications=20)
    # A churn at arrival + 300 s + 24 h + 12 h falls in the reported 10 days for arrivals in a
    # window of 10 days, all within the run: E[churned] = 40/h x 240 h x 0.5 x 0.4.
    churned = 40.0 * 240.0 * 0.5 * 0.4
    mean, low, high = _interval(r, "churned")
    assert low <= churned <= high, (churned, mean, low, high)
    expected = churned * 10.0 * 0.05 * 400.0
    mean, low, high = _interval(r, "value_lost_word_of_mouth")
    assert low <= expected <= high, (expected, mean, low, high)
    assert high - low < 0.1 * expected  # an interval that can miss
    told, t_low, t_high = _interval(r, "word_of_mouth_told")
    assert t_low <= churned * 10.0 <= t_high
    # no one stays, so no loyalty is lost and a churned customer costs exactly one value
    assert _interval(r, "value_lost_loyalty")[0] == 0.0
    reps = r.replications()
    assert np.allclose(reps["value_lost_churn"], reps["churned"] * 400.0)


def test_loyalty_per_recovery_is_the_mix_of_fixes_and_concessions():
    """Every customer comes back; anger does not enter the recovery odds. A recovery is a
    fix with chance f / (f + (1 - f) e c), else a concession."""
    data = {**CLOSED, "promises": {"notice_delay": {"dist": "exponential", "mean_h": 6.0}, "return_prob": 1.0},
            "customers": {"churn_anger": 1e6},
            "recovery": {"empowerment": 0.5, "concession_success": 0.9, "anger_weight": 0.0},
            "value": {"enabled": True, "loyalty_gain_fix": 0.1, "loyalty_gain_concession": 0.4}}
    s = Scenario.from_dict(data)
    r = simulate(s, replications=20)
    f = 1.0 / (1.0 + math.exp(-(-1.0 + 2.0 * 0.5 + 1.0 * 0.5)))  # base + training + support, full morale
    conceded = (1.0 - f) * 0.5 * 0.9
    per_recovery = 400.0 * (f * 0.1 + conceded * 0.4) / (f + conceded)
    mean, low, high = _interval(r, "value_per_recovery")
    assert low <= per_recovery <= high, (per_recovery, mean, low, high)
    rate, r_low, r_high = _interval(r, "recovery_rate")
    assert r_low <= f + conceded <= r_high


def test_demand_follows_the_customers_left():
    """With the feedback on, a day's first contacts are Poisson with mean the calendar's
    volume times max(0, 1 - lost before that day / customer_base), lost counting churned
    customers and those lost to word of mouth (per replication, from its own counters)."""
    data = {**CLOSED, "simulation": {"days": 8, "warmup_days": 0, "seed": 3},
            "value": {**CLOSED["value"], "demand_feedback": True, "customer_base": 2500.0}}
    s = Scenario.from_dict(data)
    r = simulate(s, replications=12)
    ipd = s.intervals_per_day

    def per_day(name):
        return r.counters[name].reshape(r.n_replications, -1, ipd).sum(axis=2)

    lost = per_day("churned") + per_day("word_of_mouth_lost")
    before = np.cumsum(lost, axis=1) - lost  # lost before each day's midnight
    share = np.maximum(0.0, 1.0 - before / 2500.0)
    expected = 40.0 * 24.0 * share
    observed = per_day("first_contacts")
    assert share[:, -1].max() < 0.6  # demand did erode
    z = (observed - expected).sum() / math.sqrt(expected.sum())
    assert abs(z) < 3.0, z
    eroded = per_day("first_contacts_eroded")
    z_eroded = (eroded - 40.0 * 24.0 * (1.0 - share)).sum() / math.sqrt((40.0 * 24.0 * (1.0 - share)).sum())
    assert abs(z_eroded) < 3.0, z_eroded
    # every first contact of the calendar either came or was eroded: none on day 0
    assert (eroded[:, 0] == 0).all()


def test_demand_stops_when_every_customer_is_lost():
    data = {**CLOSED, "simulation": {"days": 6, "warmup_days": 0, "seed": 3},
            "value": {**CLOSED["value"], "demand_feedback": True, "customer_base": 100.0}}
    r = simulate(Scenario.from_dict(data), replications=2)
    ipd = r.scenario.intervals_per_day
    first = r.counters["first_contacts"].reshape(2, -1, ipd).sum(axis=2)
    assert (first[:, -1] == 0).all() and (first[:, 0] > 0).all()


# -- directions -----------------------------------------------------------------------------


def _example(**changes):
    s = Scenario.from_file(ROOT / "scenarios" / "noncompliance.toml")
    return simulate(s.replace({"simulation.days": 5, "simulation.warmup_days": 4, "value.enabled": True, **changes}), replications=5)


def test_more_empowerment_gives_more_value_per_recovery():
    low = _interval(_example(**{"recovery.empowerment": 0.0}), "value_per_recovery")
    high = _interval(_example(**{"recovery.empowerment": 1.0}), "value_per_recovery")
    assert low[2] < high[1], (low, high)


def test_more_noncompliance_loses_more_value_to_word_of_mouth():
    low = _interval(_example(**{"contact_types.order_status.noncompliance": 0.05}), "value_lost_word_of_mouth")
    high = _interval(_example(**{"contact_types.order_status.noncompliance": 0.4}), "value_lost_word_of_mouth")
    assert low[2] < high[1], (low, high)


@pytest.fixture(scope="module")
def year():
    """scenarios/word_of_mouth.toml (a year of 30% broken delivery promises, demand feedback
    on), its center whose agents recover customers, and the same center keeping its
    promises; four replications each."""
    s = Scenario.from_file(ROOT / "scenarios" / "word_of_mouth.toml")
    return {
        "chronic": simulate(s, replications=4),
        "recovers": simulate(s.replace({"recovery.empowerment": 1.0}), replications=4),
        "keeps": simulate(s.replace({"contact_types.order_status.noncompliance": 0.0}), replications=4),
    }


def _ratios(results) -> np.ndarray:
    """Per replication, first contacts of the last four weeks over those of the first four
    (the same weekdays in both)."""
    days = results.scenario.simulation.days
    first = results.replications(days=range(0, 28))["first_contacts"].to_numpy()
    last = results.replications(days=range(days - 28, days))["first_contacts"].to_numpy()
    return last / first


def _erosion(results) -> tuple[float, float, float]:
    """The ratio of :func:`_ratios` with its 95% interval."""
    mean, low, high = confidence_interval(_ratios(results))
    return float(mean), float(low), float(high)


@pytest.mark.slow
def test_chronic_noncompliance_erodes_demand_over_a_year(year):
    chronic, keeps = _erosion(year["chronic"]), _erosion(year["keeps"])
    assert chronic[2] < 1.0, chronic  # fewer first contacts at the end of the year
    assert chronic[2] < keeps[1], (chronic, keeps)  # and fewer than where promises are kept
    d_chronic, d_keeps = _interval(year["chronic"], "demand_eroded"), _interval(year["keeps"], "demand_eroded")
    assert d_keeps[2] < d_chronic[1]


@pytest.mark.slow
def test_recovery_slows_the_erosion(year):
    # the two centers see the same candidate first contacts (common random numbers): the
    # year-end volume of the one that recovers is higher, replication by replication
    gained = confidence_interval(_ratios(year["recovers"]) - _ratios(year["chronic"]))
    assert gained[1] > 0.0, gained
    d_chronic, d_recovers = _interval(year["chronic"], "demand_eroded"), _interval(year["recovers"], "demand_eroded")
    assert d_recovers[2] < d_chronic[1], (d_recovers, d_chronic)
    lost_chronic, lost_recovers = _interval(year["chronic"], "value_lost_word_of_mouth"), _interval(year["recovers"], "value_lost_word_of_mouth")
    assert lost_recovers[2] < lost_chronic[1]


# -- the trade-off: empowerment against added staffing ----------------------------------------


@pytest.fixture(scope="module")
def tradeoff(tmp_path_factory):
    """scenarios/sweep_tradeoff.toml as shipped (54 points, three replications, the value
    accounts on), saved like `simcenter sweep --out`."""
    from simcenter.report import load_results
    from simcenter.sweep import sweep

    out = tmp_path_factory.mktemp("tradeoff") / "out"
    result = sweep(ROOT / "scenarios" / "sweep_tradeoff.toml", executor="process", workers=2, out=out)
    return result, load_results(out)


def _cheaper_from(table: pd.DataFrame, x: str, policy: str, value: str) -> float:
    """The lowest swept ``x`` from which the empowered policy costs less at every higher
    ``x`` (inf when it never does)."""
    wide = table.pivot(index=x, columns=policy, values=value).sort_index()
    cheaper = (wide[1.0] < wide[0.0]).to_numpy()
    from_ = [v for i, v in enumerate(wide.index) if cheaper[i:].all()]
    return min(from_) if from_ else math.inf


@pytest.mark.slow
def test_counting_loyalty_moves_the_break_even_of_empowerment_to_lower_noncompliance(tradeoff):
    from simcenter.planning.tradeoff import break_even, required_staffing

    result, _ = tradeoff
    x, policy, staffing = "contact_types.order_status.noncompliance", "recovery.empowerment", "agents.scale"
    needed = required_staffing(result.summary, staffing, 0.8)
    assert needed[staffing].notna().all()
    plain, counted = _cheaper_from(needed, x, policy, "cost"), _cheaper_from(needed, x, policy, "cost_net")
    assert counted < plain, (counted, plain)
    # the crossings break_even reports agree: any crossing with loyalty counted lies below
    # the first where the plain cost would make empowerment pay
    for row in break_even(needed, x, policy, "cost_net").itertuples():
        assert getattr(row, "cheaper_beyond") == 1.0
    # at the highest noncompliance the two policies' runs at their needed staffing see the
    # same customers; the paired differences have intervals on opposite sides of zero
    top = needed[x].max()
    runs = result.table[result.table[x] == top]
    at = {p: runs[(runs[policy] == p) & np.isclose(runs[staffing], needed[(needed[x] == top) & (needed[policy] == p)][staffing].iloc[0])]
          .sort_values("replication") for p in (0.0, 1.0)}
    for value, side in (("cost", 1.0), ("cost_net", -1.0)):
        diff = at[1.0][value].to_numpy() - at[0.0][value].to_numpy()
        mean, low, high = confidence_interval(diff)
        assert (low > 0) if side > 0 else (high < 0), (value, mean, low, high)


@pytest.mark.slow
def test_the_cost_frontier_draws_the_cost_net_of_customer_value(tradeoff):
    from simcenter.report import figure, html_report

    _, saved = tradeoff
    fig = figure(saved, "cost-frontier")
    left, right = fig.axes
    labels = [line.get_label() for line in right.get_lines() if not line.get_label().startswith("_")]
    assert "1: net of customer value" in labels and "0: cost" in labels
    assert "net of customer value" in right.get_title()
    assert 'title="cost_net: ' in html_report(saved)  # its column in the report's table of points


def _saved_eroding_run(tmp_path, days: int, warmup: int, base: float):
    """The closed-form center with the demand feedback, run by `simcenter run --out` and
    read back as saved results."""
    from simcenter.cli import main
    from simcenter.report import load_results

    data = {**CLOSED, "simulation": {"days": days, "warmup_days": warmup, "seed": 3},
            "value": {**CLOSED["value"], "demand_feedback": True, "customer_base": base}}
    path = tmp_path / "eroding.toml"
    path.write_text(Scenario.from_dict(data).to_toml(), encoding="utf-8")
    assert main(["run", str(path), "--replications", "2", "--out", str(tmp_path / "out")]) == 0
    return load_results(tmp_path / "out")


def test_a_run_with_demand_feedback_plots_its_demand(tmp_path):
    import dataclasses

    from simcenter.report import applicable_kinds, figure

    saved = _saved_eroding_run(tmp_path, days=14, warmup=0, base=20000.0)
    assert "demand" in applicable_kinds(saved)
    top, bottom = figure(saved, "demand").axes
    lines = {line.get_label(): line.get_ydata() for line in top.get_lines()}
    came = lines["first contacts that came"]
    calendar = lines["had no customer been lost (came + eroded)"]
    assert len(came) == 2 and (came <= calendar).all() and came[1] < calendar[1]
    assert bottom.get_ylabel() == "demand lost (% of the week)"
    # a run without the feedback has no such plot
    assert "demand" not in applicable_kinds(dataclasses.replace(saved, scenario=saved.scenario.replace({"value.demand_feedback": False})))


def test_a_short_run_with_demand_feedback_reports_per_day(tmp_path):
    from simcenter.report import figure, html_report

    saved = _saved_eroding_run(tmp_path, days=3, warmup=1, base=5000.0)
    top, bottom = figure(saved, "demand").axes
    assert top.get_ylabel() == "first contacts per day" and len(top.get_lines()[0].get_ydata()) == 3
    assert 'data-kind="demand"' in html_report(saved)


def test_customers_who_calm_down_leave_the_watch_list_and_tell_no_one():
    """A long half-life against a short one: the same broken promises, but only customers
    still angry at the end talk; the watch list holds no one who has calmed down."""
    from simcenter.model.center import CallCenter

    data = {**CLOSED, "simulation": {"days": 6, "warmup_days": 0, "seed": 5},
            "promises": {"notice_delay": {"dist": "deterministic", "mean_h": 12.0}, "return_prob": 1.0},
            "customers": {"churn_anger": 1e6, "anger_half_life_days": 0.5},
            "recovery": {"enabled": False},
            "value": {"enabled": True, "word_of_mouth_anger": 0.5}}
    center = CallCenter(Scenario.from_dict(data), 5, 0)
    center.run()
    book = center.value
    end = center.timeline.horizon_s
    # every customer kept was at or above the threshold when last checked; those calm at the
    # last midnight are gone
    last_midnight = (center.timeline.days - 1) * 86_400.0
    assert all(calm >= last_midnight for _, calm in book._angry.values())
    still = sum(c.anger_seen(end, book.decay) >= 0.5 for c, _ in book._angry.values())
    told = sum(center.stats.word_of_mouth_told)
    assert still > 0 and told > 0
    assert sum(center.stats.churned) == 0  # only the angry at the end talked
