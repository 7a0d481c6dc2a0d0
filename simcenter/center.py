"""The contact center: agents on duty, the queue, and what happens when a contact arrives
or an agent becomes free. This is the SimPy model.

What happens
------------
* **Arrivals.** First contacts follow a Poisson process whose rate is constant within each
  interval (:mod:`simcenter.calendar`). The next arrival time is found by inverting the
  cumulative rate, so one exponential draw gives one arrival whatever the rate changes
  in between.
* **Routing.** A contact arriving while the center is open is *offered*. An idle agent takes
  it at once; otherwise it joins a first-come, first-served queue. If the caller's patience
  runs out first, the caller abandons and may redial later.
* **Agents.** The staffing plan says how many agents are on duty in each interval. When it
  rises, agents come on duty and take waiting contacts; when it falls, idle agents leave at
  once and busy ones when they finish the contact in hand. At closing the agents on duty
  finish the queue (close-out) before they leave. Handling a contact keeps an agent busy
  for the talk time plus the contact type's wrap-up time.
* **After hours.** A contact arriving while the center is closed is lost, or returns after
  the next opening, as ``calendar.after_hours`` says.

How it runs
-----------
SimPy is the event core: every future happening is a ``Timeout`` in SimPy's event queue,
and what happens then is a plain callback on that event. There is no SimPy process per
customer and no ``Resource``: the queue is a deque and idle agents a list, which keeps
each contact to two or three events (arrival, end of handling, and a patience timer only
for callers who wait).
"""

from __future__ import annotations

import math
from collections import deque
from typing import Callable

import simpy
from simpy.events import Timeout

from .calendar import Timeline
from .contact import ABANDONED, ANSWERED, WAITING, Contact, Origin, Outcome
from .distributions import handle_time_draws, patience_draws
from .scenario import Scenario
from .stats import Accumulator
from .streams import Purpose, block_draws, constant, generator

__all__ = ["CallCenter", "run_replication"]

TraceSink = Callable[[tuple], None]


