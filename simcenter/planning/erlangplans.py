"""Staffing by formula: the service-level target, each open interval's first-contact rate,
and the two plans a planner can compute without simulating.

(a) **Erlang** (:func:`erlang_plan`): each open interval on its own, as if it were a
    stationary queue: first contacts at the interval's rate, the nominal handling time
    (talk + wrap-up, averaged over contact types), and Erlang A with the mean patience
    (Erlang C when callers never abandon). What a planner's spreadsheet does. When contact
    types have their own patience, Erlang A takes one patience for the mix: the one whose
    abandonment rate is the share-weighted mean of the types' rates, ``1 / sum_i share_i /
    mean_i`` (a type whose callers never hang up counts with rate 0; see
    :mod:`simcenter.model.patience`). The line holds more patient callers than arrive, so
    where the types' patiences differ much this overstates abandonment a little.

(b) **Adjusted Erlang** (:func:`adjusted_plan`): the same formula fed with the load the
    scenario's failure demand implies: :func:`simcenter.model.expectations.failure_demand`
    follows a customer's chain of contacts (promises made, broken, noticed, answered by a
    repeat contact, with the anger each carries, by the engine's own formulas in
    :mod:`simcenter.model.formulas`). That gives contacts per first contact, their mean
    handling and mean patience. Then a
    fixed point couples the load and the staffing: abandoned callers redial with
    ``redial_prob``, so the offered rate is ``λ_0 / (1 - redial_prob · P_ab(n))`` with
    ``P_ab(n)`` Erlang A's at the staffing ``n`` it implies (with per-type patience, the mean
    patience over the chain by the contacts' mean abandonment hazard, and the
    ``redial_prob`` of those who abandon: the types' weighted by share times hazard);
    starting from plan (a), the
    staffing is recomputed until it no longer changes (it can only grow, so this ends).
    Repeat contacts are assumed to follow the intraday shape of first contacts.

Plans cover the open intervals of the widest day (``calendar.open`` to ``calendar.close``)
and apply to every open day. Each interval's rate is averaged over the reported days on
which that interval is open (weekday factors included; a Friday closing at 13:00 leaves the
afternoon intervals to the other days, a holiday counts for none); an interval no reported
day opens gets no agents. The simulated plan (c) starts from plan (b):
:mod:`simcenter.planning.simplan`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import analytic
from ..errors import SimcenterError
from ..model.expectations import failure_demand, patience_mean_s
from ..model.patience import classes as patience_classes, redial_prob as mix_redial_prob
from ..scenario import Scenario

__all__ = ["Target", "first_contact_rates", "erlang_plan", "adjusted_plan"]


@dataclass(frozen=True)
class Target:
    """A service-level target: ``level`` of contacts answered within ``answer_s``
    seconds, and optionally at most ``max_abandon`` of them abandoning."""

    level: float
    answer_s: float
    max_abandon: float | None = None

    def __post_init__(self):
        if not 0.0 < self.level < 1.0:
            raise SimcenterError(f"target level must be in (0, 1), got {self.level!r}")
        if not 0.0 <= self.answer_s <= 86_400.0:
            raise SimcenterError(f"target answer time must be in [0, 86400] s, got {self.answer_s!r}")
        if self.max_abandon is not None and not 0.0 < self.max_abandon < 1.0:
            raise SimcenterError(f"max_abandon must be in (0, 1), got {self.max_abandon!r}")

    def __str__(self) -> str:
        text = f"{self.level:g}/{self.answer_s:g}"
        return text + (f", abandonment <= {self.max_abandon:g}" if self.max_abandon is not None else "")


# -- inputs every method shares ------------------------------------------------------


def _reported_open_days(scenario: Scenario) -> list[int]:
    first = scenario.simulation.warmup_days
    return [d for d in range(first, scenario.total_days) if scenario.is_open_day(d)]


def _open_days_by_interval(scenario: Scenario) -> list[list[int]]:
    """Per open interval of the widest day: the reported days on which it is open."""
    days = _reported_open_days(scenario)
    spans = {d: scenario.open_intervals_on(d) for d in days}
    return [[d for d in days if j in spans[d]] for j in scenario.open_intervals]


def first_contact_rates(scenario: Scenario) -> np.ndarray:
    """First-contact arrival rate (contacts/hour) per open interval of the widest day,
    averaged over the reported days on which the interval is open (weekday factors
    included); 0 for an interval no reported day opens."""
    days = _reported_open_days(scenario)
    if not days:
        raise SimcenterError("the scenario has no open day after the warm-up to staff")
    factors = [float(np.mean([scenario.arrivals.day_of_week[scenario.weekday(d)] for d in on])) if on else 0.0
               for on in _open_days_by_interval(scenario)]
    return np.asarray(scenario.open_rates_per_hour(), dtype=float) * np.asarray(factors)


def _staff(calls_per_hour: float, aht_s: float, patience_s: float | None, target: Target) -> int:
    if calls_per_hour <= 0.0:
        return 0
    return analytic.staffing(calls_per_hour, aht_s, target.answer_s, target.level, patience_s, target.max_abandon)


# -- (a) Erlang per interval ------------------------------------------------------------


def erlang_plan(scenario: Scenario, target: Target) -> list[int]:
    """(a) Erlang A (or C) per interval on first contacts and nominal handling."""
    handle, patience = scenario.nominal_handle_s, patience_mean_s(scenario)
    return [_staff(rate, handle, patience, target) for rate in first_contact_rates(scenario)]


# -- (b) Erlang adjusted for failure demand -------------------------------------------


def adjusted_plan(scenario: Scenario, target: Target, max_iterations: int = 100) -> list[int]:
    """(b) Erlang A per interval on the load the failure demand implies, with the redial
    fixed point (see the module's description)."""
    fd = failure_demand(scenario)
    redial = mix_redial_prob(patience_classes(scenario)) if fd.patience_s is not None else 0.0
    plan = []
    for first, n in zip(first_contact_rates(scenario), erlang_plan(scenario, target)):
        rate = first * fd.contacts
        n = _staff(rate, fd.handle_s, fd.patience_s, target)
        for _ in range(max_iterations):
            if redial == 0.0 or n == 0:
                break
            p_ab = analytic.metrics(n, rate, fd.handle_s, target.answer_s, fd.patience_s).abandon_rate
            offered = rate / (1.0 - redial * p_ab)
            n_next = _staff(offered, fd.handle_s, fd.patience_s, target)
            if n_next <= n:
                break
            n = n_next
        plan.append(n)
    return plan
