"""An interval report: the ACD's table of one row per queue and interval.

Where a center has no contact log, its ACD still exports, per queue and half hour,
the contacts offered, answered and abandoned, those answered within the target, the
average handling time and the agents staffed (:data:`INTERVAL_COLUMNS`). Such a report
identifies less than a log:

* the arrival rates, profile and weekday factors, and the calendar, as from a log; but
  every offered contact counts as a first contact (redials and repeats cannot be told
  apart without customers), so the fitted scenario has no redials and no failure demand;
* the mean handling time per queue (the answered-weighted average of the AHT column),
  taken as exponential: a report of averages does not show the spread;
* patience by matching abandonment: the exponential mean patience for which the Erlang A
  formulas, with each interval's offered rate, handling time and agents, abandon as many
  callers as the report shows (needs the ``agents`` column);
* the staffing per weekday and interval from ``agents``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize

from .behaviour import Behaviour, PatienceFit, TypeFit
from .demand import fit_demand
from .families import Z95, FamilyFit
from .history import Sequel
from .logs import Columns, LogError, open_table, check_timezone

__all__ = ["INTERVAL_COLUMNS", "read_interval_report", "fit_interval_report"]

INTERVAL_COLUMNS = {
    "interval_start": ("start of the interval, a timestamp, local time", True),
    "queue": ("the queue or contact type (text); optional: absent, one queue, `all`", False),
    "offered": ("contacts offered in the interval (whole number >= 0)", True),
    "answered": ("contacts answered (<= offered)", True),
    "abandoned": ("contacts abandoned (answered + abandoned <= offered)", True),
    "answered_within_target": ("contacts answered within the service-level target (<= answered); optional", False),
    "aht_s": ("average handling time of the answered contacts, seconds (talk and wrap-up)", True),
    "agents": ("agents staffed in the interval (may be fractional: an average): each queue's own agents, or the center's "
               "repeated on every queue's row (taken once where all rows of an interval hold the same number)", True),
}
_EMPTY = np.array([])


def _counts(col: Columns, frame, key: str, row0: int) -> np.ndarray:
    v = col.number(frame, key, row0)
    frac = v != np.floor(v)
    if frac.any():
        raise col.fail(key, row0 + int(np.argmax(frac)), f"{v[np.argmax(frac)]:g} is not a whole number of contacts")
    return v


def read_interval_report(data, mapping: dict, timezone: str | None, time_format: str | None) -> pd.DataFrame:
    """The report as a checked DataFrame (interval start as local clock seconds)."""
    check_timezone(timezone)
    source, present, read = open_table(data, "interval report")
    col = Columns(source, mapping, time_format, timezone)
    missing = [k for k, (_, need) in INTERVAL_COLUMNS.items() if need and col.name(k) not in present]
    if missing:
        key = missing[0]
        raise LogError(f"{source}: no column {col.name(key)!r} ({INTERVAL_COLUMNS[key][0]}); columns found: {', '.join(present[:20])}; "
                       f"map yours with --columns {key}=YOUR_COLUMN")
    have = [k for k in INTERVAL_COLUMNS if col.name(k) in present]
    parts = []
    for row0, frame in read(sorted({col.name(k) for k in have})):
        if len(frame) == 0:
            continue
        out = {"start": col.times(frame, "interval_start", row0)}
        out["queue"] = col.text(frame, "queue", row0).to_numpy() if "queue" in have else np.full(len(frame), "all", object)
        for key in ("offered", "answered", "abandoned"):
            out[key] = _counts(col, frame, key, row0)
        bad = out["answered"] > out["offered"]
        if bad.any():
            i = int(np.argmax(bad))
            raise col.fail("answered", row0 + i, f"{out['answered'][i]:g} answered exceeds {out['offered'][i]:g} offered")
        bad = out["answered"] + out["abandoned"] > out["offered"]
        if bad.any():
            i = int(np.argmax(bad))
            raise col.fail("abandoned", row0 + i, f"{out['answered'][i]:g} answered + {out['abandoned'][i]:g} abandoned exceed "
                                                  f"{out['offered'][i]:g} offered")
        if "answered_within_target" in have:
            out["within"] = _counts(col, frame, "answered_within_target", row0)
            bad = out["within"] > out["answered"]
            if bad.any():
                i = int(np.argmax(bad))
                raise col.fail("answered_within_target", row0 + i, f"{out['within'][i]:g} exceeds {out['answered'][i]:g} answered")
        aht = col.number(frame, "aht_s", row0, needed=out["answered"] > 0)
        out["aht"] = np.where(out["answered"] > 0, aht, np.nan)
        bad = (out["answered"] > 0) & ~(out["aht"] > 0)
        if bad.any():
            i = int(np.argmax(bad))
            raise col.fail("aht_s", row0 + i, f"{out['aht'][i]:g} s with {out['answered'][i]:g} answered; answered contacts take time")
        if "agents" in have:
            out["agents"] = col.number(frame, "agents", row0)
            bad = (out["answered"] > 0) & ~(out["agents"] > 0)
            if bad.any():
                i = int(np.argmax(bad))
                raise col.fail("agents", row0 + i, f"{out['agents'][i]:g} agents with {out['answered'][i]:g} answered contacts")
        parts.append(pd.DataFrame(out))
    if not parts:
        raise LogError(f"{source} has a header but no rows")
    return pd.concat(parts, ignore_index=True)


def _patience_by_abandonment(cells: pd.DataFrame, aht: float, interval_s: float) -> tuple[float, float, float] | None:
    """Exponential mean patience whose Erlang A abandonment matches the report's, with a
    95% interval from the Poisson spread of the abandoned count. ``cells`` has, per date
    and interval, the contacts ``offered`` and ``abandoned``, the ``agents`` and the
    ``expected`` offered count of the fitted rates: the formulas take the fitted rate,
    not the count seen, which would bias patience upward (abandonment is convex in the
    rate)."""
    from ..planning import analytic

    rows = cells[(cells["offered"] > 0) & (cells["expected"] > 0)]
    if rows.empty or rows["abandoned"].sum() < 10:
        return None
    lam = (rows["expected"] / interval_s * 3600.0).to_numpy()
    n = np.maximum(np.round(rows["agents"].to_numpy()).astype(int), 0)
    offered = rows["offered"].to_numpy()
    target = float(rows["abandoned"].sum())
    # the formulas depend on (agents, rate) only: evaluate each distinct pair once
    pairs = pd.DataFrame({"n": n, "lam": np.round(lam, 6), "o": offered}).groupby(["n", "lam"])["o"].sum()

    def expected(theta: float) -> float:
        return float(sum(o * analytic.erlang_a_metrics(int(k), float(l), aht, theta, 0.0).abandon_rate for (k, l), o in pairs.items()))

    def solve(goal: float) -> float:
        f = lambda log_t: expected(math.exp(log_t)) - goal  # noqa: E731  (abandonment falls as patience grows)
        lo, hi = math.log(1.0), math.log(1e6)
        if f(lo) < 0 or f(hi) > 0:
            return math.nan
        return math.exp(optimize.brentq(f, lo, hi, xtol=1e-4))

    half = Z95 * math.sqrt(target)
    return solve(target), solve(target + half), solve(max(target - half, 1.0))


def _center_agents(rep: pd.DataFrame, d, k) -> pd.Series:
    """The center's agents per (date, interval): the report's figure taken once where every
    queue's row of the interval repeats it, summed where each queue has its own."""
    frame = pd.DataFrame({"d": np.asarray(d), "k": np.asarray(k), "a": rep["agents"].fillna(0).to_numpy(),
                          "q": rep["queue"].to_numpy()})
    g = frame.groupby(["d", "k"])["a"]
    same = (g.nunique() == 1) & (g.size() > 1)
    return g.sum().where(~same, g.first())


