"""What the model implies in expectation: the chain of contacts one first contact brings.

After contact ``j`` of a customer a promise is made with probability ``q_j`` (the type's
``promise_prob``; on a repeat contact with recovery on, ``1 - S(A_j)``, the chance the
recovery fails), broken with ``b`` (the noncompliance, averaged over the reported days with
outages; for callbacks ``(1 - reach_prob)^max_attempts``), noticed and answered by a repeat
contact with ``return_prob`` unless the anger ``A_{j+1} = A_j d + anger_per_broken_promise``
reaches ``churn_anger`` (``d`` is the anger's decay over the mean due and notice delays).
Contact ``j`` takes the expected angry talk time plus wrap-up, and its caller's patience
(the contact type's, :mod:`simcenter.model.patience`) is divided by the anger's divisor
(:mod:`simcenter.model.formulas`, the engine's own formulas); the mean patience over the
chain is the one with the contacts' mean abandonment hazard. A callback promise also costs
the agents its attempts (each reaches the customer with ``reach_prob``: talk and wrap-up,
else ``attempt_s``), counted as part of the handling of the contact that made it.

The adjusted Erlang staffing (:func:`simcenter.planning.staffing.adjusted_plan`) feeds this
load to Erlang A; the work estimate (:mod:`simcenter.model.budget`) bounds a run with it.
Queueing is left out: it is what the queue formulas add on top. So is the calendar: the
chain counts contacts per first contact whichever day they fall on (a repeat contact due
while the center is closed follows ``calendar.after_hours`` in the engine; here it is
counted as if it came when open), so opening hours, holidays and per-weekday plans
(:mod:`simcenter.hours`) enter only through the rates and staffing the callers of this
module apply it to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..scenario import Scenario
from .formulas import expected_angry_talk, noncompliance_by_day, patience_divisor, recovery_probabilities, work_time
from .patience import classes, mean_s as patience_mix_mean

__all__ = ["FailureDemand", "failure_demand", "mean_noncompliance", "patience_mean_s"]


def patience_mean_s(scenario: Scenario) -> float | None:
    """Callers' mean patience (s), None when they never hang up. With contact types that
    have their own patience, that of the mix by the share-weighted abandonment hazard
    (:func:`simcenter.model.patience.mean_s`): ``1 / sum_i share_i / mean_i``."""
    mean = patience_mix_mean(classes(scenario))
    return None if mean == math.inf else mean


@dataclass(frozen=True)
class FailureDemand:
    """What one first contact brings, in expectation (see the module's description)."""

    contacts: float  # contacts per first contact (the first one included), before redials
    handle_s: float  # mean handling time over those contacts
    patience_s: float | None  # mean patience over those contacts (None: no abandonment)
    by_type: dict = field(default_factory=dict)  # type -> (contacts, handle_s)


def _mean_delay_h(delay) -> float:
    return delay.mean_h


def mean_noncompliance(scenario: Scenario, type_index: int) -> float:
    """A contact type's noncompliance averaged over the reported days, outages included."""
    table = noncompliance_by_day(scenario)[scenario.simulation.warmup_days:]
    return float(np.mean([day[type_index] for day in table])) if table else scenario.contact_types[type_index].noncompliance


def failure_demand(scenario: Scenario, max_repeats: int = 50) -> FailureDemand:
    """Expected contacts, handling and patience per first contact, from the promise
    chain of every contact type (see the module's description for the equations)."""
    cust, rec = scenario.customers, scenario.recovery
    patience = patience_mean_s(scenario) if not scenario.has_type_patience else None
    half_life_h = cust.anger_half_life_days * 24.0
    total_contacts = total_handle = total_patience_rate = 0.0
    by_type = {}
    for k, c in enumerate(scenario.contact_types):
        if c.promise_kind == "callback":
            broken = (1.0 - scenario.callbacks.reach_prob) ** scenario.callbacks.max_attempts
            notice_h = _mean_delay_h(scenario.promises.callback_notice_delay)
        else:
            broken = mean_noncompliance(scenario, k)
            notice_h = _mean_delay_h(scenario.promises.notice_delay)
        decay = 2.0 ** (-(_mean_delay_h(c.promise_due) + notice_h) / half_life_h)
        talk, wrap = c.handle_time.mean, c.wrapup_s
        callback_work = 0.0  # expected agent time a callback promise costs (every attempt)
        if c.promise_kind == "callback":
            r, cb = scenario.callbacks.reach_prob, scenario.callbacks
            callback_work = sum((1.0 - r) ** k * (r * (talk + wrap) + (1.0 - r) * cb.attempt_s) for k in range(cb.max_attempts))
        if scenario.has_type_patience:  # the type's own callers' patience (or [patience])
            spec = scenario.patience_of(k)
            patience = None if spec.dist == "none" else spec.mean_s
        reach, anger = 1.0, 0.0  # probability that contact j happens; anger at it
        contacts = handle = patience_rate = 0.0
        for j in range(max_repeats + 1):
            contacts += reach
            handle += reach * work_time(expected_angry_talk(talk, anger, cust), 1.0, wrap)
            if patience is not None:
                patience_rate += reach * patience_divisor(anger, cust) / patience
            if j > 0 and rec.enabled:
                fix, concede = recovery_probabilities(rec, anger)
                promise = 1.0 - (fix + (1.0 - fix) * concede)
            else:
                promise = c.promise_prob
            handle += reach * promise * callback_work  # counted as part of the contact that promised it
            anger = anger * decay + cust.anger_per_broken_promise
            if anger >= cust.churn_anger:
                break
            reach *= promise * broken * scenario.promises.return_prob
            if reach < 1e-9:
                break
        by_type[c.name] = (contacts, handle / contacts)
        total_contacts += c.share * contacts
        total_handle += c.share * handle
        total_patience_rate += c.share * patience_rate
    if scenario.has_type_patience:
        mean_patience = total_contacts / total_patience_rate if total_patience_rate > 0 else None
    else:
        mean_patience = None if patience is None else total_contacts / total_patience_rate
    return FailureDemand(total_contacts, total_handle / total_contacts, mean_patience, by_type)
