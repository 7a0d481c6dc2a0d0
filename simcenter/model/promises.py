"""Promises, callbacks and recovery: how broken promises become failure demand.

A contact may end with a promise with a due time. A *fulfilment* promise depends on the
back office: it is kept or broken with the contact type's noncompliance probability (or an
outage's, for promises coming due during ``promises.outages``). A *callback* promise
depends on the center itself: a callback task joins the callback queue, which the same
agents serve; it is kept if an agent reaches the customer before the due time, broken
otherwise.

A broken promise is noticed after a delay (``promises.notice_delay`` for fulfilment,
``promises.callback_notice_delay`` for callbacks). The customer's anger rises; a customer
whose anger reaches ``customers.churn_anger`` churns; otherwise they contact the center
again with probability ``promises.return_prob`` (else they churn silently). That repeat
contact is *failure demand*; its caller waits with the patience of the contact's type.

On a repeat contact the agent attempts *recovery*
(:func:`~simcenter.model.formulas.recovery_probabilities`): success closes the case and calms
the customer, failure leaves a new promise that can break again.

A callback is called by an agent the router sends (:mod:`simcenter.model.router`); each
attempt reaches the customer with ``callbacks.reach_prob`` (a conversation of the contact
type's talk time and wrap-up) or not (``callbacks.attempt_s`` of the agent's time). An
unreached customer is tried again after ``callbacks.retry_delay_min``, at most
``callbacks.max_attempts`` times and only while the promise is not yet due.

Every promise ends kept, broken, or open at the end of the run; outcomes are counted in the
interval in which the promise was made. The :class:`PromiseBook` keeps all of this for one
replication: the engine tells it when a contact ends and when a callback attempt starts and
ends; the book makes the promises, decides them, and sends the customers who come back to
the engine as repeat contacts.
"""

from __future__ import annotations

import math
from typing import Callable

from simpy.events import Timeout

from .contact import Contact, Origin
from .distributions import delay_draws, handle_time_draws, patience_draws
from .formulas import noncompliance_by_day, recovery_probabilities
from .patience import TYPE_REPEAT, draws_by_type
from .streams import Purpose

__all__ = ["Callback", "PromiseBook", "recovery_probabilities", "PENDING", "RETRY_WAIT", "CALLING", "KEPT", "BROKEN", "GAVE_UP"]

# Callback task states.
PENDING, RETRY_WAIT, CALLING, KEPT, BROKEN, GAVE_UP = range(6)


class Callback:
    """A promised call back to ``customer`` about a contact of type ``ctype``, due at
    ``due`` (seconds), made in interval ``interval`` at time ``made`` (seconds) at the end
    of contact number ``contact_id`` (-1: not known)."""

    __slots__ = ("customer", "ctype", "due", "interval", "attempts", "state", "contact_id", "made")

    def __init__(self, customer, ctype: int, due: float, interval: int, contact_id: int = -1, made: float = math.nan):
        self.customer = customer
        self.ctype = ctype
        self.due = due
        self.interval = interval
        self.attempts = 0
        self.state = PENDING
        self.contact_id = contact_id
        self.made = made


