"""Skill-based routing: several queues, several groups of agents, and who takes what.

With ``[[agent_groups]]`` (:mod:`simcenter.groups`) each contact type waits in its own
first-come-first-served queue, and each group of agents has its own pool
(:class:`~simcenter.model.agents.AgentPool`) and skills. This router takes the place of the
single-queue :class:`~simcenter.model.router.Router`, with the same four calls:

* **a contact arrives** at queue q: among the idle agents who may take it (its queue's
  primary groups; the secondary ones only when the queue has no overflow delay), the
  ``routing.agent_selection`` rule picks one: the agent idle longest, or the group with
  the fewest skills first (ties: idle longest). Otherwise it waits in q; with an overflow
  delay T the secondary groups may take it once it has waited T (a timer at T looks for an
  idle secondary agent then).
* **a free agent** takes, under ``routing.policy = "priority"``, the head of its
  highest-priority queue that has an eligible contact waiting (among queues of equal
  priority, the head that has waited longest); under ``"longest_waiting"`` the eligible
  head that has waited longest across all its skills. Callbacks (one queue per contact
  type, earliest due first) are weighed against the callers by the run's
  :class:`~simcenter.model.router.CallbackPolicy`, over the agent's skills.
* **a callback comes due**: an idle agent with the skill calls at once, else it waits.
* **an agent finishes** while its pool lets agents go: as the single-queue router, per
  group.

Idle agents of a group are kept in the order they went idle, so the longest idle is the
first. Routing uses only the state at the moment of each decision: which contacts wait in
which queue since when, and which agents are idle since when.
"""

from __future__ import annotations

import math
from typing import Callable

from simpy.events import Timeout

from .contact import WAITING

__all__ = ["SkillRouter"]


