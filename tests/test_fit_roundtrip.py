"""Round trip: logs simulated from known scenarios, fitted, give the scenarios back.

Three centers: log-normal handling and patience with redials; the exponential Erlang A;
the noncompliance center with failure demand. At each of ten seeds the fitted parameters
must be close to the truth (daily volume within 2%, the profile within 3% in total
variation, handling mean within 3% and cv within 10%, patience mean within 10%, redial
probability within 0.03, repeat probability within 0.02), the right family chosen, and
each parameter's own reported 95% interval must hold the truth at nine seeds of ten or
more. The noncompliance center is the example's, less what a contact log cannot show:
contacts made while the center is closed (no after-hours calls), anger from waiting (no
``anger_per_wait_min``) and callbacks (the technical line's promises are fulfilment ones)."""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest

import simcenter
from simcenter.estimate.synthetic import default_start, log_frame_from_trace

pytestmark = pytest.mark.slow

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = range(1, 11)
PROFILE = [2, 3, 5, 7, 8, 8, 7, 6, 5, 5, 5, 6, 7, 8, 8, 7, 6, 5, 4, 3, 3, 2, 2, 2]


def lognormal_center() -> simcenter.Scenario:
    share = np.array(PROFILE, float) / sum(PROFILE)
    load = 2000 * share / 0.5 * (240 + 20) / 3600  # Erlangs per half hour
    staffing = [max(1, int(round(0.95 * a))) for a in load]
    return simcenter.Scenario.from_dict({
        "name": "lognormal", "simulation": {"days": 21, "warmup_days": 1, "replications": 1, "seed": 1},
        "calendar": {"open": "08:00", "close": "20:00"},
        "arrivals": {"calls_per_day": 2000.0, "profile": PROFILE},
        "contact_types": [{"name": "general", "handle_time": {"dist": "lognormal", "mean_s": 240.0, "cv": 1.2}, "wrapup_s": 20.0}],
        "patience": {"dist": "lognormal", "mean_s": 150.0, "cv": 1.3, "redial_prob": 0.4, "redial_delay_mean_s": 600.0},
        "agents": {"staffing": staffing},
    })


def exponential_center() -> simcenter.Scenario:
    return simcenter.Scenario.from_file(os.path.join(ROOT, "scenarios/erlang_a.toml")).replace(
        {"simulation.days": 14, "agents.staffing": 11})


def noncompliance_center() -> simcenter.Scenario:
    return simcenter.Scenario.from_file(os.path.join(ROOT, "scenarios/noncompliance.toml")).replace(
        {"simulation.days": 21, "arrivals.after_hours_calls_per_hour": 0.0, "customers.anger_per_wait_min": 0.0,
         "contact_types.technical.promise_kind": "fulfilment"})


