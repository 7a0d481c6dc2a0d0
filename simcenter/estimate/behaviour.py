"""Customers and their needs, per contact type: handling time, patience, redials, repeats.

Each estimate is made on the contacts the model's parameter describes:

* **handling time** (``handle_time``) on answered *first* contacts (a new need, a calm
  customer): the talk of redials and repeats may be inflated by anger and is kept apart;
  the ratio of repeats' mean talk to first contacts' is the *handling-time inflation* of
  failure demand. Wrap-up is its mean (the scenario's ``wrapup_s`` is a constant);
* **patience** on the waits of first contacts, censored where answered
  (:func:`simcenter.estimate.families.fit_patience`), beside the Kaplan-Meier curve and the
  naive mean of abandoners' waits;
* **redials** on every abandoned inbound contact: the chance that the customer's next
  contact comes within the redial window, and the delay;
* **repeats** on answered first contacts: the chance of another contact within the repeat
  window, and its delay from the end of the answered contact; the same after answered
  repeat contacts tells how often a repeat contact recovers the customer.

Where two types' patience or redial probability differ significantly (a likelihood-ratio
or chi-square test at 1%), the scenario gets one per type; otherwise the pooled estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .families import Z95, FamilyFit, choose, fit_durations, fit_patience, kaplan_meier
from .history import FIRST, REPEAT, Histories, Sequel, sequel
from .logs import ContactLog

__all__ = ["TypeFit", "Behaviour", "fit_behaviour", "MIN_ABANDONED"]

#: Fewest abandonments for a patience estimate, and fewest repeats for a delay or inflation.
MIN_ABANDONED = 30
MIN_REPEATS = 30


@dataclass
class PatienceFit:
    fits: list  # FamilyFit, exponential and log-normal
    choice: FamilyFit
    naive: float  # mean wait of abandoners
    km: tuple  # (times, survival, standard error)
    n: int
    abandoned: int


@dataclass
class TypeFit:
    name: str
    handle: list | None  # FamilyFit per family
    handle_choice: FamilyFit | None
    handle_zero: int  # answered first contacts with zero talk (left out of the fits)
    talk: np.ndarray  # answered first contacts' talk, seconds
    wrapup: tuple | None  # (mean, low, high, n)
    patience: PatienceFit | None
    redial: Sequel
    repeat: Sequel  # after answered first contacts
    inflation: tuple | None  # (ratio, low, high, n repeats)


@dataclass
class Behaviour:
    types: list  # TypeFit
    patience: PatienceFit | None  # pooled over types
    patience_p: float  # test of equal patience across types (nan: one type or too few)
    redial: Sequel  # pooled
    redial_p: float
    redial_delays: np.ndarray
    repeat: Sequel  # pooled, after answered first contacts
    repeat_again: Sequel  # after answered repeat contacts
    repeat_delays: np.ndarray
    repeat_patience: PatienceFit | None  # repeat callers' patience
    callbacks: int  # outbound rows (left out of arrivals and patience)


def _mean_interval(x: np.ndarray) -> tuple:
    n = x.size
    if n == 0:
        return (math.nan, math.nan, math.nan, 0)
    m = float(x.mean())
    half = Z95 * float(x.std(ddof=1)) / math.sqrt(n) if n > 1 else 0.0
    return (m, m - half, m + half, n)


def _patience(wait: np.ndarray, abandoned: np.ndarray) -> PatienceFit | None:
    """None where fewer than :data:`MIN_ABANDONED` callers abandoned after a wait (a wait of
    zero tells nothing of patience)."""
    if int((abandoned & (wait > 0)).sum()) < MIN_ABANDONED:
        return None
    try:
        fits = fit_patience(wait, abandoned)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    return PatienceFit(fits, choose(fits), float(wait[abandoned].mean()), kaplan_meier(wait, abandoned), int(wait.size),
                       int(abandoned.sum()))


def _ratio(a: np.ndarray, b: np.ndarray) -> tuple | None:
    """Mean of ``a`` / mean of ``b`` with a delta-method 95% interval."""
    if a.size < MIN_REPEATS or b.size < 2:
        return None
    ma, mb = float(a.mean()), float(b.mean())
    if ma <= 0 or mb <= 0:
        return None
    rel = math.sqrt(a.var(ddof=1) / a.size / ma**2 + b.var(ddof=1) / b.size / mb**2)
    r = ma / mb
    return (r, r * math.exp(-Z95 * rel), r * math.exp(Z95 * rel), int(a.size))


def fit_behaviour(log: ContactLog, hist: Histories, redial_window_s: float, repeat_window_s: float,
                  burn_in_s: float = 0.0) -> Behaviour:
    """Every estimate of the module's docstring; first contacts are those arriving
    ``burn_in_s`` or more after the log's first midnight (earlier ones may be repeats of
    contacts before the log; :func:`simcenter.estimate.fitting.history_burn_in`)."""
    inbound = log.inbound
    first = (hist.kind == FIRST) & inbound & (log.arrival >= log.first_day * 86_400.0 + burn_in_s)
    repeat = (hist.kind == REPEAT) & inbound
    abandoned = ~log.answered & inbound
    types = []
    waits, abds, groups = [], [], []
    for i, name in enumerate(log.type_names):
        t = log.ctype == i
        talk = log.talk[first & t & log.answered]
        zero = int((talk <= 0).sum())
        handle = fit_durations(talk) if (talk > 0).sum() >= 2 else None
        wrap = _mean_interval(log.wrapup[t & log.answered & inbound]) if log.wrapup is not None else None
        sel = first & t
        pat = _patience(log.wait[sel], ~log.answered[sel])
        waits.append(log.wait[sel])
        abds.append(~log.answered[sel])
        groups.append(i)
        red = sequel(hist.next_gap[abandoned & t], hist.seen_for[abandoned & t], redial_window_s)
        rep = sequel(hist.next_gap[first & t & log.answered], hist.seen_for[first & t & log.answered], repeat_window_s)
        infl = _ratio(log.talk[repeat & t & log.answered], talk)
        types.append(TypeFit(name, handle, choose(handle) if handle else None, zero, talk, wrap, pat, red, rep, infl))
    pooled = _patience(log.wait[first], ~log.answered[first])
    patience_p = math.nan
    if len(types) > 1 and all(t.patience is not None for t in types):
        # exponential patience per type against one for all: likelihood ratio
        ll = lambda w, a: -a.sum() * math.log(w.sum() / a.sum()) - a.sum()  # noqa: E731
        sep = sum(ll(w, a) for w, a in zip(waits, abds))
        one = ll(np.concatenate(waits), np.concatenate(abds))
        patience_p = float(stats.chi2.sf(2 * (sep - one), len(types) - 1))
    red = sequel(hist.next_gap[abandoned], hist.seen_for[abandoned], redial_window_s)
    redial_p = math.nan
    if len(types) > 1:
        table = np.array([[t.redial.prob * t.redial.n, (1 - t.redial.prob) * t.redial.n] for t in types if t.redial.n > 0])
        if table.shape[0] > 1 and (table.sum(axis=0) > 0).all():
            redial_p = float(stats.chi2_contingency(table)[1])
    rep = sequel(hist.next_gap[first & log.answered], hist.seen_for[first & log.answered], repeat_window_s)
    again = sequel(hist.next_gap[repeat & log.answered], hist.seen_for[repeat & log.answered], repeat_window_s)
    rep_pat = _patience(log.wait[repeat], ~log.answered[repeat])
    callbacks = int((~inbound).sum())
    return Behaviour(types, pooled, patience_p, red, redial_p, red.delays, rep, again, rep.delays, rep_pat, callbacks)


def morning_spread(log: ContactLog, hist: Histories, demand) -> tuple[float, int] | None:
    """How long after opening the repeats and redials held over from the night arrive:
    (minutes, n excess contacts), or None where no morning excess shows.

    Returns deferred overnight arrive uniformly over the first ``S`` minutes after
    opening (``calendar.next_day_spread_minutes``). On top of the day's own level of
    repeats and redials (the median count per interval from the fourth hour on), the
    excess per interval is flat over ``S`` and zero after it, so ``S`` = total excess /
    excess in the first interval x the interval's length."""
    m = demand.interval_minutes
    later = (hist.kind != FIRST) & log.inbound
    day = (log.arrival[later] // 86_400).astype(np.int64) - demand.first_day
    j = ((log.arrival[later] % 86_400) // (m * 60)).astype(np.int64)
    counts = np.zeros((demand.days, 1440 // m))
    ok = (day >= 0) & (day < demand.days)
    np.add.at(counts, (day[ok], j[ok]), 1)
    excess, n = [], 0
    for d in range(demand.days):
        h = demand.hours.get(demand.weekday_of(d))
        if not h or not demand.open_dates[d]:
            continue
        row = counts[d, h[0]:h[1]]
        head = max(1, int(240 // m))
        if row.size <= head + 2:
            continue
        excess.append(row[:head] - np.median(row[head:]))
    if not excess:
        return None
    e = np.mean(excess, axis=0)
    total = float(np.clip(e, 0, None).sum())
    if e[0] <= 0 or total <= 0:
        return None
    n = int(round(total * len(excess)))
    if n < 10:
        return None
    return min(total / e[0] * m, 1440.0), n
