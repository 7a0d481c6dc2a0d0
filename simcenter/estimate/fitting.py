"""Fitting a scenario to a center's data: the entry point, :func:`fit`, and its result.

``fit(log)`` reads a contact log (:mod:`simcenter.estimate.logs`), sorts out each customer's
history (:mod:`simcenter.estimate.history`), fits the demand and calendar
(:mod:`simcenter.estimate.demand`), the customers' behaviour per contact type
(:mod:`simcenter.estimate.behaviour`) and the staffing seen (:mod:`simcenter.estimate.staffing`),
and writes the scenario (:mod:`simcenter.estimate.scenario_fit`). With ``backtest=True`` the
fitted scenario is simulated over the log's dates and compared with it
(:mod:`simcenter.estimate.backtest`). An interval report instead of a log goes through
:mod:`simcenter.estimate.intervals`.

The result, :class:`Fit`, holds the scenario (a :class:`simcenter.Scenario`), its TOML
text with a comment beside every fitted number, the estimates table (one row per
estimate: quantity, type, estimate, 95% interval, unit, n, fit statistic, the scenario
key it became), the backtest tables, and what could not be identified.
"""

from __future__ import annotations

import dataclasses
import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SimcenterError
from ..scenario import Scenario
from .behaviour import Behaviour, fit_behaviour, morning_spread
from .demand import DemandFit, fit_demand
from .history import FIRST, Histories, classify
from .logs import ContactLog, LogError, open_table, parse_columns, read_contact_log
from .scenario_fit import build_scenario, weekday_plans
from .staffing import staffing_from_agents

__all__ = ["Fit", "fit", "DEFAULTS", "ESTIMATE_COLUMNS"]

#: The options of :func:`fit`, their defaults and units (the command line's are the same).
DEFAULTS = {
    "interval_minutes": (30, "minutes", "length of the intervals the day is cut into; divides 1440"),
    "redial_window_min": (240.0, "minutes", "a contact within this long after the same customer's abandoned one is a redial"),
    "repeat_window_days": (14.0, "days", "a contact within this long after the same customer's answered one is a repeat"),
    "target_s": (20.0, "s", "the answer-time target of the service level (a log does not say it)"),
}
#: Columns of :attr:`Fit.estimates`.
ESTIMATE_COLUMNS = ("section", "quantity", "contact_type", "estimate", "low", "high", "unit", "n", "fit", "scenario_key", "note")


@dataclass
class Fit:
    """A fitted scenario and how it was found. ``scenario`` is what ``toml`` says."""

    scenario: Scenario
    toml: str
    estimates: pd.DataFrame
    assumed: list
    warnings: list
    source: str
    log: ContactLog | None = None
    histories: Histories | None = None
    demand: DemandFit | None = None
    behaviour: Behaviour | None = None
    staffing: np.ndarray | None = None
    backtest: pd.DataFrame | None = None
    options: dict = field(default_factory=dict)
    report: pd.DataFrame | None = None  # the interval report fitted (instead of a log)

    def __repr__(self) -> str:
        d = self.demand
        text = f"Fit({self.scenario.name!r} from {self.source}: {len(self.estimates)} estimates"
        if d is not None:
            text += f", {d.days} days, {d.calls_per_day:,.0f} first contacts/day"
        if self.backtest is not None:
            text += f", backtest {self.backtest_coverage():.0%} inside"
        return text + ")"

    def backtest_coverage(self) -> float:
        """Share of the backtest's observations inside their simulated 95% prediction interval."""
        if self.backtest is None:
            raise SimcenterError("no backtest: call fit(..., backtest=True)")
        b = self.backtest.dropna(subset=["observed", "low", "high"])
        return float(b["inside"].mean()) if len(b) else math.nan


def _option(name: str, value, low: float, high: float, integer: bool = False):
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)) \
        and math.isfinite(value) and low <= value <= high
    if integer:
        ok = ok and float(value).is_integer()
    if not ok:
        unit = DEFAULTS[name][1] if name in DEFAULTS else ""
        kind = "a whole number" if integer else "a number"
        flag = "--" + name.replace("_", "-")
        raise SimcenterError(f"{name} ({flag}): must be {kind} from {low:,.0f} to {high:,.0f} {unit}, got {value!r}".replace(" ,", ","))
    return int(value) if integer else float(value)


def _scenario_fields() -> set:
    from .. import scenario as sc

    out = set()
    for cls, prefix in ((sc.Calendar, "calendar"), (sc.Agents, "agents"), (sc.ContactType, "contact_types")):
        out |= {f"{prefix}.{f.name}" for f in dataclasses.fields(cls)}
    return out


