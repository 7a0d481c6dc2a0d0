"""The estimates table: every estimate of a fit, one row each, as a DataFrame.

Columns (:data:`simcenter.estimate.fitting.ESTIMATE_COLUMNS`): ``section`` (arrivals,
calendar, handling, patience, redials, repeats, staffing, service), ``quantity``,
``contact_type`` (empty for all types), ``estimate``, ``low`` and ``high`` (its 95%
interval, NaN where none), ``unit``, ``n`` (the observations it rests on), ``fit`` (a
fit statistic: AIC, Kolmogorov-Smirnov distance, dispersion), ``scenario_key`` (the
scenario parameter it became, empty if none) and ``note``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..schema import WEEKDAYS
from .behaviour import MIN_REPEATS, Behaviour
from .demand import DemandFit, clock, pvalue
from .families import choose, fit_durations
from .history import FIRST, REDIAL, REPEAT, Histories
from .logs import ContactLog

__all__ = ["estimates_table"]

NAN = math.nan


def estimates_table(log: ContactLog, hist: Histories, demand: DemandFit, beh: Behaviour, options: dict,
                    staffing=None) -> pd.DataFrame:
    from .fitting import ESTIMATE_COLUMNS

    rows = []

    def add(section, quantity, estimate, low=NAN, high=NAN, unit="", n=0, fit="", key="", note="", ctype=""):
        rows.append((section, quantity, ctype, float(estimate), float(low), float(high), unit, int(n), fit, key, note))

    m = demand.interval_minutes
    inbound = log.inbound
    kinds = np.bincount(hist.kind[inbound], minlength=3)
    add("arrivals", "contacts in the log", len(log), n=len(log), unit="contacts")
    for k, label in ((FIRST, "first contacts"), (REDIAL, "redials"), (REPEAT, "repeat contacts")):
        add("arrivals", label, kinds[k], n=len(log), unit="contacts", note="by customer history")
    add("arrivals", "first contacts per open day", demand.calls_per_day, demand.calls_low, demand.calls_high, "contacts/day",
        demand.n_used, f"dispersion {demand.dispersion:.3f} (p {pvalue(demand.dispersion_p)})",
        "arrivals.calls_per_day", "Poisson maximum likelihood; interval widened by the dispersion where above 1")
    for name, (p, lo, hi, n) in demand.shares.items():
        add("arrivals", "share of first contacts", p, lo, hi, "fraction", n, "", f"contact_types.{name}.share", ctype=name)
        add("arrivals", "first contacts per open day", demand.calls_per_day * p, demand.calls_low * lo, demand.calls_high * hi,
            "contacts/day", n, note="calls per day x share", ctype=name)
    for i, (p, lo, hi) in enumerate(zip(demand.profile, demand.profile_low, demand.profile_high)):
        k = demand.open_span[0] + i
        add("arrivals", f"profile {clock(k * m)}", p, lo, hi, "share of the day", int(demand.counts[:, k].sum()), "",
            "arrivals.profile")
    for w, f in enumerate(demand.day_of_week):
        if demand.hours.get(w):
            add("arrivals", f"day-of-week factor {WEEKDAYS[w]}", f, unit="factor", n=int(sum(demand.open_dates[d] for d in range(demand.days) if demand.weekday_of(d) == w)),
                fit=f"test of weekday factors: p {pvalue(demand.dow_p)}", key="arrivals.day_of_week",
                note="kept" if f != 1.0 or math.isnan(demand.dow_p) or demand.dow_p < 0.01 else "not significant: 1")
    for w in range(7):
        h = demand.hours.get(w)
        add("calendar", f"hours {WEEKDAYS[w]}", (h[1] - h[0]) * m / 60.0 if h else 0.0, unit="h", key="calendar.hours",
            note=f"{clock(h[0] * m)}-{clock(h[1] * m)}" if h else "closed")
    for d in demand.closed_dates:
        add("calendar", "closed date", 0.0, key="calendar.closed_dates", note=d)
    for t in beh.types:
        for f in t.handle or []:
            chosen = f is t.handle_choice
            add("handling", f"talk time, first contacts, {f.family}: mean", f.mean, f.mean_low, f.mean_high, "s", f.n,
                f"AIC {f.aic:,.1f}; KS {f.ks:.4f}", f"contact_types.{t.name}.handle_time.mean_s" if chosen else "",
                "chosen" if chosen else "", t.name)
            add("handling", f"talk time, first contacts, {f.family}: cv", f.cv, f.cv_low, f.cv_high, "-", f.n, "",
                f"contact_types.{t.name}.handle_time.cv" if chosen and f.family != "exponential" else "", "chosen" if chosen else "", t.name)
        if t.handle_zero:
            add("handling", "answered first contacts with no talk", t.handle_zero, unit="contacts", note="left out of the fits", ctype=t.name)
        rep_talk = log.talk[(log.ctype == log.type_names.index(t.name)) & (hist.kind == REPEAT) & log.answered & inbound]
        if (rep_talk > 0).sum() >= MIN_REPEATS:
            r = choose(fit_durations(rep_talk))
            add("handling", f"talk time, repeat contacts, {r.family}: mean", r.mean, r.mean_low, r.mean_high, "s", r.n,
                f"AIC {r.aic:,.1f}; KS {r.ks:.4f}", "", "best family by AIC", t.name)
        if t.inflation:
            add("handling", "repeats' talk / first contacts'", t.inflation[0], t.inflation[1], t.inflation[2], "ratio", t.inflation[3],
                key="customers.resolution_anger_factor", note="the handling-time inflation of failure demand", ctype=t.name)
        if t.wrapup:
            add("handling", "wrap-up mean", t.wrapup[0], t.wrapup[1], t.wrapup[2], "s", t.wrapup[3], key=f"contact_types.{t.name}.wrapup_s", ctype=t.name)
    for label, pat, ctype in [("all", beh.patience, "")] + [(t.name, t.patience, t.name) for t in beh.types if len(beh.types) > 1]:
        if pat is None:
            add("patience", "abandonments too few to estimate", 0.0, note="fewer than 30", ctype=ctype)
            continue
        for f in pat.fits:
            chosen = f is pat.choice
            add("patience", f"patience, censored ML, {f.family}: mean", f.mean, f.mean_low, f.mean_high, "s", f.n,
                f"AIC {f.aic:,.1f}; KM gap {f.ks:.4f}", "patience.mean_s" if chosen and not ctype else "",
                ("chosen; " if chosen else "") + f"{f.events:,} abandoned", ctype)
        add("patience", "naive mean of abandoners' waits", pat.naive, unit="s", n=pat.abandoned,
            note="biased: keeps only the impatient", ctype=ctype)
        t_km, s_km, _ = pat.km
        below = np.flatnonzero(s_km <= 0.5)
        median = float(t_km[below[0]]) if below.size else NAN
        add("patience", "Kaplan-Meier median", median, unit="s", n=pat.n,
            note="not reached: fewer than half abandon within the longest wait" if math.isnan(median) else "", ctype=ctype)
    if not math.isnan(beh.patience_p):
        add("patience", "test of equal patience across types", beh.patience_p, unit="p-value",
            note="one patience per type where this is below 0.01")
    for label, red, ctype in [("all", beh.redial, "")] + [(t.name, t.redial, t.name) for t in beh.types if len(beh.types) > 1]:
        add("redials", f"redial probability within {options['redial_window_min']:g} min", red.prob, red.low, red.high, "probability",
            red.n, "Kaplan-Meier, censored by the log's end", "patience.redial_prob" if not ctype else "", ctype=ctype)
    if beh.redial_delays.size:
        add("redials", "redial delay mean", float(beh.redial_delays.mean()), unit="s", n=beh.redial_delays.size,
            key="patience.redial_delay_mean_s")
    for label, rep, ctype in [("all", beh.repeat, "")] + [(t.name, t.repeat, t.name) for t in beh.types if len(beh.types) > 1]:
        add("repeats", f"repeat probability within {options['repeat_window_days']:g} days of an answered first contact", rep.prob,
            rep.low, rep.high, "probability", rep.n, "Kaplan-Meier, censored by the log's end",
            f"contact_types.{ctype}.noncompliance" if ctype else "", "= promise_prob x noncompliance x return_prob", ctype)
    add("repeats", "repeat probability after an answered repeat", beh.repeat_again.prob, beh.repeat_again.low, beh.repeat_again.high,
        "probability", beh.repeat_again.n, key="recovery.base",
        note="where below the above: 1 - this / the above is the recovery chance; else not identified")
    for t in beh.types:
        d = t.repeat.delays
        if d.size:
            add("repeats", "delay to a repeat: shortest", float(d.min()) / 3600, unit="h", n=d.size,
                key=f"contact_types.{t.name}.promise_due", note="shifted-exponential fit: the shift", ctype=t.name)
            add("repeats", "delay to a repeat: mean", float(d.mean()) / 3600, unit="h", n=d.size, ctype=t.name)
    if beh.repeat_patience is not None and beh.patience is not None:
        r = beh.repeat_patience.fits[0]
        add("patience", "repeat callers' patience, censored ML, exponential: mean", r.mean, r.mean_low, r.mean_high, "s", r.n,
            key="customers.patience_anger_factor", note=f"{r.events:,} abandoned; first callers' / this - 1 = the factor")
    if beh.repeat_delays.size:
        d = beh.repeat_delays
        add("repeats", "delay to a repeat: mean", float(d.mean()) / 3600, unit="h", n=d.size)
        add("repeats", "delay to a repeat: shortest", float(d.min()) / 3600, unit="h", n=d.size,
            note="all types together")
    if staffing is not None:
        from .scenario_fit import weekday_plans

        lo = demand.open_span[0]
        for w, plan in weekday_plans(staffing, demand).items():
            dates = int(sum(demand.open_dates[d] and demand.weekday_of(d) == w for d in range(demand.days)))
            for i, agents in enumerate(plan):
                if agents:
                    add("staffing", f"agents on duty {WEEKDAYS[w]} {clock((lo + i) * m)}", agents, unit="agents", n=dates,
                        key="agents.staffing", note="seen handling contacts; mean over dates, rounded")
    served = inbound & log.answered
    n_in = int(inbound.sum())
    add("service", "answered", served.sum() / max(n_in, 1), unit="fraction", n=n_in)
    add("service", f"answered within {options['target_s']:g} s", (served & (log.wait <= options["target_s"])).sum() / max(n_in, 1),
        unit="fraction", n=n_in, key="service_level.target_s")
    if served.any():
        add("service", "average speed of answer", float(log.wait[served].mean()), unit="s", n=int(served.sum()))
    return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))
