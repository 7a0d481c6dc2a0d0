"""Customer value in the engine: loyalty, word of mouth and the erosion of demand.

The scenario's ``[value]`` table (:mod:`simcenter.value`) says what a recovery earns and a
broken promise costs beyond the call center. The :class:`ValueBook` keeps those accounts for
one replication, in *customer values* (units of ``costs.lost_customer``):

* each customer carries a value, 1 when they first call; a recovery adds
  ``loyalty_gain_fix`` (by ordinary means) or ``loyalty_gain_concession`` (by a concession);
  a broken promise noticed by a customer who stays takes ``loyalty_loss_per_broken`` (never
  below zero); a customer who churns takes what they were worth by then;
* each churned customer, and each customer whose anger is at least ``word_of_mouth_anger``
  when the run ends, tells ``Poisson(word_of_mouth_reach)`` others, each lost as a future
  customer with chance ``word_of_mouth_conversion``;
* with ``demand_feedback``, at each midnight the share of first contacts that still arrive
  becomes ``max(0, 1 - lost / customer_base)``, where ``lost`` counts churned customers and
  those lost to word of mouth so far; first contacts are thinned by that share (a Poisson
  process thinned independently stays Poisson, at the lower rate).

The engine calls :meth:`recovered`, :meth:`noticed`, :meth:`churned` and :meth:`angered` when
those things happen, :meth:`keep` for every first contact when demand can erode, and
:meth:`finish` at the end. The word-of-mouth draws and the thinning come from their own
random streams, and anger is read without being brought up to date
(``Customer.anger_seen``), so keeping the accounts
changes no other number of the run.
"""

from __future__ import annotations

import heapq
import math
from typing import Callable

from simpy.events import Timeout

from .streams import Purpose, block_draws

__all__ = ["ValueBook"]


class ValueBook:
    """The customer-value accounts of one replication. ``rng(purpose, index)`` gives its
    random streams, ``decay`` the anger decay per second."""

    def __init__(self, scenario, env, timeline, stats, rng: Callable, decay: float):
        v = scenario.value
        self.env = env
        self.stats = stats
        self.decay = decay
        self.interval_s = timeline.interval_s
        self.last_interval = timeline.n_intervals - 1
        self.horizon_s = timeline.horizon_s
        self._gain_fix = v.loyalty_gain_fix
        self._gain_concession = v.loyalty_gain_concession
        self._loss = v.loyalty_loss_per_broken
        self._reach = v.word_of_mouth_reach
        self._conversion = v.word_of_mouth_conversion
        self._anger = v.word_of_mouth_anger
        self._told = rng(Purpose.VALUE, 0)
        self._angry: dict[int, tuple] = {}  # customer id -> (customer, when their anger falls below word_of_mouth_anger)
        self._calming: list[tuple[float, int]] = []  # heap of (calm time, customer id), stale entries included
        self.lost = 0  # customers lost so far: churned, or lost to word of mouth
        self.share = 1.0  # share of first contacts that still arrive
        self._base = v.customer_base if v.demand_feedback else None
        self._keep_u = block_draws(rng(Purpose.VALUE, 1).random) if self._base is not None else None
        for day in range(1, timeline.days):
            Timeout(env, day * 86_400.0).callbacks.append(self._on_midnight)

    def _interval(self, t: float) -> int:
        return min(int(t // self.interval_s), self.last_interval)

    # -- loyalty --------------------------------------------------------------------------

    def recovered(self, customer, k: int, concession: bool) -> None:
        """``customer`` was recovered on a contact of interval ``k``."""
        gain = self._gain_concession if concession else self._gain_fix
        customer.value += gain
        self.stats.value_gained[k] += gain

    def noticed(self, customer, now: float) -> None:
        """``customer``, who stays, noticed a broken promise."""
        loss = min(self._loss, customer.value)
        customer.value -= loss
        self.stats.value_lost_loyalty[self._interval(now)] += loss

    def churned(self, customer, now: float) -> None:
        """``customer`` left the company (counted in ``churned`` by the promise book)."""
        k = self._interval(now)
        self.stats.churned_loyalty[k] += customer.value - 1.0
        self._angry.pop(customer.id, None)
        self.lost += 1
        self._word_of_mouth(k)

    # -- word of mouth --------------------------------------------------------------------

    def angered(self, customer) -> None:
        """``customer``'s anger just rose (and is up to date)."""
        anger = customer.anger
        if anger >= self._anger:
            calm = customer.anger_t + math.log(anger / self._anger) / self.decay
            self._angry[customer.id] = (customer, calm)
            heapq.heappush(self._calming, (calm, customer.id))

    def _word_of_mouth(self, k: int) -> None:
        told = int(self._told.poisson(self._reach)) if self._reach > 0.0 else 0
        lost = int(self._told.binomial(told, self._conversion)) if told and self._conversion > 0.0 else 0
        st = self.stats
        st.word_of_mouth_told[k] += told
        st.word_of_mouth_lost[k] += lost
        self.lost += lost

    # -- demand -------------------------------------------------------------------------

    def keep(self, now: float) -> bool:
        """Whether a first contact at ``now`` still arrives (demand feedback only)."""
        share = self.share
        if share >= 1.0 or self._keep_u() < share:
            return True
        self.stats.first_contacts_eroded[self._interval(now)] += 1
        return False

    def _on_midnight(self, event) -> None:
        now = self.env.now
        calming, angry = self._calming, self._angry
        while calming and calming[0][0] < now:  # calmed down: only a new rise brings them back
            calm, cid = heapq.heappop(calming)
            entry = angry.get(cid)
            if entry is not None and entry[1] == calm:
                del angry[cid]
        if self._base is not None:
            self.share = max(0.0, 1.0 - self.lost / self._base)

    def finish(self) -> None:
        """The run ends: customers still angry tell others."""
        end = self.horizon_s
        k = self.last_interval
        for customer, _ in self._angry.values():
            if customer.anger_seen(end, self.decay) >= self._anger:
                self._word_of_mouth(k)
