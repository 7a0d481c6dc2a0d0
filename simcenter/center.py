"""The contact center: agents on duty, the queue, the callback queue, and what happens
when a contact arrives, an agent becomes free, or a promise comes due. This is the SimPy
model.

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
  rises, agents come on duty and take waiting work; when it falls, idle agents leave at
  once and busy ones when they finish the contact in hand. At closing the agents on duty
  finish the inbound queue (close-out) before they leave. Handling a contact keeps an agent
  busy for the talk time plus the contact type's wrap-up time.
* **After hours.** A contact arriving while the center is closed is lost, or returns after
  the next opening, or, out of contract, is served by the closing agents kept on for the
  concession window (overtime), as ``calendar.after_hours`` says.
* **Out-of-policy requests** (``[policy]``). Some answered contacts ask for what the rules
  do not allow; the agent refuses, the customer gets angrier, unless management overrules
  the agent and concedes.
* **Promises** (:mod:`simcenter.promises`). An answered contact may end with a promise. A
  broken one brings the customer back, angrier (:mod:`simcenter.customer`); on that repeat
  contact the agent attempts recovery. Callback promises wait in a callback queue that the
  same agents serve, in the order ``callbacks.priority`` sets against inbound callers.

How it runs
-----------
SimPy is the event core: every future happening is a ``Timeout`` in SimPy's event queue,
and what happens then is a plain callback on that event. There is no SimPy process per
customer and no ``Resource``: the queue is a deque, the callback queue a heap by due time,
idle agents a list, which keeps each contact to two or three events (arrival, end of
handling, and a patience timer only for callers who wait). A fulfilment promise costs an
event only if it is broken and noticed within the run.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import deque
from typing import Callable

import simpy
from simpy.events import Timeout

from .budget import WorkGuard, estimate
from .calendar import Timeline
from .contact import ABANDONED, ANSWERED, WAITING, Contact, Origin, Outcome
from .customer import Customer
from .distributions import delay_draws, handle_time_draws, patience_draws
from .promises import BROKEN, CALLING, GAVE_UP, KEPT, PENDING, RETRY_WAIT, Callback, recovery_probabilities
from .scenario import WEEKDAYS, Scenario
from .stats import Accumulator
from .streams import Purpose, block_draws, constant, generator
from .workforce import Roster

__all__ = ["CallCenter", "run_replication", "TRACE_COLUMNS"]

TraceSink = Callable[[tuple], None]
_LN2 = math.log(2.0)


class CallCenter:
    """One replication of a scenario, built on a fresh ``simpy.Environment``."""

    def __init__(
        self, scenario: Scenario, seed: int, replication: int, trace: TraceSink | None = None, agent_log: TraceSink | None = None
    ):
        self.scenario = scenario
        self.timeline = tl = Timeline.from_scenario(scenario)
        self.env = simpy.Environment()
        self.stats = Accumulator(tl.n_intervals, tl.interval_s)
        self.trace = trace
        self.replication = replication
        self._seed = seed

        # Random streams, one per purpose (see simcenter.streams).
        def rng(purpose: int, index: int = 0):
            return generator(seed, replication, purpose, index)

        def uniforms(purpose: int, index: int = 0):
            return block_draws(rng(purpose, index).random)

        arrivals = rng(Purpose.ARRIVALS)
        self._next_exp = block_draws(arrivals.standard_exponential)
        types = scenario.contact_types
        self._types = types
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
        self._redial_u = uniforms(Purpose.REDIAL, 0)
        redial_delay = rng(Purpose.REDIAL, 1)
        mean_delay = scenario.patience.redial_delay_mean_s
        self._redial_delay = block_draws(lambda n: redial_delay.exponential(mean_delay, n))
        self._redial_patience = patience_draws(scenario.patience, rng(Purpose.REDIAL, 2))
        self._spread_s = scenario.calendar.next_day_spread_minutes * 60.0
        self._next_day_u = uniforms(Purpose.AFTER_HOURS)
        self._defer = scenario.calendar.after_hours == "next_day"
        self._target_s = scenario.service_level.target_s

        # Promises, customers' anger, recovery, callbacks.
        self._promises_on = scenario.has_promises
        cust = scenario.customers
        self._decay = _LN2 / (cust.anger_half_life_days * 86_400.0)
        self._anger_per_wait = cust.anger_per_wait_min / 60.0
        self._anger_threshold = cust.anger_wait_threshold_s
        self._patience_factor = cust.patience_anger_factor
        self._resolution_factor = cust.resolution_anger_factor
        self._deesc_per_anger = cust.deescalation_s_per_anger
        self._deesc_cap = cust.deescalation_cap_s
        self._deesc = block_draws(rng(Purpose.ANGER).standard_exponential)
        if self._promises_on:
            self._promise_u = uniforms(Purpose.PROMISE, 0)
            self._broken_u = uniforms(Purpose.PROMISE, 1)
            self._notice = delay_draws(scenario.promises.notice_delay, rng(Purpose.PROMISE, 2))
            self._callback_notice = delay_draws(scenario.promises.callback_notice_delay, rng(Purpose.PROMISE, 4))
            self._return_u = uniforms(Purpose.PROMISE, 3)
            self._due = [delay_draws(c.promise_due, rng(Purpose.PROMISE, 10 + i)) for i, c in enumerate(types)]
            self._repeat_handle = [handle_time_draws(c.handle_time, rng(Purpose.REPEAT, 10 + i)) for i, c in enumerate(types)]
            self._repeat_patience = patience_draws(scenario.patience, rng(Purpose.REPEAT, 0))
            self._fix_u = uniforms(Purpose.RECOVERY, 0)
            self._concede_u = uniforms(Purpose.RECOVERY, 1)
            self._reach_u = uniforms(Purpose.CALLBACK, 0)
            self._callback_handle = [handle_time_draws(c.handle_time, rng(Purpose.CALLBACK, 10 + i)) for i, c in enumerate(types)]
            self._noncompliance_by_day = self._noncompliance_table()
        cb = scenario.callbacks
        self._policy = cb.priority
        self._reserved = cb.reserved_agents if cb.priority == "reserved" else 0
        self._window_s = cb.deadline_window_min * 60.0
        self._reach_prob = cb.reach_prob
        self._attempt_s = cb.attempt_s
        self._retry_s = cb.retry_delay_min * 60.0
        self._max_attempts = cb.max_attempts

        # Agents as people (None: the plan's identical servers).
        self.roster = Roster(scenario, seed, replication, self.stats, agent_log) if scenario.workforce.enabled else None
        pol = scenario.policy
        self._policy_on = pol.out_of_policy_prob > 0.0
        if self._policy_on:
            self._request_u = uniforms(Purpose.POLICY, 0)
            self._override_u = uniforms(Purpose.POLICY, 1)
        self._track = self._promises_on or self._policy_on or self.roster is not None  # remember what each agent handles
        self._plan = 0  # agents the staffing plan asks for now
        self._dismissed: set[int] = set()  # busy agents who must stop when they finish
        self._reserved_on: set[int] = set()  # agents on duty who take callbacks first

        # State.
        self.queue: deque[Contact] = deque()
        self.callbacks: list = []  # heap of (due, seq, Callback) available to call
        self._open_callbacks: set[Callback] = set()
        self._seq = 0
        self.idle: list[int] = []  # ids of idle agents on duty
        self.on_duty = 0
        self.leaving = 0  # busy agents who leave when they finish
        self._free_ids: list[int] = []  # heap: the lowest free id comes on duty first
        self._next_agent_id = 0
        self._serving: dict[int, object] = {}  # agent -> contact or callback, with promises on
        self._staffed_since = 0.0
        self._contacts = 0
        # the guard against feedback loops (simcenter.budget): checked every WorkGuard.every contacts
        self._guard = WorkGuard(estimate(scenario).contacts_bound)
        self._checkpoint = WorkGuard.every
        self._loop_redials = 0  # contacts made by redials and next-day returns
        self._loop_repeats = 0  # contacts made by broken promises

    def _noncompliance_table(self) -> list[list[float]]:
        """Noncompliance per run day (warm-up included) and contact type."""
        sc = self.scenario
        base = [c.noncompliance for c in sc.contact_types]
        table = [list(base) for _ in range(sc.total_days)]
        warm = sc.simulation.warmup_days
        for outage in sc.promises.outages:
            for day in range(outage.start_day, outage.end_day + 1):
                index = warm + day - 1
                if 0 <= index < sc.total_days:
                    table[index] = [outage.noncompliance] * len(base)
        return table

    # -- running ------------------------------------------------------------------------

    def run(self) -> Accumulator:
        """Simulate the whole horizon and return the statistics."""
        env, tl = self.env, self.timeline
        if self.roster is not None:
            self.roster.new_day(0, 0.0)
            for day in range(1, tl.days):
                Timeout(env, day * 86_400.0, day).callbacks.append(self._on_midnight)
        for when, agents in self._plan_changes():
            if when == 0.0:
                self._plan = agents
                self._apply_staffing()
            else:
                Timeout(env, when, agents).callbacks.append(self._on_staffing)
        self._schedule_arrival(0.0)
        env.run(until=tl.horizon_s)
        self._finish()
        return self.stats

    def _plan_changes(self) -> list[tuple[float, int]]:
        """(time, agents planned on duty) at the start and at every change: from the
        interval plan, or from the shifts (starts, ends and breaks), with each shift-day's
        present agents drawn binomially when ``agents.shrinkage`` applies."""
        sc = self.scenario
        if not sc.shifts:
            return self.timeline.staffing_changes()
        shrink = sc.agents.shrinkage if self.roster is None else 0.0
        rng = generator(self._seed, self.replication, Purpose.SHIFTS)
        deltas: dict[float, int] = {}

        def add(t: float, n: int) -> None:
            deltas[t] = deltas.get(t, 0) + n

        for day in range(sc.total_days):
            weekday = WEEKDAYS[sc.weekday(day)]
            for shift in sc.shifts:
                if weekday not in shift.days or shift.headcount == 0 or sc.agents.scale == 0.0:
                    continue
                scheduled = int(round(shift.headcount * sc.agents.scale))
                n = int(rng.binomial(scheduled, 1.0 - shrink)) if shrink > 0.0 else scheduled
                hours, minutes = shift.start.split(":")
                start = day * 86_400.0 + int(hours) * 3600.0 + int(minutes) * 60.0
                add(start, n)
                add(start + shift.length_h * 3600.0, -n)
                for brk in shift.breaks:
                    away = start + brk.after_h * 3600.0
                    add(away, -n)
                    add(away + brk.minutes * 60.0, n)
        tl = self.timeline
        if any(tl.conceded):
            levels = sorted(deltas)
            running, level_at = 0, []
            for t in levels:
                running += deltas[t]
                level_at.append((t, running))
            for k in range(1, tl.n_intervals):
                if tl.conceded[k] and not tl.conceded[k - 1]:
                    close = k * tl.interval_s
                    i = bisect.bisect_left(levels, close) - 1
                    keep = level_at[i][1] if i >= 0 else 0
                    end = close
                    while end < tl.horizon_s and tl.conceded[int(end // tl.interval_s)]:
                        end += tl.interval_s
                    if keep:
                        add(close, keep)
                        add(end, -keep)
        level, out = 0, [(0.0, 0)]
        for t in sorted(deltas):
            if t >= self.timeline.horizon_s:
                break
            level += deltas[t]
            if t <= 0.0:
                out[0] = (0.0, level)
            elif level != out[-1][1]:
                out.append((t, level))
        return out

    def _finish(self) -> None:
        end = self.timeline.horizon_s
        self._account_staffed(end)
        st = self.stats
        for c in self.queue:
            if c.state == WAITING:
                st.waiting_at_end[c.interval] += 1
                st.wait_other_s[c.interval] += end - c.arrival
                self._record(c, Outcome.WAITING_AT_END, end - c.arrival)
        for cb in self._open_callbacks:
            st.promises_open[cb.interval] += 1
        if self.roster is not None:
            self.roster.finish(self.timeline.days - 1, end)
        for k, conceded in enumerate(self.timeline.conceded):
            if conceded:  # agents kept on for the concession window: all of it is overtime
                st.overtime_s[k] = st.staffed_s[k]

    def _interval(self, t: float) -> int:
        return min(int(t // self.timeline.interval_s), self.timeline.n_intervals - 1)

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

    def _next_id(self) -> int:
        """A new contact's id; every ``WorkGuard.every`` contacts the guard checks that the
        run is within the bounds estimated before it started."""
        cid = self._contacts
        self._contacts = cid + 1
        if cid >= self._checkpoint:
            self._checkpoint = self._guard.check(cid, self.env.now, self._loop_redials, self._loop_repeats)
        return cid

    def _on_first_contact(self, event) -> None:
        now = self.env.now
        ctype = self._next_type()
        cid = self._next_id()
        contact = Contact(cid, Customer(cid), Origin.FIRST, ctype, self._handle[ctype](), self._patience())
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
        origin = contact.origin
        if origin == Origin.FIRST:  # counted once, when the customer makes the contact
            st.first_contacts[k] += 1
        elif origin == Origin.REPEAT:
            st.repeat_contacts[k] += 1
        if self.timeline.conceded[k]:
            contact.conceded = True
            st.conceded[k] += 1
        elif not self.timeline.is_open[k]:
            st.after_hours[k] += 1
            if self._defer:
                st.deferred[k] += 1
                self._record(contact, Outcome.DEFERRED, 0.0)
                back = self.timeline.next_opening(now) + self._next_day_u() * self._spread_s
                if back < self.timeline.horizon_s:
                    self._retry(contact, Origin.NEXT_DAY, back - now)
            else:
                st.lost_after_hours[k] += 1
                self._record(contact, Outcome.LOST_AFTER_HOURS, 0.0)
            return
        st.offered[k] += 1
        if contact.repeat:
            st.failure_demand[k] += 1
        customer = contact.customer
        if customer.anger > 0.0 and self._patience_factor > 0.0:
            contact.patience /= 1.0 + self._patience_factor * customer.anger_at(now, self._decay)
        if self.idle:
            self._serve(contact, self.idle.pop(), now)
            return
        st.waited[k] += 1
        self.queue.append(contact)
        if contact.patience != math.inf:
            Timeout(self.env, contact.patience, contact).callbacks.append(self._on_patience_end)

    def _retry(self, contact: Contact, origin: str, delay: float) -> None:
        """The same customer, with the same need, tries again after ``delay`` seconds."""
        cid = self._next_id()
        self._loop_redials += 1
        again = Contact(cid, contact.customer, origin, contact.ctype, contact.handle, self._redial_patience(), contact.repeat)
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
        if self._anger_per_wait > 0.0 and contact.patience > self._anger_threshold:
            contact.customer.add_anger(self._anger_per_wait * (contact.patience - self._anger_threshold), self.env.now, self._decay)
        if self._redial_prob > 0.0 and self._redial_u() < self._redial_prob:
            st.redials[k] += 1
            self._retry(contact, Origin.REDIAL, self._redial_delay())
        # Abandoned contacts stay in the deque until an agent reaches them: removing
        # from the middle of a deque costs O(n), skipping them later costs nothing.

    # -- handling -----------------------------------------------------------------------

    def _talk_time(self, base: float, customer: Customer, now: float) -> float:
        """Talk time of a contact: longer for an angry customer (de-escalation first,
        then a longer resolution)."""
        anger = customer.anger_at(now, self._decay) if customer.anger > 0.0 else 0.0
        if anger == 0.0:
            return base
        deescalation = min(self._deesc_cap, self._deesc() * self._deesc_per_anger * anger)
        return base * (1.0 + self._resolution_factor * anger) + deescalation

    def _serve(self, contact: Contact, agent: int, now: float) -> None:
        contact.state = ANSWERED
        wait = now - contact.arrival
        customer = contact.customer
        if self._anger_per_wait > 0.0 and wait > self._anger_threshold:
            customer.add_anger(self._anger_per_wait * (wait - self._anger_threshold), now, self._decay)
        wrapup = self._wrapup[contact.ctype]
        talk = self._talk_time(contact.handle, customer, now) if customer.anger > 0.0 else contact.handle
        if self.roster is not None:
            talk *= self.roster.speed(agent, now)
        work = talk + wrapup
        k = contact.interval
        st = self.stats
        st.answered[k] += 1
        if wait <= self._target_s:
            st.answered_in_target[k] += 1
            if contact.conceded:
                st.conceded_in_target[k] += 1
        st.wait_answered_s[k] += wait
        st.handle_s[k] += work
        st.handle_base_s[k] += contact.handle + wrapup
        if contact.repeat:
            st.answered_repeat[k] += 1
            st.handle_repeat_s[k] += work
        else:
            st.answered_first[k] += 1
            st.handle_first_s[k] += work
            if customer.fcr_interval < 0:
                customer.fcr_interval = k
                st.fcr_base[k] += 1
        st.spread(st.busy_s, now, now + work)
        if self.trace is not None:
            self._record(contact, Outcome.ANSWERED, wait, agent, talk)
        if self._track:
            self._serving[agent] = contact
            if self.roster is not None:
                self.roster.busy(agent, work)
        Timeout(self.env, work, agent).callbacks.append(self._on_done)

    def _next_waiting(self) -> Contact | None:
        queue = self.queue
        while queue:
            contact = queue.popleft()
            if contact.state == WAITING:
                return contact
        return None

    def _has_waiting(self) -> bool:
        queue = self.queue
        while queue and queue[0].state != WAITING:
            queue.popleft()
        return bool(queue)

    def _next_callback(self) -> Callback | None:
        heap = self.callbacks
        while heap:
            cb = heap[0][2]
            if cb.state == PENDING:
                return cb
            heapq.heappop(heap)
        return None

    def _dispatch(self, agent: int, now: float) -> None:
        """A free agent takes the next piece of work, or goes idle."""
        cb = self._next_callback() if self.callbacks else None
        if cb is not None:
            policy = self._policy
            if (
                policy == "callbacks_first"
                or (policy == "reserved" and agent in self._reserved_on)
                or (policy == "deadline" and cb.due - now <= self._window_s)
                or not self._has_waiting()
            ):
                heapq.heappop(self.callbacks)
                self._call_back(cb, agent, now)
                return
        nxt = self._next_waiting()
        if nxt is None:
            self.idle.append(agent)
        else:
            self._serve(nxt, agent, now)

    def _on_done(self, event) -> None:
        """An agent finished a contact or callback: wrap up its outcome, then leave, take
        the next piece of work, or go idle."""
        agent = event._value
        now = self.env.now
        if self._track:
            task = self._serving.pop(agent)
            if type(task) is Contact:
                recovery = self._end_contact(task, now, agent) if self._promises_on else 0
                overridden = self._policy_on and self._out_of_policy(task, now)
                if self.roster is not None:
                    anger = task.customer.anger_at(now, self._decay) if task.customer.anger > 0.0 else 0.0
                    self.roster.after_contact(agent, anger, recovery, task.interval, task.conceded, overridden)
            else:
                self._end_callback(task, now)
        if self._dismissed and agent in self._dismissed:
            self._dismissed.discard(agent)
            self._go_off_duty(agent, now)
            self._apply_staffing()
            return
        if self.leaving:
            nxt = None if self.timeline.is_open[int(now // self.timeline.interval_s)] else self._next_waiting()
            if nxt is None:
                self.leaving -= 1
                self._go_off_duty(agent, now)
            else:  # close-out: the inbound queue is finished after closing
                self._serve(nxt, agent, now)
            return
        self._dispatch(agent, now)

    # -- promises -----------------------------------------------------------------------

    def _out_of_policy(self, contact: Contact, now: float) -> bool:
        """A request against the rules: the agent refuses; management may overrule them
        (a concession). Returns whether management overrode the agent."""
        pol = self.scenario.policy
        if self._request_u() >= pol.out_of_policy_prob:
            return False
        st = self.stats
        k = contact.interval
        st.out_of_policy[k] += 1
        if pol.override_prob > 0.0 and self._override_u() < pol.override_prob:
            st.overrides[k] += 1
            st.concessions[k] += 1
            return True
        if pol.refusal_anger > 0.0:
            contact.customer.add_anger(pol.refusal_anger, now, self._decay)
        return False

    def _end_contact(self, contact: Contact, now: float, agent: int) -> int:
        """The contact is over: recovery on a repeat contact, and perhaps a promise.
        Returns 0 (no recovery attempted), 1 (failed), 2 (recovered), 3 (by a concession)."""
        spec = self._types[contact.ctype]
        customer = contact.customer
        if contact.repeat and self.scenario.recovery.enabled:
            st = self.stats
            k = contact.interval
            st.recovery_attempts[k] += 1
            morale = self.roster.morale[agent] if self.roster is not None else 1.0
            p_fix, p_concede = recovery_probabilities(self.scenario.recovery, customer.anger_at(now, self._decay), morale)
            outcome = 2 if self._fix_u() < p_fix else 1
            if outcome == 1 and p_concede > 0.0 and self._concede_u() < p_concede:
                outcome = 3
                st.concessions[k] += 1
            if outcome > 1:
                st.recoveries[k] += 1
                customer.anger *= 1.0 - self.scenario.recovery.calm_on_success
                return outcome
            self._make_promise(customer, contact.ctype, spec, now)
            return 1
        if spec.promise_prob > 0.0 and self._promise_u() < spec.promise_prob:
            self._make_promise(customer, contact.ctype, spec, now)
        return 0

    def _make_promise(self, customer: Customer, ctype: int, spec, now: float) -> None:
        st = self.stats
        k = self._interval(now)
        st.promises_made[k] += 1
        due = now + self._due[ctype]()
        horizon = self.timeline.horizon_s
        if spec.promise_kind == "callback":
            cb = Callback(customer, ctype, due, k)
            self._open_callbacks.add(cb)
            if due < horizon:
                Timeout(self.env, due - now, cb).callbacks.append(self._on_callback_due)
            self._offer_callback(cb, now)
            return
        if due >= horizon:
            st.promises_open[k] += 1
            return
        day = min(int(due // 86_400.0), len(self._noncompliance_by_day) - 1)
        if self._broken_u() < self._noncompliance_by_day[day][ctype]:
            st.promises_broken[k] += 1
            self._case_broken(customer)
            noticed = due + self._notice()
            if noticed < horizon:
                Timeout(self.env, noticed - now, (customer, ctype)).callbacks.append(self._on_broken_noticed)
        else:
            st.promises_kept[k] += 1

    def _case_broken(self, customer: Customer) -> None:
        if not customer.unresolved and customer.fcr_interval >= 0:
            self.stats.fcr_unresolved[customer.fcr_interval] += 1
        customer.unresolved = True

    def _on_broken_noticed(self, event) -> None:
        """The customer finds the promise broken: anger, then churn or a repeat contact."""
        customer, ctype = event._value
        now = self.env.now
        anger = customer.add_anger(self.scenario.customers.anger_per_broken_promise, now, self._decay)
        if anger >= self.scenario.customers.churn_anger or self._return_u() >= self.scenario.promises.return_prob:
            self.stats.churned[self._interval(now)] += 1
            return
        cid = self._next_id()
        self._loop_repeats += 1
        contact = Contact(cid, customer, Origin.REPEAT, ctype, self._repeat_handle[ctype](), self._repeat_patience(), True)
        self._arrive(contact, now)

    # -- callbacks ----------------------------------------------------------------------

    def _offer_callback(self, cb: Callback, now: float) -> None:
        """A callback becomes available: an idle agent calls at once, else it queues."""
        cb.state = PENDING
        if self.idle:
            self._call_back(cb, self.idle.pop(), now)
            return
        self._seq += 1
        heapq.heappush(self.callbacks, (cb.due, self._seq, cb))

    def _call_back(self, cb: Callback, agent: int, now: float) -> None:
        st = self.stats
        cb.attempts += 1
        st.callback_attempts[self._interval(now)] += 1
        if self._reach_u() < self._reach_prob:
            cb.state = KEPT
            self._open_callbacks.discard(cb)
            st.promises_kept[cb.interval] += 1
            st.callbacks_kept[cb.interval] += 1
            talk = self._talk_time(self._callback_handle[cb.ctype](), cb.customer, now)
            if self.roster is not None:
                talk *= self.roster.speed(agent, now)
            work = talk + self._wrapup[cb.ctype]
        else:
            cb.state = CALLING
            work = self._attempt_s
        st.spread(st.busy_s, now, now + work)
        self._serving[agent] = cb
        if self.roster is not None:
            self.roster.busy(agent, work)
        Timeout(self.env, work, agent).callbacks.append(self._on_done)

    def _end_callback(self, cb: Callback, now: float) -> None:
        if cb.state != CALLING:  # reached (kept), or broken while the attempt went on
            return
        if cb.attempts < self._max_attempts and now + self._retry_s < cb.due:
            cb.state = RETRY_WAIT
            Timeout(self.env, self._retry_s, cb).callbacks.append(self._on_callback_retry)
        else:
            cb.state = GAVE_UP

    def _on_callback_retry(self, event) -> None:
        cb = event._value
        if cb.state == RETRY_WAIT:
            self._offer_callback(cb, self.env.now)

    def _on_callback_due(self, event) -> None:
        cb: Callback = event._value
        if cb.state == KEPT:
            return
        cb.state = BROKEN
        self._open_callbacks.discard(cb)
        st = self.stats
        st.promises_broken[cb.interval] += 1
        st.callbacks_broken[cb.interval] += 1
        self._case_broken(cb.customer)
        now = self.env.now
        noticed = now + self._callback_notice()
        if noticed < self.timeline.horizon_s:
            Timeout(self.env, noticed - now, (cb.customer, cb.ctype)).callbacks.append(self._on_broken_noticed)

    # -- agents -------------------------------------------------------------------------

    def _on_staffing(self, event) -> None:
        self._account_staffed(self.env.now)
        self._plan = event._value
        self._apply_staffing()

    def _apply_staffing(self) -> None:
        """Bring the agents on duty to the plan, or, with a roster, to as many of the
        plan as there are agents present to work."""
        target = self._plan
        if self.roster is not None:
            target = min(target, self.on_duty - self.leaving - len(self._dismissed) + len(self.roster.available))
        self._set_staffing(target)

    def _on_midnight(self, event) -> None:
        """The roster's day starts: agents who left or are absent stop, others come."""
        now = self.env.now
        for agent in self.roster.new_day(event._value, now):
            if agent in self.idle:
                self.idle.remove(agent)
                self._go_off_duty(agent, now)
            else:
                self._dismissed.add(agent)
        self._apply_staffing()

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
        if self.roster is not None:
            agent = self.roster.take()
            if agent is None:
                return
            self.roster.on_duty(agent, now)
        elif self._free_ids:
            agent = heapq.heappop(self._free_ids)
        else:
            agent = self._next_agent_id
            self._next_agent_id += 1
        self._account_staffed(now)
        self.on_duty += 1
        if len(self._reserved_on) < self._reserved:
            self._reserved_on.add(agent)
        self._dispatch(agent, now)

    def _go_off_duty(self, agent: int, now: float) -> None:
        self._account_staffed(now)
        self.on_duty -= 1
        self._reserved_on.discard(agent)
        if self.roster is not None:
            self.roster.off_duty(agent, now)
        else:
            heapq.heappush(self._free_ids, agent)

    def _account_staffed(self, now: float) -> None:
        """Agent time on duty since the last change; the part beyond the plan (agents
        finishing a contact after their time, close-out after closing) is overtime."""
        if self.on_duty:
            since = self._staffed_since
            self.stats.spread(self.stats.staffed_s, since, now, self.on_duty)
            if self.on_duty > self._plan:
                self.stats.spread(self.stats.overtime_s, since, now, self.on_duty - self._plan)
        self._staffed_since = now

    # -- trace --------------------------------------------------------------------------

    def _record(self, contact: Contact, outcome: str, wait: float, agent: int = -1, talk: float = math.nan) -> None:
        if self.trace is None:
            return
        answered = outcome == Outcome.ANSWERED
        tl = self.timeline
        self.trace(
            (
                self.replication,
                contact.id,
                contact.customer.id,
                contact.origin,
                self._type_names[contact.ctype],
                contact.arrival,
                contact.interval // tl.intervals_per_day,
                contact.interval % tl.intervals_per_day,
                contact.interval < tl.warmup_intervals,
                outcome,
                wait,
                talk,
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


def run_replication(
    scenario: Scenario, seed: int, replication: int, trace: TraceSink | None = None, agent_log: TraceSink | None = None
) -> dict:
    """Run one replication and return its per-interval counters as numpy arrays."""
    return CallCenter(scenario, seed, replication, trace, agent_log).run().arrays()