def fit(data, *, columns=None, timezone: str | None = None, time_format: str | None = None, kind: str = "auto",
        interval_minutes: int = 30, redial_window_min: float = 240.0, repeat_window_days: float = 14.0,
        target_s: float = 20.0, name: str | None = None, seed: int = 1, backtest: bool = False,
        replications: int = 20, progress=None) -> Fit:
    """Fit a scenario to a contact log or an interval report.

    ``data`` is a path (CSV or Parquet) or a pandas DataFrame; ``columns`` maps
    simcenter's column names to the file's (``{"arrival": "call_start"}`` or
    ``"arrival=call_start,..."``); ``timezone`` is the center's (needed when timestamps
    carry UTC offsets); ``time_format`` a ``strftime`` format where timestamps are not ISO
    8601. ``kind`` is ``"log"``, ``"intervals"`` or ``"auto"`` (an ``offered`` column makes
    it an interval report). The windows and target are described in :data:`DEFAULTS`.
    ``backtest`` simulates the fitted scenario ``replications`` times over the data's dates
    and compares per interval of the day. ``progress(stage)`` is called as each stage starts.
    """
    interval_minutes = _option("interval_minutes", interval_minutes, 1, 1440, integer=True)
    if 1440 % interval_minutes:
        raise SimcenterError(f"interval_minutes: must divide a day of 1440 minutes (e.g. 15, 30, 60), got {interval_minutes}")
    redial_window_min = _option("redial_window_min", redial_window_min, 0, 7 * 1440)
    repeat_window_days = _option("repeat_window_days", repeat_window_days, 0, 365)
    target_s = _option("target_s", target_s, 0, 86_400)
    if backtest:
        replications = _option("replications", replications, 2, 1000, integer=True)
    seed = _option("seed", seed, 0, 2**63 - 1, integer=True)
    if kind not in ("auto", "log", "intervals"):
        raise SimcenterError(f"kind: must be 'auto', 'log' or 'intervals', got {kind!r}")
    say = progress or (lambda stage: None)
    mapping = parse_columns(columns)
    source, present, _ = open_table(data, "data")
    if kind == "auto":
        kind = "intervals" if mapping.get("offered", "offered") in present else "log"
    options = {"interval_minutes": interval_minutes, "redial_window_min": redial_window_min,
               "repeat_window_days": repeat_window_days, "target_s": target_s}
    label = Path(data).name if isinstance(data, (str, Path)) else "a DataFrame"
    # a file's name may hold anything a file system allows; a scenario's name holds no control characters
    name = name or ("".join(" " if unicodedata.category(c) == "Cc" else c for c in Path(data).stem).strip() or "fitted"
                    if isinstance(data, (str, Path)) else "fitted")
    if not isinstance(name, str) or not name.strip():
        raise SimcenterError(f"name: the fitted scenario's name is text, got {name!r}")
    name = name[:200]
    if kind == "intervals":
        from .intervals import fit_interval_report

        result = fit_interval_report(data, mapping, timezone, time_format, options, name, seed, label, say)
    else:
        say("reading the log")
        log = read_contact_log(data, mapping, timezone, time_format)
        result = _fit_log(log, options, name, seed, label, say)
    if backtest:
        from .backtest import run_backtest

        say("backtest")
        result.backtest = run_backtest(result, replications, seed, progress=say)
    return result


def _fit_log(log: ContactLog, options: dict, name: str, seed: int, label: str, say) -> Fit:
    if len(log) < 10:
        raise LogError(f"{log.source} has {len(log)} contacts; fitting needs at least 10 (and thousands for good estimates)")
    say("customer histories")
    W = options["redial_window_min"] * 60.0
    D = options["repeat_window_days"] * 86_400.0
    hist = classify(log, W, D)
    inbound = log.inbound
    first = (hist.kind == FIRST) & inbound
    if not first.any():
        raise LogError(f"{log.source}: no first contact (every contact follows an earlier one of its customer)")
    burn = history_burn_in(log, hist, D)
    say("demand and calendar")
    try:
        demand = fit_demand(log.arrival, first, log.ctype, log.type_names, inbound, options["interval_minutes"], burn)
    except ValueError as err:
        raise LogError(f"{log.source}: {err}") from None
    say("handling, patience, redials, repeats")
    beh = fit_behaviour(log, hist, W, D, burn)
    for t in beh.types:
        if t.handle_choice is None:
            raise LogError(f"{log.source}: contact type {t.name!r} has fewer than two answered first contacts with a talk time; "
                           "its handling time cannot be fitted")
    say("staffing")
    on, plan_note = None, ""
    if log.agent is not None and (log.agent >= 0).any():
        start = log.arrival + log.wait
        end = start + np.nan_to_num(log.talk) + (np.nan_to_num(log.wrapup) if log.wrapup is not None else 0.0)
        ans = log.answered
        on = staffing_from_agents(log.agent[ans], start[ans], end[ans], options["interval_minutes"], demand.first_day, demand.days)
        plans = weekday_plans(on, demand)
        plan_note = "agents seen handling contacts (spans cut at gaps over two intervals), mean over dates, rounded"
    else:
        plans = _erlang_plans(log, hist, demand, beh, options)
        plan_note = ("not in the log (no agent_id): the agents whose Erlang A service level, with the observed rate, "
                     "handling and patience, is closest to each interval's observed one")
    case_share = {}
    if log.case is not None:
        for i, tname in enumerate(log.type_names):
            sel = first & log.answered & (log.ctype == i)
            case_share[tname] = float((log.case[sel] != 0).mean()) if sel.any() else 0.0
    say("repeats held over the night")
    returns = _returns(log, hist, demand, beh, D)
    say("writing the scenario")
    text, assumed = build_scenario(name=name, source=label, demand=demand, beh=beh, plans=plans, plan_note=plan_note,
                                   target_s=options["target_s"], seed=seed, spread=morning_spread(log, hist, demand),
                                   returns=returns, has_case=log.case is not None, case_share=case_share,
                                   has_wrapup=log.wrapup is not None, options=options, fields=_scenario_fields())
    scenario = _valid(text, name, log.source)
    warnings = list(demand.warnings)
    if beh.callbacks:
        warnings.append(f"{beh.callbacks:,} callback rows are left out of arrivals and patience (their agents' time is counted)")
    from .estimates import estimates_table

    est = estimates_table(log, hist, demand, beh, options, on)
    return Fit(scenario, text, est, assumed, warnings, label, log, hist, demand, beh, on, None, options)


