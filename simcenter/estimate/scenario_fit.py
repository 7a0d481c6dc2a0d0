"""From the estimates to a scenario: which parameter each estimate becomes.

:func:`build_scenario` writes the fitted scenario's TOML (through
:class:`simcenter.estimate.writer.ScenarioText`, a comment beside every number) from the
demand (:mod:`simcenter.estimate.demand`), the customers' behaviour per type
(:mod:`simcenter.estimate.behaviour`) and the staffing seen; :mod:`simcenter.estimate.writer`
says what a log identifies and what is assumed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import numpy as np

from ..schema import WEEKDAYS
from .behaviour import MIN_REPEATS, Behaviour
from .demand import DemandFit, clock, date_of, pvalue
from .writer import ScenarioText, ci

__all__ = ["build_scenario", "weekday_plans", "MIN_REPEAT_EVENTS"]

#: Fewest repeats seen for failure demand to enter the scenario.
MIN_REPEAT_EVENTS = 10
_TRAINING, _SUPPORT, _TRAINING_W, _SUPPORT_W = 0.5, 0.5, 2.0, 1.0


def _r(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def weekday_plans(on: np.ndarray, demand: DemandFit) -> dict:
    """Rounded mean agents per interval of the open span, per open weekday."""
    lo, hi = demand.open_span
    plans = {}
    for w, h in demand.hours.items():
        if not h:
            continue
        rows = [d for d in range(demand.days) if demand.weekday_of(d) == w and demand.open_dates[d]]
        if not rows:
            continue
        mean = on[rows].mean(axis=0)
        plan = [int(round(v)) if h[0] <= j < h[1] else 0 for j, v in zip(range(lo, hi), mean[lo:hi])]
        plans[w] = plan
    return plans


def _delay_fit(delays: np.ndarray) -> tuple[float, float]:
    """Shifted exponential by maximum likelihood: (shift, mean excess), seconds."""
    shift = float(delays.min())
    return shift, float(delays.mean()) - shift


def build_scenario(*, name: str, source: str, demand: DemandFit, beh: Behaviour, plans: dict | None, plan_note: str,
                   target_s: float, seed: int, spread, has_case: bool, returns=None, case_share: dict, has_wrapup: bool, options: dict,
                   fields: set, report: bool = False, no_patience: str | None = None) -> tuple[str, list[str]]:
    """(TOML text, what was assumed) of the fitted scenario."""
    assumed = [] if report else [
        "contacts made while the center was closed are not in a log: after_hours = next_day holds over the repeats and "
        "redials the model makes at night",
        "failure demand: the log shows only promise_prob x noncompliance x return_prob per type; return_prob is 1",
        "recovery: only its overall chance shows (training, support and empowerment are not told apart; anger_weight 0)",
        "anger: repeats' longer talk and shorter patience are written for one unit of anger (resolution_anger_factor, "
        "patience_anger_factor); anger from waiting, churn (churn_anger) and callbacks' promises are not in a log",
        f"service_level.target_s is the {target_s:g} s given to fit: a log does not say the center's target",
    ]
    first_date = date_of(demand.first_day)
    last_date = date_of(demand.first_day + demand.days - 1)
    repeats_seen = beh.repeat.delays.size
    with_repeats = repeats_seen >= MIN_REPEAT_EVENTS
    warmup = 7 if with_repeats else 1
    out = ScenarioText([
        f"Fitted by `simcenter fit` from {source}",
        f"{demand.days} days of contacts, {first_date} to {last_date}; {demand.n_first:,} first contacts.",
        "Every fitted number says where it came from: n (observations), the estimate's 95% CI or fit statistic.",
        "Options: " + ", ".join(f"{k} = {v}" for k, v in options.items()),
    ])
    out.top("name", name)
    out.top("description", f"Fitted from {source} ({first_date} to {last_date})")
    out.section("simulation")
    out.put("days", 14, "a fortnight reported; change freely")
    out.put("warmup_days", warmup, "a week, so that promises made before the reported days come due" if with_repeats else None)
    out.put("replications", 10)
    out.put("seed", seed)
    out.put("interval_minutes", demand.interval_minutes, "as the log was cut")

    out.section("calendar")
    span = demand.open_span
    m = demand.interval_minutes
    out.put("open", clock(span[0] * m), "the earliest opening seen: contacts on at least half of a weekday's dates")
    out.put("close", clock(span[1] * m), "the latest closing seen")
    out.put("weekdays", demand.weekdays, "weekdays with contacts on most of their dates")
    differ = {WEEKDAYS[w]: f"{clock(h[0] * m)}-{clock(h[1] * m)}" for w, h in demand.hours.items() if h and tuple(h) != tuple(span)}
    if differ and "calendar.hours" in fields:
        out.put("hours", differ, "weekdays whose own hours are shorter than open-close")
    elif differ:
        assumed.append(f"weekdays with shorter hours ({', '.join(differ)}) are open {clock(span[0] * m)}-{clock(span[1] * m)} "
                       "in this scenario format")
    start = dt.date.fromisoformat(first_date) - dt.timedelta(days=warmup)
    if "calendar.start_date" in fields:
        out.put("start_date", start.isoformat(), f"the log's first date, {first_date}, less the warm-up")
    else:
        out.put("start_weekday", WEEKDAYS[start.weekday()], f"the log's first date, {first_date}, less the warm-up")
    if demand.closed_dates and "calendar.closed_dates" in fields:
        out.put("closed_dates", demand.closed_dates, "dates of open weekdays with almost no contacts (under a tenth of the weekday's median)")
    elif demand.closed_dates:
        assumed.append(f"closed dates {', '.join(demand.closed_dates)} are not written (this scenario format has no closed dates)")
    out.put("after_hours", "next_day", "a repeat or redial the model makes while closed comes back after the next opening "
            "(contacts made while closed are not in a log)")
    if returns is not None:
        out.put("next_day_spread_minutes", _r(returns[1], 3), "repeats noticed while closed arrive over this long after the "
                "next opening: fitted with the notice delay to the repeats' delays and how soon after opening they come")
    elif spread is not None:
        out.put("next_day_spread_minutes", _r(spread[0], 3), f"the morning's excess of repeats and redials, n = {spread[1]:,}, "
                "arrives over this long after opening")
    else:
        out.put("next_day_spread_minutes", 60.0, "no morning excess of repeats and redials seen: not identified")

    out.section("arrivals")
    out.put("calls_per_day", _r(demand.calls_per_day, 6),
            (f"offered contacts per open day (an interval report: all counted as first contacts), n = {demand.n_used:,}" if report
             else f"first contacts per open day, n = {demand.n_used:,}")
            + (f" (from day {demand.burn_in_days + 1} on: earlier ones may repeat contacts before the log)" if demand.burn_in_days else "")
            + "; "
            + ci(demand.calls_per_day, demand.calls_low, demand.calls_high) + f"; Poisson dispersion {demand.dispersion:.2f}")
    out.put("profile", [_r(p, 5) for p in demand.profile],
            f"share of a day's first contacts per {m}-minute interval from {clock(span[0] * m)} (Poisson maximum likelihood)")
    if any(f != 1.0 for f in demand.day_of_week):
        out.put("day_of_week", {WEEKDAYS[w]: _r(f, 4) for w, f in enumerate(demand.day_of_week) if f != 1.0 and demand.hours.get(w)},
                f"weekday factors, significant (likelihood ratio p {pvalue(demand.dow_p)})")
    elif not math.isnan(demand.dow_p):
        out.note(f"day_of_week: no weekday differs significantly (likelihood ratio p {pvalue(demand.dow_p)}); all 1")

    per_type_patience = ("contact_types.patience" in fields and len(beh.types) > 1 and not math.isnan(beh.patience_p)
                         and (beh.patience_p < 0.01 or (not math.isnan(beh.redial_p) and beh.redial_p < 0.01)))
    q_all = beh.repeat.prob if beh.repeat.n else 0.0
    again = beh.repeat_again
    q2 = again.prob if again.n >= MIN_REPEATS else q_all
    broken = max(q_all, q2)  # the chance a promise is broken and the customer comes back
    shift_all, excess_all = _delay_fit(beh.repeat_delays) if with_repeats else (0.0, 0.0)
    shifts, excess = {}, []
    for t in beh.types:
        if t.repeat.delays.size >= MIN_REPEATS:
            shifts[t.name], e = _delay_fit(t.repeat.delays)
            excess.append((e, t.repeat.delays.size))
    if excess:
        excess_all = sum(e * n for e, n in excess) / sum(n for _, n in excess)
    for t in beh.types:
        share = demand.shares[t.name]
        out.section("contact_types", array=True)
        out.put("name", t.name)
        out.put("share", _r(share[0], 6), f"n = {share[3]:,} first contacts; " + ci(*share[:3]))
        if t.handle_choice is None:
            raise ValueError(f"contact type {t.name!r} has fewer than two answered first contacts with talk time; "
                             "its handling time cannot be fitted")
        h = t.handle_choice
        fam = {"exponential": {"dist": "exponential", "mean_s": _r(h.mean)},
               "lognormal": {"dist": "lognormal", "mean_s": _r(h.mean), "cv": _r(min(h.cv, 20.0))},
               "gamma": {"dist": "gamma", "mean_s": _r(h.mean), "cv": _r(min(h.cv, 20.0))}}[h.family]
        if len(t.handle) > 1:
            aics = ", ".join(f"{f.family} {f.aic - min(g.aic for g in t.handle):+.0f}" for f in t.handle)
            out.put("handle_time", fam, f"answered first contacts, n = {h.n:,}; mean " + ci(h.mean, h.mean_low, h.mean_high, " s")
                    + f"; cv {h.cv:.3g}; KS {h.ks:.3f}; AIC vs best: {aics}")
        else:
            out.put("handle_time", fam, f"answered contacts, n = {h.n:,}; mean " + ci(h.mean, h.mean_low, h.mean_high, " s")
                    + "; exponential: the data show no spread")
        if has_wrapup and t.wrapup and t.wrapup[3]:
            out.put("wrapup_s", _r(t.wrapup[0]), f"mean after-contact work, n = {t.wrapup[3]:,}; " + ci(*t.wrapup[:3], " s"))
        else:
            out.put("wrapup_s", 0.0, "not in the data: the handling time above includes it" if report else "not in the log")
        seen = t.repeat.delays.size
        if with_repeats and seen:
            q = t.repeat.prob
            share_case = case_share.get(t.name) if has_case else None
            if share_case:
                pp, nc = share_case, min(1.0, q / share_case)
                why = "share of answered first contacts that opened a case"
            else:
                pp, nc = (1.0, q) if q >= broken else (q / broken, broken)
                why = ("not identified apart from noncompliance: every answered contact promises" if pp == 1.0 else
                       f"not identified: the repeat chance {q:.3g} / {broken:.3g}, the chance an answered repeat comes back "
                       "(the most a broken promise can give, see [recovery])")
            shift = shifts.get(t.name, shift_all)
            out.put("promise_prob", _r(pp), why)
            out.put("promise_kind", "fulfilment", "callbacks' promises are not told apart in a log")
            out.put("promise_due", {"dist": "deterministic", "mean_h": _r(shift / 3600.0)},
                    f"the shortest delay to a repeat, n = {seen:,} repeats (shifted-exponential fit)")
            out.put("noncompliance", _r(min(max(nc, 0.0), 1.0)),
                    f"the chance of a repeat within {options['repeat_window_days']:g} days of an answered first contact, n = "
                    f"{t.repeat.n:,}: " + ci(q, t.repeat.low, t.repeat.high) + f" = promise_prob {_r(pp, 3):g} x noncompliance "
                    f"{_r(nc, 3):g} x return_prob 1; only the product is identified")
        else:
            out.put("promise_prob", 0.0, "not identified from an interval report (no customers): no failure demand" if report else
                    f"{seen} repeats seen within {options['repeat_window_days']:g} days: no failure demand fitted")
        if per_type_patience:
            _patience_table(out, t.patience, t.redial, beh, inline=True)

    out.section("patience", comment="every caller's patience and redials (pooled over types)" if not per_type_patience else
                "pooled over types; each type has its own (contact_types.*.patience): they differ significantly")
    _patience_table(out, beh.patience, beh.redial, beh, inline=False, no_patience=no_patience)

    out.section("agents")
    if plans:
        common = Counter(demand.weekday_of(d) for d in range(demand.days) if demand.open_dates[d] and demand.weekday_of(d) in plans)
        base_w = max(common, key=lambda w: (common[w], -w))
        dates = common[base_w]
        out.put("staffing", plans[base_w], f"{plan_note}; {WEEKDAYS[base_w]}'s plan, n = {dates} date{'s' if dates != 1 else ''}")
        base = plans[base_w]
        lo = demand.open_span[0]

        def differs(w: int) -> bool:  # by more than rounding, within the weekday's own hours
            h = demand.hours[w]
            return any(abs(plans[w][j - lo] - base[j - lo]) > 1 for j in range(h[0], h[1]))

        others = {WEEKDAYS[w]: p for w, p in plans.items() if w != base_w and differs(w)}
        if others and "agents.staffing_by_weekday" in fields:
            out.section("agents.staffing_by_weekday", comment="weekdays whose plan differs by more than one agent somewhere "
                        "in their hours; the others work the plan above")
            for wd, plan in others.items():
                out.put(wd, plan)
        elif others:
            assumed.append("weekday staffing plans differ, and this scenario format has one plan: the most common weekday's")
    out.section("service_level")
    out.put("target_s", float(target_s), "the answer-time target given to `fit` (a log does not say it)")

    if with_repeats:
        out.section("promises")
        if returns is not None:
            out.put("notice_delay", {"dist": "exponential", "mean_h": _r(max(returns[0], 1.0) / 3600.0)},
                    f"n = {repeats_seen:,} repeats: the mean that, with the due times above and the center's closed hours "
                    f"(a repeat noticed while closed comes after the next opening), gives the repeats' mean delay, "
                    f"{beh.repeat_delays.mean() / 3600:.3g} h")
        else:
            out.put("notice_delay", {"dist": "exponential", "mean_h": _r(max(excess_all, 1.0) / 3600.0)},
                    f"the mean excess over the shortest delay to a repeat, n = {repeats_seen:,}")
        out.put("return_prob", 1.0, "not identified apart from noncompliance: a customer who does not come back is not in the log")
        out.section("customers")
        out.put("anger_per_broken_promise", 1.0, "the unit the two factors below are measured in")
        out.put("anger_per_wait_min", 0.0, "not identified from a log")
        infl = _pooled_inflation(beh)
        if infl is not None:
            out.put("resolution_anger_factor", _r(max(infl[0] - 1.0, 0.0)),
                    f"repeats' mean talk / first contacts' = {ci(*infl[:3])}, n = {infl[3]:,} answered repeats")
        else:
            out.put("resolution_anger_factor", 0.0, f"fewer than {MIN_REPEATS} answered repeats: no inflation fitted")
        out.put("deescalation_s_per_anger", 0.0, "set to zero: the inflation above holds the whole effect")
        if beh.repeat_patience is not None and beh.patience is not None:
            ratio = beh.patience.fits[0].mean / beh.repeat_patience.fits[0].mean
            out.put("patience_anger_factor", _r(max(ratio - 1.0, 0.0)),
                    f"first callers' / repeat callers' mean patience (exponential, censored) = {ratio:.3g}, "
                    f"n = {beh.repeat_patience.abandoned:,} repeat abandonments")
        else:
            out.put("patience_anger_factor", 0.0, "fewer than 30 repeat callers abandoned: not fitted")
        out.put("churn_anger", 4.0, "not identified: customers who leave are not in the log")
        out.section("recovery")
        if again.n >= MIN_REPEATS and broken > 0:
            p = min(max(1.0 - again.prob / broken, 1e-9), 0.999)
            base = math.log(p / (1 - p)) - (_TRAINING * _TRAINING_W + _SUPPORT * _SUPPORT_W)
            out.put("enabled", True, "a repeat contact that is not recovered makes a new promise")
            seen = (f"recovery chance 1 - {again.prob:.3g} / {broken:.3g} = {p:.3g}" if p > 1e-3 else
                    f"not identified: answered repeats come back ({again.prob:.3g}) at least as often as answered first "
                    f"contacts ({q_all:.3g}), which a log shows when few first contacts make promises; the scenario assumes no "
                    "recovery and lowers promise_prob instead")
            out.put("base", _r(min(max(base, -20.0), 20.0)),
                    f"{seen} (a repeat after an answered repeat, n = {again.n:,}), at the training and support below")
            out.put("training", _TRAINING)
            out.put("support", _SUPPORT)
            out.put("training_weight", _TRAINING_W)
            out.put("support_weight", _SUPPORT_W)
            out.put("anger_weight", 0.0, "not identified from a log")
            out.put("empowerment", 0.0, "not identified from a log")
        else:
            out.put("enabled", False, f"fewer than {MIN_REPEATS} answered repeats: recovery not fitted")
    return out.text(), assumed


def _pooled_inflation(beh: Behaviour):
    num = [t.inflation for t in beh.types if t.inflation is not None]
    if not num:
        return None
    n = sum(x[3] for x in num)
    r = sum(x[0] * x[3] for x in num) / n
    lo = sum(x[1] * x[3] for x in num) / n
    hi = sum(x[2] * x[3] for x in num) / n
    return (r, lo, hi, n)


def _patience_table(out: ScenarioText, pat, red, beh: Behaviour, inline: bool, no_patience: str | None = None) -> None:
    table: dict = {}
    notes = []
    if pat is None:
        table["dist"] = "none"
        notes.append(no_patience or "fewer than 30 abandonments: patience cannot be estimated, callers never abandon")
    else:
        c = pat.choice
        table["dist"] = c.family
        table["mean_s"] = _r(c.mean)
        if c.family == "lognormal":
            table["cv"] = _r(min(c.cv, 20.0))
        if math.isnan(pat.naive):  # an interval report: abandonment matched by Erlang A
            notes.append(f"exponential, mean {ci(c.mean, c.mean_low, c.mean_high, ' s')}: Erlang A abandons as many of the "
                         f"{pat.n:,} offered contacts as the report ({pat.abandoned:,})")
        else:
            others = ", ".join(f"{f.family} AIC {f.aic - c.aic:+.0f}" for f in pat.fits if f is not c)
            notes.append(f"censored maximum likelihood, n = {c.n:,} waits ({c.events:,} abandoned; waits of zero tell nothing of "
                     "patience); mean "
                         + ci(c.mean, c.mean_low, c.mean_high, " s") + f"; KM gap {c.ks:.3f}; {others}; "
                         f"the naive mean of abandoners' waits, {pat.naive:,.0f} s, is biased low")
    if red.n and red.delays.size:
        table["redial_prob"] = _r(red.prob)
        table["redial_delay_mean_s"] = _r(float(red.delays.mean()))
        notes.append(f"redials: n = {red.n:,} abandonments, " + ci(red.prob, red.low, red.high)
                     + f"; mean delay {red.delays.mean():,.0f} s over {red.delays.size:,} redials")
    else:
        table["redial_prob"] = 0.0
        notes.append("no redial seen" if red.n else "redials: not identified from these data")
    if inline:
        out.put("patience", table, "; ".join(notes))
        return
    for n in notes:
        out.note(n)
    for k, v in table.items():
        out.put(k, v)
