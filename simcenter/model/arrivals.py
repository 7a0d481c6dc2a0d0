"""Arrivals: when customers' first contacts reach the center.

First contacts follow a Poisson process whose rate is constant within each interval of the
calendar (:mod:`simcenter.model.calendar`: opening hours, intraday profile, day-of-week
factors, after-hours calls). The next arrival time is found by inverting the cumulative
rate: one standard exponential draw ``E`` gives the first time ``t`` at which the integral of
the rate from now reaches ``E``, whatever the rate changes in between. Intervals with no
arrivals are skipped; after the last interval of the run there are none.

Each first contact is a new customer's, of a contact type drawn by the types' ``share``, and
brings its work content (the type's talk time) and the caller's patience (the type's own, if
it has one, else ``[patience]``), drawn when the need arises, each from its own stream: two
scenarios run with one seed see the same customers (common random numbers).

A customer may also try again: a caller who abandoned may redial, and one who called while
the center was closed may return after the next opening. Each try is a new contact of the
same customer, with the same need (contact type and work content) and a fresh patience
(:meth:`Arrivals.retry`).

With ``value.demand_feedback``, customers lost to churn and word of mouth lower demand: each
first contact still arrives with the share the value book (:mod:`simcenter.model.value`)
sets at midnight, a thinning of the Poisson stream.
"""

from __future__ import annotations

from typing import Callable

from simpy.events import Timeout

from .contact import Contact, Origin
from .customer import Customer
from .distributions import handle_time_draws, patience_draws
from .patience import TYPE_FIRST, TYPE_RETRY, draws_by_type
from .streams import Purpose, block_draws, constant

__all__ = ["Arrivals"]


class Arrivals:
    """The first contacts of one replication. ``rng(purpose, index)`` gives its random
    streams; ``next_id()`` numbers a new contact and ``arrive(contact, now)`` brings it to the
    center (the engine's)."""

    def __init__(self, scenario, env, timeline, rng: Callable, next_id: Callable, arrive: Callable):
        self.env = env
        self.timeline = timeline
        self.next_exp = block_draws(rng(Purpose.ARRIVALS).standard_exponential)
        self.next_id = next_id
        self.arrive = arrive
        types = scenario.contact_types
        if len(types) == 1:
            self._next_type = constant(0)
        else:
            shares, type_rng = [c.share for c in types], rng(Purpose.CONTACT_TYPE)
            self._next_type = block_draws(lambda n: type_rng.choice(len(shares), n, p=shares))
        self._handle = [handle_time_draws(c.handle_time, rng(Purpose.HANDLING, i)) for i, c in enumerate(types)]
        # the callers' patience, by contact type (simcenter.model.patience): [patience]'s streams, or the type's own
        self._patience = draws_by_type(scenario, patience_draws(scenario.patience, rng(Purpose.PATIENCE)), rng, TYPE_FIRST)
        self._retry_patience = draws_by_type(scenario, patience_draws(scenario.patience, rng(Purpose.REDIAL, 2)), rng, TYPE_RETRY)
        self.returns = 0  # contacts made by redials and next-day returns (the engine's work guard watches them)
        self.keep: Callable[[float], bool] | None = None  # with demand feedback: does a first contact at this time still arrive?

    def _on_arrival(self, event) -> None:
        now = self.env.now
        if self.keep is not None and not self.keep(now):  # demand eroded by lost customers ([value])
            self.schedule(now)
            return
        ctype = self._next_type()
        cid = self.next_id()
        contact = Contact(cid, Customer(cid), Origin.FIRST, ctype, self._handle[ctype](), self._patience[ctype]())
        self.schedule(now)
        self.arrive(contact, now)

    def retry(self, contact, origin: str, delay: float) -> None:
        """The same customer, with the same need, tries again after ``delay`` seconds."""
        cid = self.next_id()
        self.returns += 1
        again = Contact(cid, contact.customer, origin, contact.ctype, contact.handle, self._retry_patience[contact.ctype](), contact.repeat)
        Timeout(self.env, delay, again).callbacks.append(self._on_return)

    def _on_return(self, event) -> None:
        self.arrive(event._value, self.env.now)

    def schedule(self, now: float) -> None:
        """Schedule the next first contact after ``now``."""
        tl = self.timeline
        need = self.next_exp()
        width = tl.interval_s
        rates = tl.rate_per_s
        k = int(now // width)
        t = now
        while k < tl.n_intervals:
            rate = rates[k]
            end = (k + 1) * width
            if rate > 0.0:
                dt = need / rate
                if t + dt < end:
                    Timeout(self.env, t + dt - now).callbacks.append(self._on_arrival)
                    return
                need -= rate * (end - t)
            t = end
            k += 1
