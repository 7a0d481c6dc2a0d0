"""Customers: the people behind contacts, who remember how they were treated.

A customer is created with their first contact and lives as long as something of theirs is
in flight: a contact, an open promise, a pending callback. They carry an *anger* level
(0 = calm): each broken promise adds ``customers.anger_per_broken_promise`` when the
customer notices it, each minute waited beyond ``customers.anger_wait_threshold_s`` adds
``customers.anger_per_wait_min``, and anger halves every ``customers.anger_half_life_days``.
Anger shortens patience, lengthens handling (de-escalation, then a longer resolution), and
at ``customers.churn_anger`` the customer leaves the company instead of calling again.

Anger is decayed lazily: it is brought up to date only when it is read or changed.
"""

from __future__ import annotations

import math

__all__ = ["Customer"]


class Customer:
    """One customer. ``fcr_interval`` is the interval of the customer's first answered
    contact (-1 before it), ``unresolved`` whether a promise of theirs was broken since,
    ``value`` what they are worth in customer values (1 until recoveries and broken promises
    move it: :mod:`simcenter.model.value`)."""

    __slots__ = ("id", "anger", "anger_t", "fcr_interval", "unresolved", "value")

    def __init__(self, id: int):
        self.id = id
        self.anger = 0.0
        self.anger_t = 0.0
        self.fcr_interval = -1
        self.unresolved = False
        self.value = 1.0

    def anger_at(self, now: float, decay_per_s: float) -> float:
        """Anger at time ``now`` (exponential decay since the last change)."""
        if self.anger > 0.0 and now > self.anger_t:
            self.anger *= math.exp(-decay_per_s * (now - self.anger_t))
        self.anger_t = now
        return self.anger

    def anger_seen(self, now: float, decay_per_s: float) -> float:
        """Anger at time ``now``, read without bringing it up to date (an observer's view:
        decaying in two steps rounds differently from one, which would move the run)."""
        if self.anger > 0.0 and now > self.anger_t:
            return self.anger * math.exp(-decay_per_s * (now - self.anger_t))
        return self.anger

    def add_anger(self, amount: float, now: float, decay_per_s: float) -> float:
        anger = self.anger_at(now, decay_per_s) + amount
        self.anger = anger
        return anger
