"""Backtest: does the fitted scenario reproduce the center it was fitted to?

The fitted scenario is simulated over the data's own dates (its calendar starts on the
log's first date, after a warm-up) with the staffing seen in the data, ``replications``
times. Each replication's trace is turned into a contact log (:mod:`simcenter.estimate.synthetic`)
and summarised exactly as the real log is, per interval of the day over the open dates:

* ``offered``: contacts per open date in the interval;
* ``service_level``: answered within the target / offered;
* ``abandonment``: abandoned / offered;
* ``asa_s``: mean wait of answered contacts (average speed of answer), seconds;
* ``aht_s``: mean talk plus wrap-up of answered contacts, seconds;
* ``repeat_rate``: repeat contacts (by customer history) / offered.

The log is one realisation of the center; each replication is another. The band an
observation should fall in is therefore a **95% prediction interval** of one realisation,
``mean +/- t(0.975, R-1) x sd x sqrt(1 + 1/R)`` over the R replications, not the
narrower interval of the mean. The share of observations inside their band is the
backtest's score: near 95% when the scenario reproduces the center; far below, where it
does not (an interval or a statistic that falls outside shows where).
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .demand import date_of
from .history import REPEAT, classify
from .logs import ContactLog, read_contact_log
from .synthetic import log_frame_from_trace

__all__ = ["run_backtest", "interval_statistics", "STATISTICS", "BACKTEST_COLUMNS"]

#: The statistics compared, with their units.
STATISTICS = {"offered": "contacts/date", "service_level": "fraction", "abandonment": "fraction", "asa_s": "s", "aht_s": "s",
              "repeat_rate": "fraction"}
BACKTEST_COLUMNS = ("statistic", "interval", "observed", "simulated", "low", "high", "inside", "unit")


def interval_statistics(log: ContactLog, open_day: np.ndarray, first_day: int, span: tuple, interval_minutes: int,
                        target_s: float, redial_window_s: float, repeat_window_s: float) -> pd.DataFrame:
    """The statistics per interval of the day (rows) over the open dates of ``open_day``."""
    hist = classify(log, redial_window_s, repeat_window_s)
    day = (log.arrival // 86_400).astype(np.int64) - first_day
    inside = (day >= 0) & (day < open_day.size)
    inside[inside] = open_day[day[inside]]
    sel = inside & log.inbound
    j = ((log.arrival % 86_400) // (interval_minutes * 60)).astype(np.int64)
    n_dates = max(int(open_day.sum()), 1)
    k = np.arange(*span)
    idx = j[sel] - span[0]
    ok = (idx >= 0) & (idx < k.size)
    idx = idx[ok]

    def per(values) -> np.ndarray:
        return np.bincount(idx, weights=np.asarray(values, float)[sel][ok], minlength=k.size)

    offered = per(np.ones(len(log)))
    answered = per(log.answered)
    handled = np.nan_to_num(log.talk) + (np.nan_to_num(log.wrapup) if log.wrapup is not None else 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "offered": offered / n_dates,
            "service_level": per(log.answered & (log.wait <= target_s)) / offered,
            "abandonment": per(~log.answered) / offered,
            "asa_s": per(np.where(log.answered, log.wait, 0.0)) / answered,
            "aht_s": per(np.where(log.answered, handled, 0.0)) / answered,
            "repeat_rate": per(hist.kind == REPEAT) / offered,
        }, index=k)
    return out


def report_statistics(rep: pd.DataFrame, open_day: np.ndarray, first_day: int, span: tuple, interval_minutes: int,
                      target_s: float, *_) -> pd.DataFrame:
    """The statistics an interval report holds, per interval of the day over the open
    dates (``asa_s`` and ``repeat_rate`` are not in a report: NaN)."""
    width = interval_minutes * 60.0
    day = (rep["start"] // 86_400).astype(np.int64).to_numpy() - first_day
    ok = (day >= 0) & (day < open_day.size)
    ok[ok] = open_day[day[ok]]
    r = rep[ok].assign(j=((rep["start"][ok] % 86_400) // width).astype(np.int64))
    g = r.groupby("j")
    k = np.arange(*span)
    n_dates = max(int(open_day.sum()), 1)
    offered = g["offered"].sum().reindex(k, fill_value=0).to_numpy(float)
    answered = g["answered"].sum().reindex(k, fill_value=0).to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        within = (g["within"].sum().reindex(k, fill_value=0).to_numpy(float) / offered if "within" in r else np.full(k.size, np.nan))
        handled = (r["aht"].fillna(0) * r["answered"]).groupby(r["j"]).sum().reindex(k, fill_value=0).to_numpy(float)
        return pd.DataFrame({"offered": offered / n_dates, "service_level": within,
                             "abandonment": g["abandoned"].sum().reindex(k, fill_value=0).to_numpy(float) / offered,
                             "asa_s": np.nan, "aht_s": handled / answered, "repeat_rate": np.nan}, index=k)


def run_backtest(fit, replications: int, seed: int, progress=None) -> pd.DataFrame:
    """Simulate ``fit.scenario`` over the log's dates and compare (:data:`BACKTEST_COLUMNS`)."""
    from ..run.runner import simulate

    say = progress or (lambda stage: None)
    demand, opts = fit.demand, fit.options
    sc = fit.scenario.replace({"simulation.days": demand.days, "simulation.replications": replications, "simulation.seed": seed})
    args = (demand.open_dates, demand.first_day, demand.open_span, demand.interval_minutes, opts["target_s"],
            opts["redial_window_min"] * 60.0, opts["repeat_window_days"] * 86_400.0)
    observed = interval_statistics(fit.log, *args) if fit.log is not None else report_statistics(fit.report, *args)
    sims = []
    with tempfile.TemporaryDirectory(prefix="simcenter-backtest-") as tmp:
        path = Path(tmp) / "trace.parquet"
        say(f"simulating {replications} replications of {demand.days} days")
        simulate(sc, trace=path)
        trace = pd.read_parquet(path)
    start = dt.date.fromisoformat(date_of(demand.first_day)) - dt.timedelta(days=sc.simulation.warmup_days)
    for r in range(replications):
        frame = log_frame_from_trace(trace, start, replication=r)
        if frame.empty:
            continue
        sims.append(interval_statistics(read_contact_log(frame), *args))
    del trace
    rows = []
    t = float(stats.t.ppf(0.975, max(len(sims) - 1, 1)))
    m = demand.interval_minutes
    for name, unit in STATISTICS.items():
        values = np.array([s[name].to_numpy() for s in sims])
        for i, k in enumerate(observed.index):
            col = values[:, i]
            col = col[np.isfinite(col)]
            obs = float(observed[name].iloc[i])
            if col.size < 2 or not math.isfinite(obs):
                rows.append((name, f"{k * m // 60:02d}:{k * m % 60:02d}", obs, float(col.mean()) if col.size else math.nan,
                             math.nan, math.nan, None, unit))
                continue
            mean, sd = float(col.mean()), float(col.std(ddof=1))
            half = t * sd * math.sqrt(1 + 1 / col.size)
            lo, hi = max(mean - half, 0.0), mean + half  # no statistic here is negative
            if unit == "fraction":
                hi = min(hi, 1.0)
            rows.append((name, f"{k * m // 60:02d}:{k * m % 60:02d}", obs, mean, lo, hi, bool(lo <= obs <= hi), unit))
    out = pd.DataFrame(rows, columns=list(BACKTEST_COLUMNS))
    out["inside"] = out["inside"].astype("boolean")  # <NA> where the data do not hold the statistic
    return out