def fit_interval_report(data, mapping, timezone, time_format, options, name, seed, label, say):
    from .fitting import Fit, _scenario_fields
    from .scenario_fit import build_scenario

    say("reading the interval report")
    rep = read_interval_report(data, mapping, timezone, time_format)
    m = options["interval_minutes"]
    width = m * 60.0
    starts = np.unique(rep["start"])
    step = np.diff(starts)
    if step.size and (np.min(step) < width - 1e-6 or np.any(np.abs(step / width - np.round(step / width)) > 1e-6)):
        raise LogError(f"interval report {label!r}: its intervals are not {m} minutes apart; give --interval-minutes as in the report")
    for wider in (k for k in range(2 * m, 1441, m) if 1440 % k == 0):
        if step.size and not np.any(np.abs(starts % (wider * 60.0) - starts[0] % (wider * 60.0)) > 1e-6):
            raise LogError(f"interval report {label!r}: every interval starts {wider} minutes after the one before it or more, "
                           f"not {m}; give --interval-minutes {wider} (the report's own intervals)")
        break
    dup = rep.duplicated(subset=["start", "queue"], keep="first").to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        raise LogError(f"interval report {label!r}: row {i + 1} repeats the queue {rep['queue'].iloc[i]!r} and interval of an "
                       "earlier row; each queue has one row per interval")
    names = list(dict.fromkeys(rep["queue"]))
    code = {q: i for i, q in enumerate(names)}
    rows = rep[rep["offered"] > 0]
    if rows.empty:
        raise LogError(f"interval report {label!r}: no interval has an offered contact")
    arrival = rows["start"].to_numpy() + width / 2  # each row stands for its offered contacts
    ctype = rows["queue"].map(code).to_numpy().astype(np.int16)
    ones = np.ones(arrival.size, bool)
    say("demand and calendar")
    try:
        demand = fit_demand(arrival, ones, ctype, names, ones, m, weight=rows["offered"].to_numpy(float))
    except ValueError as err:
        raise LogError(f"interval report {label!r}: {err}") from None
    types = []
    for q in names:
        r = rep[(rep["queue"] == q) & (rep["answered"] > 0)]
        n = int(r["answered"].sum())
        if n < 2:
            raise LogError(f"interval report {label!r}: queue {q!r} has fewer than two answered contacts; its handling time cannot be fitted")
        mean = float((r["aht"] * r["answered"]).sum() / n)
        half = Z95 / math.sqrt(n)
        h = FamilyFit("exponential", n, n, mean, mean * math.exp(-half), mean * math.exp(half), 1.0, 1.0, 1.0, math.nan, 1, math.nan)
        types.append(TypeFit(q, [h], h, 0, _EMPTY, None, None, Sequel(0, math.nan, math.nan, math.nan, _EMPTY),
                             Sequel(0, math.nan, math.nan, math.nan, _EMPTY), None))
    say("patience from abandonment (Erlang A)")
    pooled, why = None, "fewer than 10 abandonments: patience cannot be estimated, callers never abandon"
    if "agents" in rep.columns:
        aht_all = float((rep["aht"].fillna(0) * rep["answered"]).sum() / max(rep["answered"].sum(), 1))
        d = (rep["start"] // 86_400).astype(np.int64) - demand.first_day
        k = ((rep["start"] % 86_400) // width).astype(np.int64)
        cells = rep.assign(d=d, k=k).groupby(["d", "k"])[["offered", "abandoned"]].sum()
        cells["agents"] = _center_agents(rep, d.to_numpy(), k.to_numpy())
        cells = cells.reset_index()
        cells["expected"] = demand.expected[cells["d"].to_numpy(), cells["k"].to_numpy()]
        found = _patience_by_abandonment(cells, aht_all, width)
        if found is not None and not math.isfinite(found[0]):
            why = ("no mean patience from 1 s to 11 days makes Erlang A abandon as many callers as the report: check the "
                   "agents column (the center's agents, or each queue's?); callers never abandon in this scenario")
        if found is not None and math.isfinite(found[0]):
            th, lo, hi = found
            f = FamilyFit("exponential", int(rep["offered"].sum()), int(rep["abandoned"].sum()), th,
                          lo if math.isfinite(lo) else math.nan, hi if math.isfinite(hi) else math.nan, 1.0, 1.0, 1.0, math.nan, 1, math.nan)
            pooled = PatienceFit([f], f, math.nan, (_EMPTY, _EMPTY, _EMPTY), f.n, f.events)
    beh = Behaviour(types, pooled, math.nan, Sequel(0, math.nan, math.nan, math.nan, _EMPTY), math.nan, _EMPTY,
                    Sequel(0, math.nan, math.nan, math.nan, _EMPTY), Sequel(0, math.nan, math.nan, math.nan, _EMPTY), _EMPTY, None, 0)
    plans, note = None, ""
    if "agents" in rep.columns:
        on = np.zeros((demand.days, 1440 // m))
        day = (rep["start"] // 86_400).astype(np.int64).to_numpy() - demand.first_day
        j = ((rep["start"] % 86_400) // width).astype(np.int64).to_numpy()
        per = _center_agents(rep, day, j)
        for (d, k), a in per.items():
            if 0 <= d < demand.days:
                on[d, k] = a
        from .scenario_fit import weekday_plans

        plans = weekday_plans(on, demand)
        note = "the report's agents staffed, mean over dates, rounded"
    else:
        raise LogError(f"interval report {label!r}: no column {mapping.get('agents', 'agents')!r} (agents staffed); the staffing, "
                       "and patience from abandonment, need it")
    say("writing the scenario")
    text, assumed = build_scenario(name=name, source=label, demand=demand, beh=beh, plans=plans, plan_note=note,
                                   target_s=options["target_s"], seed=seed, spread=None, has_case=False, case_share={},
                                   has_wrapup=False, options=options, fields=_scenario_fields(), report=True, no_patience=why)
    if pooled is None:
        warnings_extra = [why]
    else:
        warnings_extra = []
    assumed = ["redials and repeat contacts: an interval report does not show customers, so every offered contact is a first contact",
               "handling time: exponential with the report's mean (a report of averages does not show the spread)",
               "patience: exponential, its mean chosen so that Erlang A abandons as many callers as the report shows", *assumed]
    from .fitting import _valid

    scenario = _valid(text, name, f"interval report {label!r}")
    rows = [("arrivals", "offered contacts", "", float(rep["offered"].sum()), math.nan, math.nan, "contacts", int(len(rep)), "", "", ""),
            ("arrivals", "first contacts per open day", "", demand.calls_per_day, demand.calls_low, demand.calls_high, "contacts/day",
             demand.n_first, f"dispersion {demand.dispersion:.3f}", "arrivals.calls_per_day", "every offered contact counted as first")]
    for t in types:
        h = t.handle_choice
        rows.append(("handling", "handling time (AHT), exponential: mean", t.name, h.mean, h.mean_low, h.mean_high, "s", h.n, "",
                     f"contact_types.{t.name}.handle_time.mean_s", "answered-weighted AHT"))
    if pooled is not None:
        c = pooled.choice
        rows.append(("patience", "patience by Erlang A abandonment, exponential: mean", "", c.mean, c.mean_low, c.mean_high, "s", c.n,
                     "", "patience.mean_s", f"{c.events:,} abandoned"))
    from .fitting import ESTIMATE_COLUMNS

    est = pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))
    return Fit(scenario, text, est, assumed, list(demand.warnings) + warnings_extra, label, None, None, demand, beh, on, None,
               options, rep)