class SkillRouter:
    """Routes work between several queues and several agent pools (one per group).

    ``queues`` and ``callbacks`` hold one queue per contact type; ``pools`` one pool per
    group of ``scenario.agent_groups``; ``group_of`` maps each agent on duty to its group.
    ``serve``, ``call_back``, ``is_open`` and ``interval_s`` are as for the single-queue
    router.
    """

    def __init__(self, scenario, env, queues: list, callbacks: list, pools: list, group_of: dict, policy, serve: Callable,
                 call_back: Callable, is_open, interval_s: float):
        self.env = env
        self.queues = queues
        self.callbacks = callbacks
        self.pools = pools
        self.group_of = group_of
        self.policy = policy
        self.serve = serve
        self.call_back = call_back
        self.is_open = is_open
        self.interval_s = interval_s
        self.reserved = pools[0].reserved  # shared by the pools: reserved agents count center-wide
        self.since: dict[int, float] = {}  # idle agent -> when they went idle
        policy.bind(self)

        types = [c.name for c in scenario.contact_types]
        index = {name: q for q, name in enumerate(types)}
        groups = scenario.agent_groups
        routing = scenario.routing
        best = {}  # queue -> lowest priority number of any group with the skill
        for g in groups:
            for s in g.skills:
                q = index[s.queue]
                best[q] = min(best.get(q, math.inf), s.priority)
        self.delay = [routing.overflow_s(name) for name in types]
        self.skills: list[list[int]] = []  # per group: its queues
        self.levels: list[list[list[int]]] = []  # per group: its queues by priority level, best first
        self.secondary: list[list[bool]] = []  # per group, per queue: a secondary skill (overflow)
        self.factor: list[list[float]] = []  # per group, per queue: handling-time factor
        for g in groups:
            qs = [index[s.queue] for s in g.skills]
            self.skills.append(qs)
            if routing.policy == "longest_waiting":
                self.levels.append([qs])
            else:
                by_level: dict[int, list[int]] = {}
                for s in g.skills:
                    by_level.setdefault(s.priority, []).append(index[s.queue])
                self.levels.append([by_level[p] for p in sorted(by_level)])
            sec, fac = [False] * len(types), [1.0] * len(types)
            for s in g.skills:
                q = index[s.queue]
                sec[q] = s.priority > best[q]
                fac[q] = s.handle_factor
            self.secondary.append(sec)
            self.factor.append(fac)
        # Who may take a contact of queue q, in tiers tried in turn (the agent idle longest
        # within a tier): one tier, or groups by number of skills with fewest_skills.
        self.tiers: list[list[list[tuple[int, bool]]]] = []
        self.has_secondary = []
        for q in range(len(types)):
            able = [(gi, self.secondary[gi][q]) for gi in range(len(groups)) if q in self.skills[gi]]
            self.has_secondary.append(any(sec for _, sec in able))
            if routing.agent_selection == "fewest_skills":
                sizes = sorted({len(self.skills[gi]) for gi, _ in able})
                self.tiers.append([[(gi, sec) for gi, sec in able if len(self.skills[gi]) == n] for n in sizes])
            else:
                self.tiers.append([able])
        self.with_callbacks = scenario.has_promises

    # -- choosing -----------------------------------------------------------------------

    def _take_idle(self, q: int, secondary: bool):
        """An idle agent for queue ``q`` by the selection rule (secondary groups only if
        ``secondary``), removed from its pool's idle list; None if there is none."""
        pools, since = self.pools, self.since
        for tier in self.tiers[q]:
            pick, first = None, math.inf
            for gi, sec in tier:
                if sec and not secondary:
                    continue
                idle = pools[gi].idle
                if idle and since[idle[0]] < first:
                    pick, first = gi, since[idle[0]]
            if pick is not None:
                agent = pools[pick].idle.pop(0)
                del since[agent]
                return agent
        return None

    def _next_inbound(self, g: int, now: float, take: bool = True):
        """The contact a free agent of group ``g`` takes by the routing policy (removed
        from its queue if ``take``); None if no eligible contact waits."""
        queues, secondary, delay = self.queues, self.secondary[g], self.delay
        for level in self.levels[g]:
            best, bq = None, None
            for q in level:
                head = queues[q].head()
                if head is None or (secondary[q] and head.arrival + delay[q] > now):
                    continue
                if best is None or head.arrival < best.arrival:
                    best, bq = head, queues[q]
            if best is not None:
                return bq.next_waiting() if take else best
        return None

    def _next_callback(self, g: int):
        """The callback queue whose next callback is due first, over group ``g``'s skills."""
        best, bq = None, None
        for q in self.skills[g]:
            cq = self.callbacks[q]
            if cq.heap:
                cb = cq.peek()
                if cb is not None and (best is None or cb.due < best.due):
                    best, bq = cb, cq
        return best, bq

    # -- the router's four calls ------------------------------------------------------------

    def contact_arrived(self, contact, now: float) -> bool:
        """An idle agent takes the contact (True), or it waits in its queue (False)."""
        q = contact.ctype
        delayed = self.delay[q] > 0.0
        agent = self._take_idle(q, not delayed)
        if agent is not None:
            self.serve(contact, agent, now)
            return True
        self.queues[q].append(contact)
        if delayed and self.has_secondary[q]:
            Timeout(self.env, self.delay[q], contact).callbacks.append(self._on_overflow)
        return False

    def _on_overflow(self, event) -> None:
        """A waiting contact has waited its queue's overflow delay: an idle secondary agent
        may take the head of its queue now."""
        contact = event._value
        if contact.state != WAITING:
            return
        agent = self._take_idle(contact.ctype, True)
        if agent is not None:
            now = self.env.now
            self.serve(self.queues[contact.ctype].next_waiting(), agent, now)

    def callback_ready(self, cb, now: float) -> None:
        """An idle agent with the skill calls at once, or the callback waits."""
        agent = self._take_idle(cb.ctype, True)
        if agent is not None:
            self.call_back(cb, agent, now)
        else:
            self.callbacks[cb.ctype].push(cb)

    def agent_free(self, agent: int, now: float) -> None:
        """A free agent takes the next piece of work of its skills, or goes idle."""
        g = self.group_of[agent]
        if self.with_callbacks:
            cb, cq = self._next_callback(g)
            if cb is not None and (self.policy.takes_callback(cb, agent, now) or self._next_inbound(g, now, take=False) is None):
                cq.pop()
                self.call_back(cb, agent, now)
                return
        nxt = self._next_inbound(g, now)
        if nxt is None:
            self.pools[g].idle.append(agent)
            self.since[agent] = now
        else:
            self.serve(nxt, agent, now)

    def agent_done(self, agent: int, now: float) -> None:
        """An agent finished a piece of work: stops if dismissed or leaving (finishing its
        queues after closing, close-out), else takes the next piece of work."""
        g = self.group_of[agent]
        pool = self.pools[g]
        if pool.dismissed and pool.stops_after_work(agent, now):
            return
        if pool.leaving:
            nxt = None if self.is_open[int(now // self.interval_s)] else self._next_inbound(g, now)
            if nxt is None:
                pool.leaving -= 1
                pool.go_off_duty(agent, now)
            else:
                self.serve(nxt, agent, now)
            return
        self.agent_free(agent, now)
