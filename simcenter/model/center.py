"""The contact center: the parts of the model wired together, and the hot path of a
contact (arrive, wait or abandon, be served, done).

A first contact comes from the arrival process (:mod:`~simcenter.model.arrivals`). While the
center is open it is *offered*: the router (:mod:`~simcenter.model.router`) gives it to an
idle agent or queues it (:mod:`~simcenter.model.queues`); a caller whose patience runs out
abandons and may redial (both by the contact type's patience,
:mod:`~simcenter.model.patience`). While closed it is lost, returns after the next opening,
or, in a concession window, is served out of contract (``calendar.after_hours``). Agents come and go
as the shift plan says (:mod:`~simcenter.model.agents`, :mod:`~simcenter.model.shiftplan`);
handling takes the talk time (longer for an angry customer, slower for a worn-out agent:
:mod:`~simcenter.model.formulas`, :mod:`~simcenter.model.workforce`) plus the wrap-up. When a
contact ends, the promise book (:mod:`~simcenter.model.promises`) may make a promise or
attempt a recovery, and later sends the customer back as a repeat contact; out-of-policy
requests (:mod:`~simcenter.model.requests`) may anger the customer or make management concede.
With ``[value]`` on, the value book (:mod:`~simcenter.model.value`) keeps the customers'
loyalty and word of mouth, and may thin first contacts as lost customers lower demand.

SimPy is the event core: every future happening is a ``Timeout`` and what happens then is a
plain callback on it, with no process per customer and no ``Resource``. A contact costs two
or three events (arrival, end of handling, a patience timer only for callers who wait); a
fulfilment promise costs one only if broken and noticed within the run. What the run
measures goes into its counters (:mod:`~simcenter.model.counters`).
"""

from __future__ import annotations

import math
from array import array
from typing import Callable

import numpy as np
import simpy
from simpy.events import Timeout

from ..scenario import Scenario
from .agents import AgentIds, AgentPool
from .arrivals import Arrivals
from .budget import estimate
from .calendar import Timeline
from .contact import ABANDONED, ANSWERED, TRACE_COLUMNS, WAITING, Contact, Origin, Outcome, trace_row  # noqa: F401
from .counters import GROUP_COUNTERS, QUEUE_COUNTERS, Accumulator, Books, sums
from .customer import Customer
from .formulas import anger_decay_per_s, angry_talk, patience_divisor, work_time
from .guard import WorkGuard
from .patience import TYPE_REDIAL, TYPE_REDIAL_DELAY, redial_keys, type_stream
from .promises import PromiseBook
from .queues import CallbackQueue, InboundQueue
from .records import callback_row
from .requests import Requests
from .router import Router, policy_for
from .shiftplan import plan_changes
from .skills import SkillRouter
from .streams import Purpose, block_draws, generator
from .value import ValueBook
from .workforce import Roster

__all__ = ["CallCenter", "run_replication", "TRACE_COLUMNS"]

TraceSink = Callable[[tuple], None]


