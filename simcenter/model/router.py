"""The router: who takes which work, when an agent frees up or work arrives.

Every moment of choice in the center passes through here:

* **A contact arrives** (:meth:`Router.contact_arrived`): an idle agent takes it at once,
  the one who went idle last; otherwise it joins the inbound queue.
* **A callback becomes available** (:meth:`Router.callback_ready`): an idle agent calls at
  once; otherwise it joins the callback queue.
* **An agent frees up** (:meth:`Router.agent_free`): they take the next piece of work, or go
  idle. When both queues hold work, the callback priority policy decides.
* **An agent finishes work** (:meth:`Router.agent_done`): an agent the roster dismissed,
  or one leaving because the plan fell, stops; after closing, a leaving agent first
  finishes the inbound queue (close-out). Anyone else frees up.

Callback priority policies
--------------------------
``callbacks.priority`` names one of :data:`POLICIES`, chosen once when the run starts. Each
is a small object whose ``takes_callback(cb, agent, now)`` says whether an agent who frees up
takes the callback at the head of the callback queue before the inbound callers; when no
caller waits, the callback is taken anyway.

* ``inbound_first``: callers on the line first; callbacks fill the agents' spare time.
* ``callbacks_first``: callbacks first, whenever one is available.
* ``reserved``: ``callbacks.reserved_agents`` agents take callbacks first, the rest callers
  first (the pool marks the reserved agents as they come on duty).
* ``deadline``: a callback goes first once it is due within ``callbacks.deadline_window_min``.

A new policy is one subclass of :class:`CallbackPolicy` and one entry in :data:`POLICIES`
(and the value added to the choices of ``callbacks.priority`` in the scenario schema; a test
checks that the two agree).
The router is the seam where skill-based routing will plug in.
"""

from __future__ import annotations

import abc
from typing import Callable

__all__ = ["Router", "CallbackPolicy", "POLICIES", "policy_for"]


class CallbackPolicy(abc.ABC):
    """A callback priority policy. ``takes_callback`` is asked with the callback at the head of
    the callback queue; ``self.router`` (set when the run starts) reaches the queues and the
    agent pool for a rule that needs them. ``reserve``: agents the pool sets aside for the
    policy as they come on duty. ``callbacks_ahead``: whether callbacks get agents' time ahead
    of callers at least some of the time (the work estimate, :mod:`simcenter.model.budget`,
    counts the callbacks a policy without it leaves to spare time)."""

    reserve = 0
    callbacks_ahead = True
    router = None

    def bind(self, router) -> None:
        self.router = router

    @abc.abstractmethod
    def takes_callback(self, cb, agent: int, now: float) -> bool:
        """Whether ``agent``, free at ``now``, takes callback ``cb`` before the callers."""


class InboundFirst(CallbackPolicy):
    """Callers on the line first; callbacks fill the agents' spare time."""

    callbacks_ahead = False

    def takes_callback(self, cb, agent: int, now: float) -> bool:
        return False


class CallbacksFirst(CallbackPolicy):
    """Callbacks first, whenever one is available."""

    def takes_callback(self, cb, agent: int, now: float) -> bool:
        return True


class Reserved(CallbackPolicy):
    """Some agents (the first on duty, up to ``reserve``) take callbacks first."""

    def __init__(self, reserve: int):
        self.reserve = reserve
        self.callbacks_ahead = reserve > 0

    def takes_callback(self, cb, agent: int, now: float) -> bool:
        return agent in self.router.reserved


class Deadline(CallbackPolicy):
    """A callback goes first once it is due within ``window_s`` seconds."""

    def __init__(self, window_s: float):
        self.window_s = window_s

    def takes_callback(self, cb, agent: int, now: float) -> bool:
        return cb.due - now <= self.window_s


#: ``callbacks.priority`` -> the policy it names, built from the ``[callbacks]`` table.
POLICIES: dict[str, Callable] = {
    "inbound_first": lambda spec: InboundFirst(),
    "callbacks_first": lambda spec: CallbacksFirst(),
    "reserved": lambda spec: Reserved(spec.reserved_agents),
    "deadline": lambda spec: Deadline(spec.deadline_window_min * 60.0),
}


def policy_for(callbacks):
    """The callback priority policy a scenario's ``[callbacks]`` table chooses."""
    return POLICIES[callbacks.priority](callbacks)


class Router:
    """Routes work between the queues and the agent pool.

    ``serve(contact, agent, now)`` and ``call_back(cb, agent, now)`` start an agent on a
    contact or a callback (the engine's); ``is_open`` and ``interval_s`` say when the center
    is open (for close-out).
    """

    def __init__(self, inbound, callbacks, pool, policy, serve: Callable, call_back: Callable, is_open, interval_s: float):
        self.inbound = inbound
        self.callbacks = callbacks
        self.pool = pool
        self.reserved = pool.reserved
        self.policy = policy
        policy.bind(self)
        self.serve = serve
        self.call_back = call_back
        self.is_open = is_open
        self.interval_s = interval_s

    def contact_arrived(self, contact, now: float) -> bool:
        """An idle agent takes the contact (True), or it joins the inbound queue (False)."""
        idle = self.pool.idle
        if idle:
            self.serve(contact, idle.pop(), now)
            return True
        self.inbound.append(contact)
        return False

    def callback_ready(self, cb, now: float) -> None:
        """An idle agent calls at once, or the callback joins the callback queue."""
        idle = self.pool.idle
        if idle:
            self.call_back(cb, idle.pop(), now)
        else:
            self.callbacks.push(cb)

    def agent_free(self, agent: int, now: float) -> None:
        """A free agent takes the next piece of work, or goes idle."""
        callbacks = self.callbacks
        cb = callbacks.peek() if callbacks.heap else None
        if cb is not None and (self.policy.takes_callback(cb, agent, now) or not self.inbound.has_waiting()):
            callbacks.pop()
            self.call_back(cb, agent, now)
            return
        nxt = self.inbound.next_waiting()
        if nxt is None:
            self.pool.idle.append(agent)
        else:
            self.serve(nxt, agent, now)

    def agent_done(self, agent: int, now: float) -> None:
        """An agent finished a piece of work while the pool has agents to let go (dismissed
        by the roster, or leaving because the plan fell): they stop, finish the queue after
        closing, or take the next piece of work. (With nobody to let go, the engine calls
        :meth:`agent_free` directly: that is every contact's path, kept to one call.)"""
        pool = self.pool
        if pool.dismissed and pool.stops_after_work(agent, now):
            return
        if pool.leaving:
            nxt = None if self.is_open[int(now // self.interval_s)] else self.inbound.next_waiting()
            if nxt is None:
                pool.leaving -= 1
                pool.go_off_duty(agent, now)
            else:  # close-out: the inbound queue is finished after closing
                self.serve(nxt, agent, now)
            return
        self.agent_free(agent, now)