class PromiseBook:
    """The promises of one replication, from making to their end.

    ``rng(purpose, index)`` gives the replication's random streams
    (:mod:`simcenter.model.streams`); ``uniforms(purpose, index)`` a draw function of
    uniforms; ``decay`` the anger decay per second. The engine's hooks: ``next_id()`` numbers
    a new contact, ``arrive(contact, now)`` brings a repeat contact to the center,
    ``callback_ready(cb, now)`` hands a callback to the router; ``value`` (a
    :class:`~simcenter.model.value.ValueBook`, when ``[value]`` is on) hears of recoveries,
    broken promises noticed and churn.
    """

    def __init__(self, scenario, timeline, env, stats, rng: Callable, uniforms: Callable, decay: float,
                 next_id: Callable, arrive: Callable, callback_ready: Callable, value=None):
        self.scenario = scenario
        self.value = value  # the customer-value accounts (simcenter.model.value), or None
        self.env = env
        self.stats = stats
        self.decay = decay
        self.next_id = next_id
        self.arrive = arrive
        self.callback_ready = callback_ready
        self.horizon_s = timeline.horizon_s
        self.interval_s = timeline.interval_s
        self.last_interval = timeline.n_intervals - 1
        types = scenario.contact_types
        self.types = types
        self._promise_u = uniforms(Purpose.PROMISE, 0)
        self._broken_u = uniforms(Purpose.PROMISE, 1)
        self._notice = delay_draws(scenario.promises.notice_delay, rng(Purpose.PROMISE, 2))
        self._callback_notice = delay_draws(scenario.promises.callback_notice_delay, rng(Purpose.PROMISE, 4))
        self._return_u = uniforms(Purpose.PROMISE, 3)
        self._due = [delay_draws(c.promise_due, rng(Purpose.PROMISE, 10 + i)) for i, c in enumerate(types)]
        self._repeat_handle = [handle_time_draws(c.handle_time, rng(Purpose.REPEAT, 10 + i)) for i, c in enumerate(types)]
        self._repeat_patience = draws_by_type(scenario, patience_draws(scenario.patience, rng(Purpose.REPEAT, 0)), rng, TYPE_REPEAT)
        self._fix_u = uniforms(Purpose.RECOVERY, 0)
        self._concede_u = uniforms(Purpose.RECOVERY, 1)
        self._reach_u = uniforms(Purpose.CALLBACK, 0)
        self._callback_handle = [handle_time_draws(c.handle_time, rng(Purpose.CALLBACK, 10 + i)) for i, c in enumerate(types)]
        self._noncompliance = noncompliance_by_day(scenario)
        cb = scenario.callbacks
        self._reach_prob = cb.reach_prob
        self._retry_s = cb.retry_delay_min * 60.0
        self._max_attempts = cb.max_attempts
        self.open_callbacks: set[Callback] = set()
        self.repeats = 0  # repeat contacts made (the engine's work guard watches them)

    def _interval(self, t: float) -> int:
        return min(int(t // self.interval_s), self.last_interval)

    # -- the end of a contact ---------------------------------------------------------------

    def end_contact(self, contact, now: float, morale: float) -> int:
        """The contact is over: recovery on a repeat contact (by an agent of this
        ``morale``), and perhaps a promise. Returns 0 (no recovery attempted), 1 (failed),
        2 (recovered), 3 (recovered by a concession)."""
        spec = self.types[contact.ctype]
        customer = contact.customer
        recovery = self.scenario.recovery
        if contact.repeat and recovery.enabled:
            st = self.stats
            k = contact.interval
            st.recovery_attempts[k] += 1
            p_fix, p_concede = recovery_probabilities(recovery, customer.anger_at(now, self.decay), morale)
            outcome = 2 if self._fix_u() < p_fix else 1
            if outcome == 1 and p_concede > 0.0 and self._concede_u() < p_concede:
                outcome = 3
                st.concessions[k] += 1
            if outcome > 1:
                st.recoveries[k] += 1
                customer.anger *= 1.0 - recovery.calm_on_success
                if self.value is not None:
                    self.value.recovered(customer, k, outcome == 3)
                return outcome
            self._promise(customer, contact.ctype, spec, now, contact.id)
            return 1
        if spec.promise_prob > 0.0 and self._promise_u() < spec.promise_prob:
            self._promise(customer, contact.ctype, spec, now, contact.id)
        return 0

    def _promise(self, customer, ctype: int, spec, now: float, contact_id: int) -> None:
        """A promise due after the type's ``promise_due``, made at the end of contact
        ``contact_id``: a callback to make, or a fulfilment the back office keeps or breaks
        (decided now, noticed later)."""
        st = self.stats
        k = self._interval(now)
        st.promises_made[k] += 1
        due = now + self._due[ctype]()
        horizon = self.horizon_s
        if spec.promise_kind == "callback":
            cb = Callback(customer, ctype, due, k, contact_id, now)
            self.open_callbacks.add(cb)
            if due < horizon:
                Timeout(self.env, due - now, cb).callbacks.append(self._on_callback_due)
            self._offer(cb, now)
            return
        if due >= horizon:
            st.promises_open[k] += 1
            return
        day = min(int(due // 86_400.0), len(self._noncompliance) - 1)
        if self._broken_u() < self._noncompliance[day][ctype]:
            st.promises_broken[k] += 1
            self._case_broken(customer)
            noticed = due + self._notice()
            if noticed < horizon:
                Timeout(self.env, noticed - now, (customer, ctype)).callbacks.append(self._on_broken_noticed)
        else:
            st.promises_kept[k] += 1

    def _case_broken(self, customer) -> None:
        if not customer.unresolved and customer.fcr_interval >= 0:
            self.stats.fcr_unresolved[customer.fcr_interval] += 1
        customer.unresolved = True

    def _on_broken_noticed(self, event) -> None:
        """The customer finds the promise broken: anger, then churn or a repeat contact."""
        customer, ctype = event._value
        now = self.env.now
        cust = self.scenario.customers
        anger = customer.add_anger(cust.anger_per_broken_promise, now, self.decay)
        if anger >= cust.churn_anger or self._return_u() >= self.scenario.promises.return_prob:
            self.stats.churned[self._interval(now)] += 1
            if self.value is not None:
                self.value.churned(customer, now)
            return
        if self.value is not None:
            self.value.noticed(customer, now)
            self.value.angered(customer)
        cid = self.next_id()
        self.repeats += 1
        contact = Contact(cid, customer, Origin.REPEAT, ctype, self._repeat_handle[ctype](), self._repeat_patience[ctype](), True)
        self.arrive(contact, now)

    # -- callbacks ------------------------------------------------------------------------

    def _offer(self, cb: Callback, now: float) -> None:
        cb.state = PENDING
        self.callback_ready(cb, now)

    def attempt(self, cb: Callback, now: float) -> float | None:
        """An agent calls: the customer's calm talk time (s) if reached (the promise is
        kept), None if not."""
        st = self.stats
        cb.attempts += 1
        st.callback_attempts[self._interval(now)] += 1
        if self._reach_u() < self._reach_prob:
            cb.state = KEPT
            self.open_callbacks.discard(cb)
            st.promises_kept[cb.interval] += 1
            st.callbacks_kept[cb.interval] += 1
            return self._callback_handle[cb.ctype]()
        cb.state = CALLING
        return None

    def end_attempt(self, cb: Callback, now: float) -> None:
        """The agent is done with a callback: an unreached customer is tried again later,
        if attempts and time remain."""
        if cb.state != CALLING:  # reached (kept), or broken while the attempt went on
            return
        if cb.attempts < self._max_attempts and now + self._retry_s < cb.due:
            cb.state = RETRY_WAIT
            Timeout(self.env, self._retry_s, cb).callbacks.append(self._on_retry)
        else:
            cb.state = GAVE_UP

    def _on_retry(self, event) -> None:
        cb = event._value
        if cb.state == RETRY_WAIT:
            self._offer(cb, self.env.now)

    def _on_callback_due(self, event) -> None:
        cb: Callback = event._value
        if cb.state == KEPT:
            return
        cb.state = BROKEN
        self.open_callbacks.discard(cb)
        st = self.stats
        st.promises_broken[cb.interval] += 1
        st.callbacks_broken[cb.interval] += 1
        self._case_broken(cb.customer)
        now = self.env.now
        noticed = now + self._callback_notice()
        if noticed < self.horizon_s:
            Timeout(self.env, noticed - now, (cb.customer, cb.ctype)).callbacks.append(self._on_broken_noticed)

    def finish(self) -> None:
        """End of the run: callbacks neither kept nor broken are open."""
        for cb in self.open_callbacks:
            self.stats.promises_open[cb.interval] += 1