def _valid(text: str, name: str, source: str) -> Scenario:
    """The fitted scenario, or a one-line error naming the fitted value a scenario cannot hold."""
    from ..errors import ScenarioError

    try:
        return Scenario.from_toml(text, source="")
    except ScenarioError as err:
        raise LogError(f"{source}: the data give {err.field} a value no scenario can hold ({str(err).split(': ', 1)[-1]}); "
                       "check the data's units (seconds) and outliers") from None


def _returns(log: ContactLog, hist: Histories, demand: DemandFit, beh: Behaviour, window_s: float):
    """The notice delay and morning spread of repeats, the closed hours taken out
    (:func:`simcenter.estimate.deferral.fit_returns`)."""
    from .deferral import fit_returns

    sel = (hist.kind == FIRST) & log.answered & log.inbound & np.isfinite(hist.next_gap) & (hist.next_gap <= window_s)
    sel &= log.arrival >= demand.first_day * 86_400.0 + demand.burn_in_days * 86_400.0
    if sel.sum() < 30:
        return None
    shift = {i: float(t.repeat.delays.min()) for i, t in enumerate(beh.types) if t.repeat.delays.size}
    due = np.array([shift.get(int(c), 0.0) for c in log.ctype[sel]])
    return fit_returns(hist.end[sel], hist.next_gap[sel], due, demand)


def history_burn_in(log: ContactLog, hist: Histories, window_s: float) -> float:
    """When customers' histories are whole: a log starts in the middle of its customers'
    histories, so in its first days a repeat of a contact made before the log looks like a
    first contact (longer talk, shorter patience, not a new customer). First contacts are
    counted from the time by which 99% of the repeats seen in the log have come (from the
    log's first day), at most half the log; 0 where fewer than 30 repeats show."""
    answered = log.answered & log.inbound
    gaps = hist.next_gap[answered]
    delays = gaps[np.isfinite(gaps) & (gaps <= window_s)]
    if delays.size < 30:
        return 0.0
    span = log.end - log.first_day * 86_400.0
    return float(min(np.quantile(delays, 0.99), span / 2))


def _erlang_plans(log: ContactLog, hist: Histories, demand: DemandFit, beh: Behaviour, options: dict) -> dict:
    """Without agent ids: per weekday and interval, the agents whose Erlang A service level
    (with the observed offered rate, mean handling and patience) is closest to the one
    observed: an estimate of who was there, not a requirement, so not rounded up."""
    from ..planning import analytic

    m = options["interval_minutes"]
    day = (log.arrival // 86_400).astype(np.int64) - demand.first_day
    j = ((log.arrival % 86_400) // (m * 60)).astype(np.int64)
    inbound = log.inbound
    handled = np.nan_to_num(log.talk) + (np.nan_to_num(log.wrapup) if log.wrapup is not None else 0.0)
    aht = float(handled[log.answered].mean())
    patience = beh.patience.fits[0].mean if beh.patience is not None else None
    plans = {}
    for w, h in demand.hours.items():
        if not h:
            continue
        dates = np.array([d for d in range(demand.days) if demand.weekday_of(d) == w and demand.open_dates[d]])
        if dates.size == 0:
            continue
        on = inbound & np.isin(day, dates)  # the weekday's contacts, counted per interval once
        offered = np.bincount(j[on], minlength=1440 // m)
        in_target = np.bincount(j[on & log.answered & (log.wait <= options["target_s"])], minlength=1440 // m)
        plan = []
        for k in range(*demand.open_span):
            n = int(offered[k])
            if not h[0] <= k < h[1] or n == 0:
                plan.append(0)
                continue
            sl = float(in_target[k] / n)
            rate = n / dates.size / (m / 60.0)
            k_meet = int(analytic.staffing(rate, aht, options["target_s"], min(sl, 0.999), patience))
            # the agents that best explain the service seen: of the fewest meeting it and one fewer, the closer
            gaps = {n: abs(analytic.metrics(n, rate, aht, options["target_s"], patience).service_level - sl)
                    for n in (k_meet - 1, k_meet) if n >= 0}
            plan.append(min(gaps, key=gaps.get))
        plans[w] = plan
    return plans

