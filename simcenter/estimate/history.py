"""Customers' histories in a contact log: first contacts, redials and repeat contacts.

The same customer's contacts, in order, tell why each one happened:

* a **redial** follows the customer's own abandoned contact within the redial window
  (``redial_window_min``, 4 hours by default): they hung up and tried again;
* a **repeat** contact follows an answered contact of the same customer within the repeat
  window (``repeat_window_days``, 14 days by default), or, where the log has a case
  reference, one on the same case: failure demand, the customer is back because what they
  were told did not happen;
* every other contact is a **first** contact: a new need. Only first contacts are the
  arrival stream of a scenario; redials and repeats are made by the model.

From the histories come the redial probability and delay (a redial, in the model, follows
an abandonment with ``redial_prob`` after an exponential delay) and the repeat probability,
delay and the handling-time inflation of repeats (in the model, a broken promise noticed by
the customer). A customer's history runs to the end of the log, so the last hours and
days are *censored*: the chance of a redial or a repeat is estimated with the
Kaplan-Meier curve of the time to the customer's next contact, which counts each
contact only for as long as the log could have seen its sequel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .families import Z95, kaplan_meier
from .logs import ContactLog

__all__ = ["Histories", "classify", "FIRST", "REDIAL", "REPEAT", "Sequel", "sequel"]

FIRST, REDIAL, REPEAT = 0, 1, 2
KINDS = ("first", "redial", "repeat")


@dataclass
class Histories:
    """Each contact's kind (FIRST, REDIAL, REPEAT), the time to the same customer's next
    contact (NaN where none in the log) measured from the end of this one's wait
    (abandoned) or handling (answered), and where that window ends."""

    kind: np.ndarray  # int8
    next_gap: np.ndarray  # seconds from this contact's end to the customer's next arrival; NaN: none
    seen_for: np.ndarray  # seconds from this contact's end to the end of the log
    end: np.ndarray  # when the contact ended (abandoned: end of wait; answered: end of talk and wrap-up)


def classify(log: ContactLog, redial_window_s: float, repeat_window_s: float) -> Histories:
    """Sort out every contact of ``log`` (sorted by arrival) by its customer's history.

    A customer's history is the contacts they made: the center's callbacks
    (``direction = callback``) are neither a redial, nor a repeat, nor the next contact
    that follows one, so the inbound rows are classified among themselves; a callback
    row is left ``FIRST`` with no next contact (every estimate reads inbound rows only)."""
    handled = np.nan_to_num(log.talk) + (np.nan_to_num(log.wrapup) if log.wrapup is not None else 0.0)
    end = log.arrival + log.wait + np.where(log.answered, handled, 0.0)
    if log.callback is not None and log.callback.any():
        inbound = log.inbound
        kind = np.full(len(log), FIRST, np.int8)
        next_gap = np.full(len(log), np.nan)
        kind[inbound], next_gap[inbound] = _classify(log.take(inbound), end[inbound], redial_window_s, repeat_window_s)
    else:
        kind, next_gap = _classify(log, end, redial_window_s, repeat_window_s)
    return Histories(kind, next_gap, log.end - end, end)


def _classify(log: ContactLog, end: np.ndarray, redial_window_s: float, repeat_window_s: float) -> tuple:
    """Each contact's kind and the time from its end to its customer's next contact."""
    n = len(log)
    order = np.lexsort((log.arrival, log.customer))  # by customer, then time
    cust = log.customer[order]
    same_prev = np.zeros(n, bool)
    same_prev[1:] = cust[1:] == cust[:-1]
    prev = np.roll(order, 1)  # the contact before, in the sorted order
    kind = np.full(n, FIRST, np.int8)
    # gap from the previous contact's end to this one's arrival
    gap = np.where(same_prev, log.arrival[order] - end[prev], np.inf)
    prev_abandoned = same_prev & ~log.answered[prev]
    redial = prev_abandoned & (gap <= redial_window_s) & log.inbound[order]
    # a repeat: an answered contact of the customer before, within the window, not a redial;
    # the last answered contact's end is carried along the customer's run of contacts
    last_answer_end = np.where(log.answered[order], end[order], -np.inf)
    run_start = ~same_prev
    group = np.cumsum(run_start) - 1
    carried = _carry_max(last_answer_end, group)
    before = np.full(n, -np.inf)
    before[1:] = carried[:-1]
    before[run_start] = -np.inf
    repeat = ~redial & (log.arrival[order] - before <= repeat_window_s)
    if log.case is not None:
        case = log.case[order]
        same_case = np.zeros(n, bool)
        same_case[1:] = (case[1:] == case[:-1]) & (case[1:] != 0) & same_prev[1:]
        repeat |= ~redial & same_case
    k = np.where(redial, REDIAL, np.where(repeat, REPEAT, FIRST)).astype(np.int8)
    kind[order] = k
    # the customer's next contact, seen from each contact
    same_next = np.zeros(n, bool)
    same_next[:-1] = cust[:-1] == cust[1:]
    nxt = np.roll(order, -1)
    next_gap = np.full(n, np.nan)
    next_gap[order] = np.where(same_next, log.arrival[nxt] - end[order], np.nan)
    return kind, next_gap


def _carry_max(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Running maximum of ``values`` within each run of equal ``group``."""
    return pd.Series(values).groupby(group).cummax().to_numpy()


@dataclass(frozen=True)
class Sequel:
    """The chance that a contact is followed by the same customer's next contact within
    ``window_s``, from the Kaplan-Meier curve of the time to it (censored by the end of
    the log), with a 95% interval; and the delays seen."""

    n: int
    prob: float
    low: float
    high: float
    delays: np.ndarray  # seconds, the sequels seen within the window

    @property
    def mean_delay(self) -> float:
        return float(self.delays.mean()) if self.delays.size else math.nan


def sequel(gap: np.ndarray, seen_for: np.ndarray, window_s: float) -> Sequel:
    """P(next contact within ``window_s``) from gaps (NaN: no next contact in the log) and
    how long the log could see each contact's sequel."""
    gap = np.asarray(gap, float)
    seen = np.asarray(seen_for, float)
    n = gap.size
    if n == 0:
        return Sequel(0, math.nan, math.nan, math.nan, np.array([]))
    happened = np.isfinite(gap) & (gap <= np.minimum(seen, window_s)) & (gap >= 0)
    time = np.where(happened, gap, np.minimum(seen, window_s))
    t, s, se = kaplan_meier(np.maximum(time, 0.0), happened)
    if t.size == 0:
        p, half = 0.0, 0.0
        # no event: an upper bound by the rule of three, on contacts seen for the whole window
        full = int((seen >= window_s).sum())
        return Sequel(n, 0.0, 0.0, min(1.0, 3.0 / max(full, 1)), np.array([]))
    surv, err = float(s[-1]), float(se[-1])
    p = 1.0 - surv
    half = Z95 * err if math.isfinite(err) else 0.0
    return Sequel(n, p, max(0.0, p - half), min(1.0, p + half), gap[happened])