def truth(s: simcenter.Scenario) -> dict:
    """The numbers a perfect fit would give, in the fitted scenario's conventions (weekday
    factors averaging 1 over the open weekdays, calls_per_day their mean day)."""
    open_days = [i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun")) if d in s.calendar.weekdays]
    mean_factor = float(np.mean([s.arrivals.day_of_week[i] for i in open_days]))
    rates = np.array(s.open_rates_per_hour())
    out = {"calls_per_day": float(rates.sum() * s.interval_s / 3600 * mean_factor), "profile": rates / rates.sum(),
           "patience_mean": s.patience.mean_s, "redial": s.patience.redial_prob, "types": {}}
    for c in s.contact_types:
        repeat = c.promise_prob * c.noncompliance * s.promises.return_prob
        out["types"][c.name] = {"mean": c.handle_time.mean_s, "cv": c.handle_time.cv or 1.0, "family": c.handle_time.dist,
                                "repeat": repeat}
    out["patience_family"] = s.patience.dist
    return out


def fitted(s: simcenter.Scenario, seed: int, tmp_path) -> simcenter.estimate.fitting.Fit:
    trace = tmp_path / f"trace{seed}.parquet"
    simcenter.simulate(s, seed=seed, replications=1, trace=trace)
    frame = log_frame_from_trace(pd.read_parquet(trace), default_start(s))
    trace.unlink()
    return simcenter.fit(frame, name=f"seed{seed}")


def _row(est, section, contains, ctype=""):
    rows = est[(est.section == section) & est.quantity.str.contains(contains, regex=False) & (est.contact_type == ctype)]
    return rows.iloc[0]


def _check(s: simcenter.Scenario, tmp_path, repeats: bool):
    t = truth(s)
    hits: dict[str, list] = {}

    def hit(name, low, high, value):
        hits.setdefault(name, []).append(low <= value <= high)

    for seed in SEEDS:
        f = fitted(s, seed, tmp_path)
        est, sc, d = f.estimates, f.scenario, f.demand
        assert abs(d.calls_per_day / t["calls_per_day"] - 1) < 0.02, (seed, d.calls_per_day)
        hit("calls_per_day", d.calls_low, d.calls_high, t["calls_per_day"])
        assert np.abs(d.profile - t["profile"]).sum() < 0.03, seed
        for c in sc.contact_types:
            tt = t["types"][c.name]
            assert c.handle_time.dist == tt["family"], (seed, c.name, c.handle_time.dist)
            best = _row(est, "handling", f"first contacts, {tt['family']}: mean", c.name)
            assert abs(best.estimate / tt["mean"] - 1) < 0.03, (seed, c.name, best.estimate)
            hit(f"handle mean {c.name}", best.low, best.high, tt["mean"])
            cv = _row(est, "handling", f"first contacts, {tt['family']}: cv", c.name)
            assert abs(cv.estimate / tt["cv"] - 1) < 0.10, (seed, c.name, cv.estimate)
            if tt["family"] != "exponential":
                hit(f"handle cv {c.name}", cv.low, cv.high, tt["cv"])
            if repeats:
                rep = _row(est, "repeats", "repeat probability within", c.name)
                assert abs(rep.estimate - tt["repeat"]) < 0.02, (seed, c.name, rep.estimate)
                hit(f"repeat {c.name}", rep.low, rep.high, tt["repeat"])
        assert sc.patience.dist == t["patience_family"], (seed, sc.patience.dist)
        pat = _row(est, "patience", f"censored ML, {t['patience_family']}: mean")
        assert abs(pat.estimate / t["patience_mean"] - 1) < 0.10, (seed, pat.estimate)
        hit("patience mean", pat.low, pat.high, t["patience_mean"])
        red = _row(est, "redials", "redial probability")
        assert abs(red.estimate - t["redial"]) < 0.03, (seed, red.estimate)
        hit("redial", red.low, red.high, t["redial"])
    for name, inside in hits.items():
        assert sum(inside) >= 0.9 * len(inside), (name, inside)
    return hits


def test_lognormal_handling_and_patience_with_redials(tmp_path):
    _check(lognormal_center(), tmp_path, repeats=False)


def test_exponential_everything(tmp_path):
    _check(exponential_center(), tmp_path, repeats=False)


def test_the_noncompliance_center_with_repeats(tmp_path):
    _check(noncompliance_center(), tmp_path, repeats=True)


@pytest.mark.parametrize("center", [lognormal_center, noncompliance_center])
def test_backtest_of_a_fitted_synthetic_log(tmp_path, center):
    s = center()
    trace = tmp_path / "trace.parquet"
    simcenter.simulate(s, seed=101, replications=1, trace=trace)
    log = log_frame_from_trace(pd.read_parquet(trace), default_start(s))
    f = simcenter.fit(log, backtest=True, replications=20, seed=5)
    assert f.backtest_coverage() >= 0.9, f.backtest[~f.backtest.inside.fillna(True)]
    assert not math.isnan(f.backtest_coverage())
