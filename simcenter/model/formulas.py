"""The model's effects as pure functions, one place for each formula.

The engine applies these to one customer at a time; the failure-demand chain
(:mod:`simcenter.model.expectations`), on which the adjusted Erlang staffing and the work
estimate rest, applies the same functions in expectation. Both read the formula from here,
so the two cannot drift apart.

* **Anger decays** exponentially with half-life ``customers.anger_half_life_days``
  (:func:`anger_decay_per_s`).
* **An angry customer's talk time** is the calm talk time stretched by
  ``1 + resolution_anger_factor * A``, plus a de-escalation of
  ``min(deescalation_cap_s, E * deescalation_s_per_anger * A)`` seconds, ``E`` a standard
  exponential draw (:func:`angry_talk`); in expectation ``E[min(c, Exp(mean m))] = m (1 -
  exp(-c/m))`` (:func:`expected_angry_talk`).
* **An angry customer's patience** is divided by ``1 + patience_anger_factor * A``
  (:func:`patience_divisor`).
* **Handling time** is talk time times the agent's speed factor (1 for the plan's identical
  servers; above 1 for slow agents) plus the contact type's wrap-up (:func:`work_time`).
* **Noncompliance by day**: each contact type's ``noncompliance``, replaced on the days of an
  outage by the outage's (:func:`noncompliance_by_day`).
* **Recovery**: the chances of recovering a customer on a repeat contact
  (:func:`recovery_probabilities`).
"""

from __future__ import annotations

import math

from ..scenario import Customers, Recovery

__all__ = ["anger_decay_per_s", "angry_talk", "expected_angry_talk", "patience_divisor", "work_time", "noncompliance_by_day",
           "recovery_probabilities"]

_LN2 = math.log(2.0)


def anger_decay_per_s(customers: Customers) -> float:
    """The rate (per second) at which anger decays: ``ln 2 / half-life``."""
    return _LN2 / (customers.anger_half_life_days * 86_400.0)


def angry_talk(talk: float, anger: float, exp_draw: float, customers: Customers) -> float:
    """Talk time (s) of a customer with anger ``anger`` > 0 whose calm talk time is
    ``talk``, with ``exp_draw`` a standard exponential draw for the de-escalation.

    >>> from simcenter.scenario import Customers
    >>> c = Customers(resolution_anger_factor=0.1, deescalation_s_per_anger=30.0, deescalation_cap_s=600.0)
    >>> angry_talk(300.0, 2.0, 1.0, c)
    420.0
    """
    deescalation = min(customers.deescalation_cap_s, exp_draw * customers.deescalation_s_per_anger * anger)
    return talk * (1.0 + customers.resolution_anger_factor * anger) + deescalation


def expected_angry_talk(talk: float, anger: float, customers: Customers) -> float:
    """The mean of :func:`angry_talk` over the de-escalation draw, for a mean calm talk time
    ``talk`` (s); ``anger`` may be 0."""
    mean = customers.deescalation_s_per_anger * anger
    deescalation = mean * (1.0 - math.exp(-customers.deescalation_cap_s / mean)) if mean > 0 else 0.0
    return talk * (1.0 + customers.resolution_anger_factor * anger) + deescalation


def patience_divisor(anger: float, customers: Customers) -> float:
    """What an angry customer's patience is divided by: ``1 + patience_anger_factor * A``."""
    return 1.0 + customers.patience_anger_factor * anger


def work_time(talk: float, speed: float, wrapup: float) -> float:
    """Handling time (s) of a contact: talk time times the agent's speed factor, plus the
    wrap-up.

    >>> work_time(200.0, 1.5, 30.0)
    330.0
    """
    return talk * speed + wrapup


def noncompliance_by_day(scenario) -> list[list[float]]:
    """Noncompliance per run day (warm-up days first) and contact type: each type's
    ``noncompliance``, or an outage's on the days of ``promises.outages`` (counted from 1,
    the first day after the warm-up)."""
    base = [c.noncompliance for c in scenario.contact_types]
    table = [list(base) for _ in range(scenario.total_days)]
    warm = scenario.simulation.warmup_days
    for outage in scenario.promises.outages:
        for day in range(outage.start_day, outage.end_day + 1):
            index = warm + day - 1
            if 0 <= index < scenario.total_days:
                table[index] = [outage.noncompliance] * len(base)
    return table


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def recovery_probabilities(spec: Recovery, anger: float, morale: float = 1.0) -> tuple[float, float]:
    """(p_fix, p_concession) for one recovery attempt.

    ``p_fix`` is the chance of recovering the customer by ordinary means,
    ``logistic(base + training_weight * training + support_weight * support
    + morale_weight * (morale - 1) - anger_weight * anger)``; ``p_concession`` the chance,
    when that fails, that an empowered agent recovers them with a concession,
    ``empowerment * concession_success``. Overall success is
    ``p_fix + (1 - p_fix) * p_concession``.

    >>> from simcenter.scenario import Recovery
    >>> fix, concede = recovery_probabilities(Recovery(), anger=0.0)
    >>> round(fix, 3), concede
    (0.622, 0.0)
    >>> recovery_probabilities(Recovery(), anger=4.0)[0] < fix
    True
    """
    x = (
        spec.base
        + spec.training_weight * spec.training
        + spec.support_weight * spec.support
        + spec.morale_weight * (morale - 1.0)
        - spec.anger_weight * anger
    )
    return _logistic(x), spec.empowerment * spec.concession_success
