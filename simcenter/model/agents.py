"""The agent pool: who is on duty, who is idle, who is about to leave.

The staffing plan (or the shift plan, :mod:`simcenter.model.shiftplan`) says how many agents
should be on duty; the pool brings the agents on duty to that number. When the plan rises,
agents come on duty and are handed to the router to take waiting work. When it falls, idle
agents leave at once, and busy ones when they finish the work in hand (they are *leaving*;
if the plan rises again before they finish, they stay). With agents as people (a workforce
:class:`~simcenter.model.workforce.Roster`), only agents present that day can come, and
the roster may dismiss a busy agent at midnight (they quit, or are absent): they stop when
they finish.

Agents are numbered: the lowest free number comes on duty first (with a roster, the
roster chooses). A policy may *reserve* some agents for callbacks
(:mod:`simcenter.model.router`): the first agents to come on duty while fewer than that are
reserved.

The pool keeps the staffing books: agent time on duty (``staffed_s``) and the part of it
beyond the plan (``overtime_s``: agents finishing work after their time, close-out after
closing, and the whole concession window after closing), spread over the intervals in which
the time passed.
"""

from __future__ import annotations

import heapq
from typing import Callable

from simpy.events import Timeout

__all__ = ["AgentPool", "AgentIds"]


class AgentIds:
    """Agent numbers, shared by the pools of one run: the lowest free number comes on duty
    first."""

    __slots__ = ("free", "next")

    def __init__(self):
        self.free: list[int] = []  # heap
        self.next = 0

    def take(self) -> int:
        if self.free:
            return heapq.heappop(self.free)
        agent = self.next
        self.next += 1
        return agent

    def give(self, agent: int) -> None:
        heapq.heappush(self.free, agent)


class AgentPool:
    """The agents of one replication, as seen by the engine.

    ``dispatch(agent, now)`` is called for each agent who comes on duty (the router's
    :meth:`~simcenter.model.router.Router.agent_free`); it is set once the router exists.
    """

    def __init__(self, env, stats, roster=None, reserve: int = 0, *, ids: AgentIds | None = None, reserved: set | None = None,
                 books=None, group: int = 0, group_of: dict | None = None):
        self.env = env
        self.stats = stats
        self.roster = roster
        self.reserve = reserve  # agents kept for callbacks
        self.dispatch: Callable[[int, float], None] | None = None
        self.plan = 0  # agents the plan asks for now
        self.on_duty = 0
        self.idle: list[int] = []  # idle agents on duty; the last to go idle is taken first
        self.leaving = 0  # busy agents who leave when they finish
        self.dismissed: set[int] = set()  # busy agents the roster stopped, who leave when they finish
        self.reserved: set[int] = set() if reserved is None else reserved  # agents on duty who take callbacks first (shared by a run's pools)
        self.ids = AgentIds() if ids is None else ids
        self.books = books  # a skill group's own books (staffed_s, overtime_s), beside the center's
        self.group = group  # this pool's group index, recorded in group_of for each agent on duty
        self.group_of = group_of
        self._since = 0.0

    # -- the plan -----------------------------------------------------------------------

    def start(self, changes: list[tuple[float, int]]) -> None:
        """Follow the plan: ``changes`` are (time, agents planned) from the shift plan; the
        first, at time 0, applies at once."""
        for when, agents in changes:
            if when == 0.0:
                self.plan = agents
                self.apply_plan()
            else:
                Timeout(self.env, when, agents).callbacks.append(self._on_change)

    def _on_change(self, event) -> None:
        self.account(self.env.now)
        self.plan = event._value
        self.apply_plan()

    def apply_plan(self) -> None:
        """Bring the agents on duty to the plan, or, with a roster, to as many of the plan
        as there are agents present to work."""
        target = self.plan
        roster = self.roster
        if roster is not None:
            target = min(target, self.on_duty - self.leaving - len(self.dismissed) + len(roster.available))
        now = self.env.now
        staying = self.on_duty - self.leaving
        if target >= staying:
            keep = min(self.leaving, target - staying)  # busy agents asked to stay after all
            self.leaving -= keep
            for _ in range(target - staying - keep):
                self._come_on_duty(now)
        else:
            surplus = staying - target
            while surplus and self.idle:
                self.go_off_duty(self.idle.pop(), now)
                surplus -= 1
            self.leaving += surplus

    def on_midnight(self, event) -> None:
        """The roster's day starts: agents who left or are absent stop, others come."""
        now = self.env.now
        for agent in self.roster.new_day(event._value, now):
            self.dismiss(agent, now)
        self.apply_plan()

    def dismiss(self, agent: int, now: float) -> None:
        """The roster stops ``agent`` (quit or absent): at once if idle, else after the work
        in hand."""
        if agent in self.idle:
            self.idle.remove(agent)
            self.go_off_duty(agent, now)
        else:
            self.dismissed.add(agent)

    # -- one agent ------------------------------------------------------------------------

    def _come_on_duty(self, now: float) -> None:
        roster = self.roster
        if roster is not None:
            agent = roster.take()
            if agent is None:
                return
            roster.on_duty(agent, now)
        else:
            agent = self.ids.take()
        if self.group_of is not None:
            self.group_of[agent] = self.group
        self.account(now)
        self.on_duty += 1
        if len(self.reserved) < self.reserve:
            self.reserved.add(agent)
        self.dispatch(agent, now)

    def go_off_duty(self, agent: int, now: float) -> None:
        self.account(now)
        self.on_duty -= 1
        self.reserved.discard(agent)
        if self.roster is not None:
            self.roster.off_duty(agent, now)
        else:
            self.ids.give(agent)

    def stops_after_work(self, agent: int, now: float) -> bool:
        """An agent the roster dismissed finished their work: they stop (True), and the plan
        is filled again."""
        if agent in self.dismissed:
            self.dismissed.discard(agent)
            self.go_off_duty(agent, now)
            self.apply_plan()
            return True
        return False

    # -- the books ------------------------------------------------------------------------

    def account(self, now: float) -> None:
        """Agent time on duty since the last change; the part beyond the plan is overtime."""
        if self.on_duty:
            since, st = self._since, self.stats
            st.spread(st.staffed_s, since, now, self.on_duty)
            if self.on_duty > self.plan:
                st.spread(st.overtime_s, since, now, self.on_duty - self.plan)
            books = self.books
            if books is not None:
                st.spread(books.staffed_s, since, now, self.on_duty)
                if self.on_duty > self.plan:
                    st.spread(books.overtime_s, since, now, self.on_duty - self.plan)
        self._since = now

    def close_books(self, end: float, conceded) -> None:
        """End of the run: the last stretch of time on duty; in concession windows (agents
        kept on after closing) all agent time is overtime."""
        self.account(end)
        for books in (self.stats, self.books):
            if books is not None:
                for k, window in enumerate(conceded):
                    if window:
                        books.overtime_s[k] = books.staffed_s[k]