class CallCenter:
    """One replication of a scenario, built on a fresh ``simpy.Environment``."""

    def __init__(self, scenario: Scenario, seed: int, replication: int, trace: TraceSink | None = None):
        self.scenario = scenario
        self.timeline = tl = Timeline.from_scenario(scenario)
        self.env = simpy.Environment()
        self.stats = Accumulator(tl.n_intervals, tl.interval_s)
        self.trace = trace
        self.replication = replication

        # Random streams, one per purpose (see simcenter.streams).
        def rng(purpose: int, index: int = 0):
            return generator(seed, replication, purpose, index)

        arrivals = rng(Purpose.ARRIVALS)
        self._next_exp = block_draws(arrivals.standard_exponential)
        types = scenario.contact_types
        if len(types) == 1:
            self._next_type = constant(0)
        else:
            shares = [c.share for c in types]
            type_rng = rng(Purpose.CONTACT_TYPE)
            self._next_type = block_draws(lambda n: type_rng.choice(len(shares), n, p=shares))
        self._handle = [handle_time_draws(c.handle_time, rng(Purpose.HANDLING, i)) for i, c in enumerate(types)]
        self._wrapup = [c.wrapup_s for c in types]
        self._type_names = [c.name for c in types]
        self._patience = patience_draws(scenario.patience, rng(Purpose.PATIENCE))
        self._redial_prob = scenario.patience.redial_prob
        redial_u, redial_delay = rng(Purpose.REDIAL, 0), rng(Purpose.REDIAL, 1)
        self._redial_u = block_draws(redial_u.random)
        mean_delay = scenario.patience.redial_delay_mean_s
        self._redial_delay = block_draws(lambda n: redial_delay.exponential(mean_delay, n))
        spread_rng = rng(Purpose.AFTER_HOURS)
        self._spread_s = scenario.calendar.next_day_spread_minutes * 60.0
        self._next_day_u = block_draws(spread_rng.random)
        self._defer = scenario.calendar.after_hours == "next_day"
        self._target_s = scenario.service_level.target_s

        # State.
        self.queue: deque[Contact] = deque()
        self.idle: list[int] = []  # ids of idle agents on duty
        self.on_duty = 0
        self.leaving = 0  # busy agents who leave when they finish
        self._free_ids: list[int] = []
        self._next_agent_id = 0
        self._staffed_since = 0.0
        self._contacts = 0

    # -- running ------------------------------------------------------------------------

    def run(self) -> Accumulator:
        """Simulate the whole horizon and return the statistics."""
        env, tl = self.env, self.timeline
        for when, agents in tl.staffing_changes():
            if when == 0.0:
                self._set_staffing(agents)
            else:
                Timeout(env, when, agents).callbacks.append(self._on_staffing)
        self._schedule_arrival(0.0)
        env.run(until=tl.horizon_s)
        self._finish()
        return self.stats

    def _finish(self) -> None:
        end = self.timeline.horizon_s
        self._account_staffed(end)
        st = self.stats
        for c in self.queue:
            if c.state == WAITING:
                st.waiting_at_end[c.interval] += 1
                st.wait_other_s[c.interval] += end - c.arrival
                self._record(c, Outcome.WAITING_AT_END, end - c.arrival)

    # -- arrivals -----------------------------------------------------------------------

    def _schedule_arrival(self, now: float) -> None:
        """Schedule the next first contact by inverting the piecewise-constant rate."""
        tl = self.timeline
        need = self._next_exp()
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
                    Timeout(self.env, t + dt - now).callbacks.append(self._on_first_contact)
                    return
                need -= rate * (end - t)
            t = end
            k += 1

    def _on_first_contact(self, event) -> None:
        now = self.env.now
        ctype = self._next_type()
        cid = self._contacts
        self._contacts += 1
        contact = Contact(cid, cid, Origin.FIRST, ctype, self._handle[ctype](), self._patience())
        self._schedule_arrival(now)
        self._arrive(contact, now)

    def _on_return(self, event) -> None:
        """A redial or a next-day return reaches the center."""
        self._arrive(event._value, self.env.now)

    def _arrive(self, contact: Contact, now: float) -> None:
        k = int(now // self.timeline.interval_s)
        contact.arrival = now
        contact.interval = k
        st = self.stats
        if not self.timeline.is_open[k]:
            st.after_hours[k] += 1
            back = self.timeline.next_opening(now) + self._next_day_u() * self._spread_s if self._defer else math.inf
            if self._defer:
                st.deferred[k] += 1
                self._record(contact, Outcome.DEFERRED, 0.0)
                if back < self.timeline.horizon_s:
                    self._retry(contact, Origin.NEXT_DAY, back - now)
            else:
                st.lost_after_hours[k] += 1
                self._record(contact, Outcome.LOST_AFTER_HOURS, 0.0)
            return
        st.offered[k] += 1
        if self.idle:
            self._serve(contact, self.idle.pop(), now)
            return
        st.waited[k] += 1
        self.queue.append(contact)
        if contact.patience != math.inf:
            Timeout(self.env, contact.patience, contact).callbacks.append(self._on_patience_end)

    def _retry(self, contact: Contact, origin: str, delay: float) -> None:
        """The same customer, with the same need, tries again after ``delay`` seconds."""
        cid = self._contacts
        self._contacts += 1
        patience = self._patience()
        again = Contact(cid, contact.customer, origin, contact.ctype, contact.handle, patience)
        Timeout(self.env, delay, again).callbacks.append(self._on_return)

    # -- abandonment --------------------------------------------------------------------

    def _on_patience_end(self, event) -> None:
        contact: Contact = event._value
        if contact.state != WAITING:
            return
        contact.state = ABANDONED
        k = contact.interval
        st = self.stats
        st.abandoned[k] += 1
        st.wait_other_s[k] += contact.patience
        self._record(contact, Outcome.ABANDONED, contact.patience)
        if self._redial_prob > 0.0 and self._redial_u() < self._redial_prob:
            st.redials[k] += 1
            self._retry(contact, Origin.REDIAL, self._redial_delay())
        # Abandoned contacts stay in the deque until an agent reaches them: removing
        # from the middle of a deque costs O(n), skipping them later costs nothing.

    # -- agents -------------------------------------------------------------------------

    def _serve(self, contact: Contact, agent: int, now: float) -> None:
        contact.state = ANSWERED
        wait = now - contact.arrival
        work = contact.handle + self._wrapup[contact.ctype]
        k = contact.interval
        st = self.stats
        st.answered[k] += 1
        if wait <= self._target_s:
            st.answered_in_target[k] += 1
        st.wait_answered_s[k] += wait
        st.handle_s[k] += work
        st.spread(st.busy_s, now, now + work)
        if self.trace is not None:
            self._record(contact, Outcome.ANSWERED, wait, agent)
        Timeout(self.env, work, agent).callbacks.append(self._on_done)

    def _next_waiting(self) -> Contact | None:
        queue = self.queue
        while queue:
            contact = queue.popleft()
            if contact.state == WAITING:
                return contact
        return None

    def _on_done(self, event) -> None:
        """An agent finished a contact: leave, take the next caller, or go idle."""
        agent = event._value
        now = self.env.now
        if self.leaving:
            nxt = None if self.timeline.is_open[int(now // self.timeline.interval_s)] else self._next_waiting()
            if nxt is None:
                self.leaving -= 1
                self._go_off_duty(agent, now)
            else:  # close-out: the queue is finished after closing
                self._serve(nxt, agent, now)
            return
        nxt = self._next_waiting()
        if nxt is None:
            self.idle.append(agent)
        else:
            self._serve(nxt, agent, now)

    def _on_staffing(self, event) -> None:
        self._set_staffing(event._value)

    def _set_staffing(self, target: int) -> None:
        now = self.env.now
        staying = self.on_duty - self.leaving
        if target >= staying:
            keep = min(self.leaving, target - staying)  # busy agents asked to stay after all
            self.leaving -= keep
            for _ in range(target - staying - keep):
                self._go_on_duty(now)
        else:
            surplus = staying - target
            while surplus and self.idle:
                self._go_off_duty(self.idle.pop(), now)
                surplus -= 1
            self.leaving += surplus

    def _go_on_duty(self, now: float) -> None:
        self._account_staffed(now)
        self.on_duty += 1
        if self._free_ids:
            agent = self._free_ids.pop()
        else:
            agent = self._next_agent_id
            self._next_agent_id += 1
        nxt = self._next_waiting()
        if nxt is None:
            self.idle.append(agent)
        else:
            self._serve(nxt, agent, now)

    def _go_off_duty(self, agent: int, now: float) -> None:
        self._account_staffed(now)
        self.on_duty -= 1
        self._free_ids.append(agent)

    def _account_staffed(self, now: float) -> None:
        if self.on_duty:
            self.stats.spread(self.stats.staffed_s, self._staffed_since, now, self.on_duty)
        self._staffed_since = now

    # -- trace --------------------------------------------------------------------------

    def _record(self, contact: Contact, outcome: str, wait: float, agent: int = -1) -> None:
        if self.trace is None:
            return
        answered = outcome == Outcome.ANSWERED
        tl = self.timeline
        self.trace(
            (
                self.replication,
                contact.id,
                contact.customer,
                contact.origin,
                self._type_names[contact.ctype],
                contact.arrival,
                contact.interval // tl.intervals_per_day,
                contact.interval % tl.intervals_per_day,
                contact.interval < tl.warmup_intervals,
                outcome,
                wait,
                contact.handle if answered else math.nan,
                self._wrapup[contact.ctype] if answered else math.nan,
                agent,
            )
        )


#: Columns of a trace table, in the order of the tuples CallCenter passes to its sink.
TRACE_COLUMNS = (
    "replication",
    "contact_id",
    "customer_id",
    "origin",
    "contact_type",
    "arrival_s",
    "day",
    "interval",
    "warmup",
    "outcome",
    "wait_s",
    "talk_s",
    "wrapup_s",
    "agent",
)


def run_replication(scenario: Scenario, seed: int, replication: int, trace: TraceSink | None = None) -> dict:
    """Run one replication and return its per-interval counters as numpy arrays."""
    return CallCenter(scenario, seed, replication, trace).run().arrays()