class CallCenter:
    """One replication of a scenario, built on a fresh ``simpy.Environment``."""

    def __init__(self, scenario: Scenario, seed: int, replication: int, trace: TraceSink | None = None,
                 agent_log: TraceSink | None = None):
        self.scenario = sc = scenario
        self.timeline = tl = Timeline.from_scenario(sc)
        self.env = env = simpy.Environment()
        self.stats = st = Accumulator(tl.n_intervals, tl.interval_s)
        self.trace = trace
        self.replication = replication
        self._seed = seed

        # Random streams, one per purpose (see simcenter.model.streams).
        def rng(purpose: int, index: int = 0):
            return generator(seed, replication, purpose, index)

        def uniforms(purpose: int, index: int = 0):
            return block_draws(rng(purpose, index).random)

        self.arrivals = Arrivals(sc, env, tl, rng, self._next_id, self._arrive)
        self._wrapup = [c.wrapup_s for c in sc.contact_types]
        self._type_names = [c.name for c in sc.contact_types]
        # Redials, by contact type: (redial_prob, redial?, delay) of [patience], or of the type's own on its own streams
        shared = (sc.patience.redial_prob, uniforms(Purpose.REDIAL, 0), _exponentials(rng(Purpose.REDIAL, 1), sc.patience.redial_delay_mean_s))
        self._redials = [shared if c.patience is None else
                         (c.patience.redial_prob, uniforms(*type_stream(i, TYPE_REDIAL)),
                          _exponentials(rng(*type_stream(i, TYPE_REDIAL_DELAY)), c.patience.redial_delay_mean_s))
                         for i, c in enumerate(sc.contact_types)]  # the redial itself: Arrivals.retry
        self._spread_s = sc.calendar.next_day_spread_minutes * 60.0
        self._next_day_u = uniforms(Purpose.AFTER_HOURS)
        self._defer = sc.calendar.after_hours == "next_day"
        self._target_s = sc.service_level.target_s

        # Customers' anger (simcenter.model.formulas).
        self._cust = cust = sc.customers
        self._decay = anger_decay_per_s(cust)
        self._anger_per_wait = cust.anger_per_wait_min / 60.0
        self._anger_threshold = cust.anger_wait_threshold_s
        self._patience_factor = cust.patience_anger_factor
        self._deesc = block_draws(rng(Purpose.ANGER).standard_exponential)

        # The parts: agents (as people, or the plan's identical servers), queues, router,
        # promise book and out-of-policy requests.
        self.roster = Roster(sc, seed, replication, st, agent_log) if sc.workforce.enabled else None
        policy = policy_for(sc.callbacks)
        n_types, n = len(sc.contact_types), tl.n_intervals
        # Per-queue books when there is more than one queue (with one, the center's own).
        self.queue_books = [Books(QUEUE_COUNTERS, n) for _ in range(n_types)] if n_types > 1 or sc.agent_groups else None
        if sc.agent_groups:  # several queues and skill groups (simcenter.model.skills)
            ids, reserved, group_of = AgentIds(), set(), {}
            self.group_books = [Books(GROUP_COUNTERS, n) for _ in sc.agent_groups]
            self.pools = [AgentPool(env, st, self.roster, policy.reserve, ids=ids, reserved=reserved, books=books, group=g,
                                    group_of=group_of) for g, books in enumerate(self.group_books)]
            self.queues = [InboundQueue() for _ in range(n_types)]
            self.router = SkillRouter(sc, env, self.queues, [CallbackQueue() for _ in range(n_types)], self.pools, group_of, policy,
                                      self._serve, self._call_back, tl.is_open, tl.interval_s)
            self._group_of, self._factor = group_of, self.router.factor
            self._flow = [[sums(n) for _ in range(n_types)] for _ in sc.agent_groups]  # group x queue: busy time
            self._group_names = [g.name for g in sc.agent_groups]
            self.pool = None
        else:
            self.pool = AgentPool(env, st, self.roster, policy.reserve)
            self.pools = [self.pool]
            self.queues = [InboundQueue()]
            self.router = Router(self.queues[0], CallbackQueue(), self.pool, policy, self._serve, self._call_back, tl.is_open, tl.interval_s)
            self._group_of = self._factor = self.group_books = None
            self._flow = [[sums(n) for _ in range(n_types)]] if n_types > 1 else None  # one group x queue: busy time
            self._group_names = ["agents"]
        for pool in self.pools:
            pool.dispatch = self.router.agent_free
        self.value = ValueBook(sc, env, tl, st, rng, self._decay) if sc.value.enabled else None
        if self.value is not None and sc.value.demand_feedback:
            self.arrivals.keep = self.value.keep
        self.book = PromiseBook(sc, tl, env, st, rng, uniforms, self._decay, self._next_id, self._arrive,
                                self.router.callback_ready, self.value) if sc.has_promises else None
        self.requests = Requests(sc.policy, st, uniforms, self._decay) if sc.policy.out_of_policy_prob > 0.0 else None
        self._attempt_s = sc.callbacks.attempt_s
        self._track = self.book is not None or self.requests is not None or self.roster is not None  # who handles what
        self._watch = self.value.angered if self.value is not None else None  # anger rose: the value book watches
        self._serving: dict[int, object] = {}  # agent -> contact or callback, when tracked

        # The guard against feedback loops (simcenter.model.budget), every WorkGuard.every contacts.
        self._contacts = 0
        self._guard = WorkGuard(estimate(sc).contacts_bound, redial_keys(sc))
        self._checkpoint = WorkGuard.every

    @property
    def on_duty(self) -> int:
        return sum(pool.on_duty for pool in self.pools)

    @property
    def queue(self):
        """The inbound queue of a single-queue center."""
        return self.queues[0] if self.pool is not None else None

    # -- running ------------------------------------------------------------------------

    def run(self) -> Accumulator:
        """Simulate the whole horizon and return the statistics."""
        env, tl = self.env, self.timeline
        if self.roster is not None:
            self.roster.new_day(0, 0.0)
            midnight = self.pool.on_midnight if self.pool is not None else self._on_midnight
            for day in range(1, tl.days):
                Timeout(env, day * 86_400.0, day).callbacks.append(midnight)
        if self.pool is not None:
            self.pool.start(plan_changes(self.scenario, tl, self._seed, self.replication, self.roster is not None))
        else:
            for g, pool in enumerate(self.pools):
                pool.start(plan_changes(self.scenario, tl, self._seed, self.replication, self.roster is not None, group=g))
        self.arrivals.schedule(0.0)
        env.run(until=tl.horizon_s)
        self._finish()
        return self.stats

    def _finish(self) -> None:
        end = self.timeline.horizon_s
        st = self.stats
        waiting = [c for queue in self.queues for c in queue.waiting()]
        waiting.sort(key=lambda c: c.arrival)
        qbooks = self.queue_books
        for c in waiting:
            st.waiting_at_end[c.interval] += 1
            st.wait_other_s[c.interval] += end - c.arrival
            if qbooks is not None:
                qb = qbooks[c.ctype]
                qb.waiting_at_end[c.interval] += 1
                qb.wait_other_s[c.interval] += end - c.arrival
            self._record(c, Outcome.WAITING_AT_END, end - c.arrival)
        if self.book is not None:
            self.book.finish()
        if self.value is not None:
            self.value.finish()
        if self.roster is not None:
            self.roster.finish(self.timeline.days - 1, end)
        for pool in self.pools:
            pool.close_books(end, self.timeline.conceded)
        if self.group_books is not None:
            for books, flows in zip(self.group_books, self._flow):
                books.busy_s = array("d", [sum(col) for col in zip(*flows)])

    def _on_midnight(self, event) -> None:
        """The roster's day starts (several groups): agents who left or are absent stop,
        each from their group; then every group fills its plan."""
        now = self.env.now
        for agent in self.roster.new_day(event._value, now):
            self.pools[self._group_of[agent]].dismiss(agent, now)
        for pool in self.pools:
            pool.apply_plan()

    def books(self) -> dict:
        """The run's counters as arrays: the center's (:data:`COUNTERS`), and, under
        ``"queues"`` and ``"groups"``, one dict of arrays per queue and per group (the flow
        of each group's busy time to each queue under ``"flow"``, shape groups x queues x
        intervals). A single queue's and a single group's are the center's own."""
        out = self.stats.arrays()
        if self.queue_books is not None:
            out["queues"] = [b.arrays() for b in self.queue_books]
        else:
            out["queues"] = [{name: out[name] for name in QUEUE_COUNTERS}]
        if self.group_books is not None:
            out["groups"] = [b.arrays() for b in self.group_books]
            out["flow"] = np.asarray(self._flow, dtype=float)
        else:
            out["groups"] = [{name: out[name] for name in GROUP_COUNTERS}]
            out["flow"] = np.asarray(self._flow, dtype=float) if self._flow is not None else out["busy_s"][None, None, :]
        return out

    def _next_id(self) -> int:
        """A new contact's id; every ``WorkGuard.every`` contacts the guard checks that the
        run is within the bounds estimated before it started."""
        cid = self._contacts
        self._contacts = cid + 1
        if cid >= self._checkpoint:
            repeats = self.book.repeats if self.book is not None else 0
            self._checkpoint = self._guard.check(cid, self.env.now, self.arrivals.returns, repeats)
        return cid

    # -- a contact arrives ----------------------------------------------------------------

    def _arrive(self, contact: Contact, now: float) -> None:
        tl = self.timeline
        k = int(now // tl.interval_s)
        contact.arrival = now
        contact.interval = k
        st = self.stats
        origin = contact.origin
        if origin == Origin.FIRST:  # counted once, when the customer makes the contact
            st.first_contacts[k] += 1
        elif origin == Origin.REPEAT:
            st.repeat_contacts[k] += 1
        qb = self.queue_books[contact.ctype] if self.queue_books is not None else None
        if tl.conceded[k]:
            contact.conceded = True
            st.conceded[k] += 1
        elif not tl.is_open[k]:
            st.after_hours[k] += 1
            if qb is not None:
                qb.after_hours[k] += 1
            if self._defer:
                st.deferred[k] += 1
                if qb is not None:
                    qb.deferred[k] += 1
                self._record(contact, Outcome.DEFERRED, 0.0)
                back = tl.next_opening(now) + self._next_day_u() * self._spread_s
                if back < tl.horizon_s:
                    self.arrivals.retry(contact, Origin.NEXT_DAY, back - now)
            else:
                st.lost_after_hours[k] += 1
                if qb is not None:
                    qb.lost_after_hours[k] += 1
                self._record(contact, Outcome.LOST_AFTER_HOURS, 0.0)
            return
        st.offered[k] += 1
        if qb is not None:
            qb.offered[k] += 1
        if contact.repeat:
            st.failure_demand[k] += 1
        customer = contact.customer
        if customer.anger > 0.0 and self._patience_factor > 0.0:
            contact.patience /= patience_divisor(customer.anger_at(now, self._decay), self._cust)
        if self.router.contact_arrived(contact, now):
            return
        st.waited[k] += 1
        if qb is not None:
            qb.waited[k] += 1
        if contact.patience != math.inf:
            Timeout(self.env, contact.patience, contact).callbacks.append(self._on_patience_end)

    def _on_patience_end(self, event) -> None:
        contact: Contact = event._value
        if contact.state != WAITING:
            return
        contact.state = ABANDONED  # left in the queue, skipped when an agent reaches it
        k = contact.interval
        st = self.stats
        st.abandoned[k] += 1
        st.wait_other_s[k] += contact.patience
        if self.queue_books is not None:
            qb = self.queue_books[contact.ctype]
            qb.abandoned[k] += 1
            qb.wait_other_s[k] += contact.patience
        self._record(contact, Outcome.ABANDONED, contact.patience)
        if self._anger_per_wait > 0.0 and contact.patience > self._anger_threshold:
            contact.customer.add_anger(self._anger_per_wait * (contact.patience - self._anger_threshold), self.env.now, self._decay)
            if self._watch is not None:
                self._watch(contact.customer)
        redial_prob, redial_u, redial_delay = self._redials[contact.ctype]
        if redial_prob > 0.0 and redial_u() < redial_prob:
            st.redials[k] += 1
            self.arrivals.retry(contact, Origin.REDIAL, redial_delay())

    # -- an agent serves ------------------------------------------------------------------

    def _talk(self, base: float, customer: Customer, now: float) -> float:
        """Talk time of a contact whose calm talk time is ``base``: longer for an angry
        customer."""
        anger = customer.anger_at(now, self._decay) if customer.anger > 0.0 else 0.0
        return base if anger == 0.0 else angry_talk(base, anger, self._deesc(), self._cust)

    def _serve(self, contact: Contact, agent: int, now: float) -> None:
        contact.state = ANSWERED
        wait = now - contact.arrival
        customer = contact.customer
        if self._anger_per_wait > 0.0 and wait > self._anger_threshold:
            customer.add_anger(self._anger_per_wait * (wait - self._anger_threshold), now, self._decay)
            if self._watch is not None:
                self._watch(customer)
        wrapup = self._wrapup[contact.ctype]
        talk = self._talk(contact.handle, customer, now) if customer.anger > 0.0 else contact.handle
        speed = self.roster.speed(agent, now) if self.roster is not None else 1.0
        work = work_time(talk, speed, wrapup)
        base = contact.handle + wrapup
        k = contact.interval
        st = self.stats
        flow = self._flow
        factor = 1.0
        if flow is not None:  # several queues: whose time went where (and a group's speed on the queue)
            q = contact.ctype
            g = 0
            if self._group_of is not None:
                g = self._group_of[agent]
                factor = self._factor[g][q]
                if factor != 1.0:
                    work *= factor
                    base *= factor
            st.spread(flow[g][q], now, now + work)
            qb = self.queue_books[q]
            qb.answered[k] += 1
            if wait <= self._target_s:
                qb.answered_in_target[k] += 1
            qb.wait_answered_s[k] += wait
            qb.handle_s[k] += work
        st.answered[k] += 1
        if wait <= self._target_s:
            st.answered_in_target[k] += 1
            if contact.conceded:
                st.conceded_in_target[k] += 1
        st.wait_answered_s[k] += wait
        st.handle_s[k] += work
        st.handle_base_s[k] += base
        if contact.repeat:
            st.answered_repeat[k] += 1
            st.handle_repeat_s[k] += work
        else:
            st.answered_first[k] += 1
            st.handle_first_s[k] += work
            if customer.fcr_interval < 0:
                customer.fcr_interval = k
                st.fcr_base[k] += 1
        if self.trace is not None:
            self._record(contact, Outcome.ANSWERED, wait, agent, talk * speed * factor, wrapup * factor)
        st.spread(st.busy_s, now, now + work)  # as _start does; inline on every contact's path (profiled)
        if self._track:
            self._serving[agent] = contact
            if self.roster is not None:
                self.roster.busy(agent, work)
        Timeout(self.env, work, agent).callbacks.append(self._on_done)

    def _call_back(self, cb, agent: int, now: float) -> None:
        """An agent calls a customer back: a conversation if reached, else a short attempt."""
        talk = self.book.attempt(cb, now)
        if talk is None:
            work = self._attempt_s
            if self.trace is not None:
                self._record_callback(cb, agent, now, False, work, 0.0)
        else:
            talk = self._talk(talk, cb.customer, now)
            speed = self.roster.speed(agent, now) if self.roster is not None else 1.0
            wrapup = self._wrapup[cb.ctype]
            work = work_time(talk, speed, wrapup)
            factor = self._factor[self._group_of[agent]][cb.ctype] if self._group_of is not None else 1.0
            if factor != 1.0:
                work *= factor
            if self.trace is not None:
                self._record_callback(cb, agent, now, True, talk * speed * factor, wrapup * factor)
        self._start(agent, cb, work, now)

    def _start(self, agent: int, task, work: float, now: float) -> None:
        st = self.stats
        st.spread(st.busy_s, now, now + work)
        if self._flow is not None:
            g = self._group_of[agent] if self._group_of is not None else 0
            st.spread(self._flow[g][task.ctype], now, now + work)
        if self._track:
            self._serving[agent] = task
            if self.roster is not None:
                self.roster.busy(agent, work)
        Timeout(self.env, work, agent).callbacks.append(self._on_done)

    def _on_done(self, event) -> None:
        """An agent finished a contact or callback: its outcome, then the router."""
        agent = event._value
        now = self.env.now
        if self._track:
            task = self._serving.pop(agent)
            if type(task) is Contact:
                roster = self.roster
                recovery = self.book.end_contact(task, now, roster.morale[agent] if roster is not None else 1.0) \
                    if self.book is not None else 0
                overridden = self.requests is not None and self.requests.after_contact(task, now)
                if self._watch is not None and self.requests is not None:
                    self._watch(task.customer)  # a refused request angers
                if roster is not None:
                    anger = task.customer.anger_at(now, self._decay) if task.customer.anger > 0.0 else 0.0
                    roster.after_contact(agent, anger, recovery, task.interval, task.conceded, overridden)
            else:
                self.book.end_attempt(task, now)
        pool = self.pool
        if pool is None or pool.leaving or pool.dismissed:
            self.router.agent_done(agent, now)  # the router decides whether this agent stops
        else:
            self.router.agent_free(agent, now)

    def _record(self, contact: Contact, outcome: str, wait: float, agent: int = -1, talk: float = math.nan,
                wrapup: float = math.nan) -> None:
        if self.trace is not None:
            group = "" if agent < 0 else self._group_names[self._group_of[agent] if self._group_of is not None else 0]
            self.trace(trace_row(self.replication, contact, self._type_names[contact.ctype], self.timeline, outcome, wait, talk,
                                 wrapup, agent, group))

    def _record_callback(self, cb, agent: int, now: float, reached: bool, talk: float, wrapup: float) -> None:
        group = self._group_names[self._group_of[agent] if self._group_of is not None else 0]
        self.trace(callback_row(self.replication, cb, self._type_names[cb.ctype], self.timeline, now, reached, talk, wrapup, agent,
                                group))


def _exponentials(rng, mean: float) -> Callable[[], float]:
    """Exponential draws of this mean from ``rng``, one per call."""
    return block_draws(lambda n: rng.exponential(mean, n))


def run_replication(scenario: Scenario, seed: int, replication: int, trace: TraceSink | None = None,
                    agent_log: TraceSink | None = None) -> dict:
    """Run one replication and return its per-interval counters as numpy arrays (see
    :meth:`CallCenter.books`)."""
    center = CallCenter(scenario, seed, replication, trace, agent_log)
    center.run()
    return center.books()
