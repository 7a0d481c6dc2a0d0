"""Synthetic contact logs: a simcenter run written as a center's contact log.

A planner without data of their own can try ``simcenter fit`` on the log of a simulated
center, and the tests check that fitting recovers the scenario that made it. The trace of
a run (:mod:`simcenter.output.trace`, one row per contact) holds everything a contact log
does; this module turns one replication of it into the documented log format
(:data:`simcenter.estimate.logs.LOG_COLUMNS`): timestamps on a calendar starting at a given
date, contacts that reached the center only (those lost or deferred while it was closed,
and callers still waiting when the run ended, are left out, as an ACD log leaves them
out), and by default without the warm-up days, since a real log starts in the middle of a
center's history.

The center's callbacks are contacts its agents handle, so the log has them too, as a
center's dialler logs them: ``direction = callback``, one row per attempt, at the moment the
agent dialled (no wait), ``answered`` where the customer was reached (with the talk and
wrap-up) and ``abandoned`` where not. Their ``contact_id`` is the promising contact's with
the attempt (``"17-callback-1"``), so that every row's is its own.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd


__all__ = ["log_frame_from_trace", "default_start", "REACHED"]

#: Outcomes of contacts that reached the queue, the ones an ACD logs.
REACHED = ("answered", "abandoned")
#: The date day 0 of a synthetic log falls on, moved forward to the scenario's first weekday.
BASE_DATE = dt.date(2026, 1, 5)  # a Monday


def default_start(scenario) -> dt.date:
    """The date of day 0 (the first warm-up day) of ``scenario`` on a calendar: its
    ``calendar.start_date`` if it has one, else the first date from 2026-01-05 on with its
    first weekday."""
    start = getattr(scenario.calendar, "start_date", None)
    if start:
        return dt.date.fromisoformat(start)
    shift = (scenario.weekday(0) - BASE_DATE.weekday()) % 7
    return BASE_DATE + dt.timedelta(days=shift)


def log_frame_from_trace(trace: pd.DataFrame, start: dt.date | str, replication: int = 0, warmup: bool = False) -> pd.DataFrame:
    """One replication of a run's trace as a contact log (a DataFrame in the documented
    columns, ``arrival`` as timestamps). ``start`` is the date of the run's day 0;
    ``warmup`` keeps the warm-up days' contacts."""
    start = dt.date.fromisoformat(start) if isinstance(start, str) else start
    t = trace[trace["replication"] == replication]
    callback = (t["direction"] == "callback").to_numpy(bool) if "direction" in t else np.zeros(len(t), bool)
    keep = t["outcome"].isin(REACHED).to_numpy(bool) | callback
    if not warmup:
        keep &= ~t["warmup"].astype(bool).to_numpy()
    t, callback = t[keep], callback[keep]
    origin = pd.Timestamp(start)
    outcome = t["outcome"].astype(str).to_numpy()
    answered = (outcome == "answered") | (outcome == "reached")
    agent = t["agent"].to_numpy()
    ids = t["contact_id"].astype(str).to_numpy(dtype=object)
    if callback.any():
        ids[callback] = ids[callback] + "-callback-" + t["attempt"].astype(str).to_numpy(dtype=object)[callback]
    return pd.DataFrame({
        "contact_id": ids,
        "customer_id": t["customer_id"].to_numpy(),
        "arrival": origin + pd.to_timedelta(np.round(t["arrival_s"].to_numpy(), 3), unit="s"),
        "contact_type": t["contact_type"].astype(str).to_numpy(),
        "outcome": np.where(answered, "answered", "abandoned"),
        "wait_s": np.where(callback, 0.0, np.round(t["wait_s"].to_numpy(float), 3)),
        "talk_s": np.where(answered, np.round(t["talk_s"].to_numpy(float), 3), np.nan),
        "wrapup_s": np.where(answered, np.round(t["wrapup_s"].to_numpy(float), 3), np.nan),
        "agent_id": np.where(agent >= 0, agent.astype(str), ""),
        "direction": np.where(callback, "callback", "inbound"),
    }).reset_index(drop=True)


def interval_report_from_trace(trace: pd.DataFrame, scenario, start: dt.date | str, replication: int = 0,
                               warmup: bool = False) -> pd.DataFrame:
    """One replication of a run as an ACD interval report (the columns of
    :data:`simcenter.estimate.intervals.INTERVAL_COLUMNS`), one row per queue and interval
    in which the center was open, with the agents of the scenario's plan."""
    from ..model.calendar import Timeline

    start = dt.date.fromisoformat(start) if isinstance(start, str) else start
    tl = Timeline.from_scenario(scenario)
    t = trace[(trace["replication"] == replication) & trace["outcome"].isin(REACHED)]
    if not warmup:
        t = t[~t["warmup"].astype(bool)]
    k = (t["day"] * tl.intervals_per_day + t["interval"]).to_numpy()
    target = scenario.service_level.target_s
    answered = (t["outcome"] == "answered").to_numpy()
    frame = pd.DataFrame({"k": k, "queue": t["contact_type"].to_numpy(), "offered": 1, "answered": answered.astype(int),
                          "abandoned": (~answered).astype(int), "within": (answered & (t["wait_s"].to_numpy() <= target)).astype(int),
                          "handled": np.where(answered, t["talk_s"].to_numpy(float) + t["wrapup_s"].to_numpy(float), 0.0)})
    g = frame.groupby(["k", "queue"], sort=True).sum()
    first = 0 if warmup else tl.warmup_intervals
    queues = [c.name for c in scenario.contact_types]
    idx = pd.MultiIndex.from_product([[kk for kk in range(first, tl.n_intervals) if tl.is_open[kk]], queues], names=["k", "queue"])
    g = g.reindex(idx, fill_value=0).reset_index()
    origin = pd.Timestamp(start)
    with np.errstate(invalid="ignore", divide="ignore"):
        aht = np.where(g["answered"] > 0, g["handled"] / g["answered"].clip(lower=1), np.nan)
    staffing = np.asarray(tl.staffing)
    return pd.DataFrame({
        "interval_start": origin + pd.to_timedelta(g["k"].to_numpy() * tl.interval_s, unit="s"),
        "queue": g["queue"].to_numpy(), "offered": g["offered"].to_numpy(), "answered": g["answered"].to_numpy(),
        "abandoned": g["abandoned"].to_numpy(), "answered_within_target": g["within"].to_numpy(), "aht_s": np.round(aht, 3),
        # the agents serve every queue: each queue's row carries its share of them by offered load
        "agents": staffing[g["k"].to_numpy()] / len(queues),
    })
