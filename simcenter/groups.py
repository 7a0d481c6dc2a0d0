"""Skill groups and routing: several queues, and agents who serve some of them.

A center with several lines (retail, business, a language line...) keeps one queue per
contact type. Its agents belong to *groups* (``[[agent_groups]]``); each group has a set of
*skills*, the queues it can take, each with a priority level (1 is served first) and a
handling-time factor (a generalist may be 1.2 times slower on technical contacts). Each
group has its own staffing, per interval or as shifts that name it. The ``[routing]`` table
says how a free agent chooses among the queues of its skills (``policy``), which idle agent
takes an arriving contact (``agent_selection``), and how long a contact waits before the
groups for which its queue is a secondary skill may take it (``overflow_after_s``).

For a queue, the groups whose skill on it has the best (lowest) priority number are its
*primary* groups; the other groups with the skill are *secondary*: overflow.

Without ``[[agent_groups]]`` a scenario is one group with every skill and the agents of
``agents.staffing``, serving all contact types first come, first served: the single queue.

This module holds the scenario sections and the checks that tie them to the rest of the
scenario; the engine's side is :mod:`simcenter.model.skills`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ScenarioError
from .schema import Choice, Integer, Kind, Number, OneOrList, TableList, Text, _fail, build, param, to_data

__all__ = ["Skill", "AgentGroup", "Routing", "check_groups", "MAX_GROUPS"]

MAX_GROUPS = 100
MAX_AGENTS = 100_000


@dataclass(frozen=True, kw_only=True)
class Skill:
    """A queue a group can take, its priority for the group and the group's speed on it."""

    queue: str = param(Text(60), unit="-", doc="The contact type (queue) this skill serves.")
    priority: int = param(Integer(1, 100), 1, unit="level", doc="Priority of this queue for the group: 1 is taken first; with `routing.policy = \"priority\"` a free agent takes the lowest level with a contact waiting. For a queue, the groups with its lowest level are its primary groups, the others secondary (overflow).")
    handle_factor: float = param(Number(0.01, 100), 1.0, unit="factor", doc="Multiplies this group's handling time (talk and wrap-up) on this queue, e.g. 1.2 for a generalist 20% slower on technical contacts.")


class SkillList(TableList):
    """The skills of a group: queue names, or skill tables, or a mix of both."""

    def __init__(self):
        super().__init__(Skill, 1, 100)

    def describe(self) -> str:
        return "a list of 1 to 100 queue names or skill tables ({ queue, priority, handle_factor })"

    def convert(self, value: Any, path: str) -> tuple:
        if not isinstance(value, list):
            raise _fail(path, value, self.describe())
        if not 1 <= len(value) <= 100:
            raise ScenarioError(path, f"must be {self.describe()}, got {len(value)} skills", value=len(value), allowed=self.describe())
        out = []
        for i, item in enumerate(value):
            where = f"{path}[{i}]"
            if isinstance(item, str):
                item = {"queue": item}
            elif not isinstance(item, dict):
                raise _fail(where, item, "a queue name or a skill table ({ queue, priority, handle_factor })")
            out.append(build(Skill, item, where))
        return tuple(out)

    def plain(self, value: Any) -> Any:
        return [to_data(s) for s in value]

    def json(self) -> dict:
        from .schema import json_schema

        return {"type": "array", "minItems": 1, "maxItems": 100,
                "items": {"anyOf": [{"type": "string", "minLength": 1, "maxLength": 60}, json_schema(Skill)]}}


class PerQueue(Kind):
    """One value for every queue, or a table from queue names to values (queues not named
    get ``fill``); stored as the number, or a tuple of (queue, value) pairs."""

    def __init__(self, item: Kind, fill: Any):
        self.item, self.fill = item, fill

    def describe(self) -> str:
        return f"{self.item.describe()}, or a table of queue names to such numbers"

    def convert(self, value: Any, path: str) -> Any:
        if isinstance(value, dict):
            if len(value) > 100:
                raise ScenarioError(path, f"must name at most 100 queues, got {len(value)}", value=len(value))
            return tuple((str(k), self.item.convert(v, f"{path}.{k}")) for k, v in value.items())
        return self.item.convert(value, path)

    def plain(self, value: Any) -> Any:
        return dict(value) if isinstance(value, tuple) else value

    def json(self) -> dict:
        return {"anyOf": [self.item.json(), {"type": "object", "additionalProperties": self.item.json()}]}

    def value(self, setting: Any, queue: str) -> Any:
        if isinstance(setting, tuple):
            return dict(setting).get(queue, self.fill)
        return setting


_OVERFLOW = PerQueue(Number(0, 86_400), 0.0)


@dataclass(frozen=True, kw_only=True)
class AgentGroup:
    """A group of agents with the same skills and one staffing plan."""

    name: str = param(Text(60), unit="-", doc="Name of the group, unique in the scenario.")
    skills: tuple = param(SkillList(), unit="-", doc="The queues (contact types) the group takes: names, or tables `{ queue = \"technical\", priority = 2, handle_factor = 1.2 }`; a queue at most once.")
    staffing: Any = param(OneOrList(Integer(0, MAX_AGENTS)), None, unit="agents", doc="Agents of this group on duty while the center is open: one number, or one per interval of the open hours (multiplied by `agents.scale`). Exclusive with `[[shifts]]` naming the group.")

    def _check(self, path: str) -> None:
        seen = set()
        for i, skill in enumerate(self.skills):
            if skill.queue in seen:
                raise ScenarioError(f"{path}.skills[{i}].queue", f"names queue {skill.queue!r} twice in group {self.name!r}; give each queue once",
                                    value=skill.queue)
            seen.add(skill.queue)


@dataclass(frozen=True, kw_only=True)
class Routing:
    """How work is routed between several queues and groups (with ``[[agent_groups]]``)."""

    policy: str = param(Choice("priority", "longest_waiting"), "priority", unit="-", doc="Which contact a free agent takes: `priority` (static priority: the head of the agent's highest-priority queue with a contact waiting; among queues of equal priority, the one whose head has waited longest), or `longest_waiting` (the contact that has waited longest across all the agent's skills, first come first served across queues).")
    agent_selection: str = param(Choice("longest_idle", "fewest_skills"), "longest_idle", unit="-", doc="Which idle agent takes an arriving contact: `longest_idle` (the agent idle longest among the groups that may take it) or `fewest_skills` (the most specialised group first, so generalists stay free; ties by longest idle).")
    overflow_after_s: Any = param(_OVERFLOW, 0.0, unit="s", doc="A contact becomes eligible for its queue's secondary groups (those whose skill on the queue has a worse priority than the best group's) only after waiting this long: one number for every queue, or a table by queue name, e.g. `{ business = 30, premium = 60 }` (queues not named: 0).")

    def overflow_s(self, queue: str) -> float:
        """The overflow delay of ``queue``."""
        return float(_OVERFLOW.value(self.overflow_after_s, queue))


def check_groups(scenario) -> None:
    """The checks that tie ``[[agent_groups]]``, ``[routing]`` and group shifts to the rest of
    the scenario: every skill names a contact type, every contact type has a group, each group
    has exactly one staffing plan, and no setting is given that would be ignored."""
    sc = scenario
    groups = sc.agent_groups
    types = [c.name for c in sc.contact_types]
    named_shifts = [(i, s) for i, s in enumerate(sc.shifts) if s.group is not None]
    if not groups:
        if named_shifts:
            i, s = named_shifts[0]
            raise ScenarioError(f"shifts[{i}].group", f"names group {s.group!r}, but the scenario has no [[agent_groups]]", value=s.group)
        if sc.routing != Routing():
            raise ScenarioError("routing", "is only used with [[agent_groups]]; add the groups or remove the [routing] table")
        return
    names = [g.name for g in groups]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ScenarioError(f"agent_groups[{i}].name", f"names must be unique, got {name!r} again (agent_groups[{names.index(name)}])",
                                value=name)
    if sc.agents.staffing is not None:
        raise ScenarioError("agents.staffing", "cannot be used with [[agent_groups]]: give each group its staffing (agent_groups[i].staffing) or [[shifts]] with group = NAME",
                            value=sc.agents.staffing)
    for gi, g in enumerate(groups):
        for si, skill in enumerate(g.skills):
            if skill.queue not in types:
                raise _unknown_queue(f"agent_groups[{gi}].skills[{si}].queue", skill.queue, types)
    served = {s.queue for g in groups for s in g.skills}
    for c in sc.contact_types:
        if c.name not in served:
            raise ScenarioError(f"contact_types.{c.name}", f"no agent group has the skill for queue {c.name!r}, so its contacts would wait forever; "
                                "add it to a group's skills", value=c.name, allowed=", ".join(sorted(served)))
    for i, s in enumerate(sc.shifts):
        if s.group is None:
            raise ScenarioError(f"shifts[{i}].group", f"is required with [[agent_groups]] (one of {', '.join(names)})", allowed=", ".join(names))
        if s.group not in names:
            raise _unknown_name(f"shifts[{i}].group", s.group, names, "agent group", "groups")
    with_shifts = {s.group for s in sc.shifts}
    n_open = len(sc.open_intervals)
    for gi, g in enumerate(groups):
        if (g.staffing is None) == (g.name not in with_shifts):
            given = "both" if g.staffing is not None else "neither"
            raise ScenarioError(f"agent_groups[{gi}].staffing", f"give exactly one of agent_groups[{gi}].staffing and [[shifts]] with group = {g.name!r}, got {given}")
        if isinstance(g.staffing, tuple) and len(g.staffing) != n_open:
            raise ScenarioError(f"agent_groups[{gi}].staffing", f"must have one value per interval of the open hours ({n_open} intervals of "
                                f"{sc.simulation.interval_minutes} minutes from {sc.calendar.open} to {sc.calendar.close}), got {len(g.staffing)} values",
                                value=list(g.staffing))
    plans = [[0] * n_open if g.staffing is None else (list(g.staffing) if isinstance(g.staffing, tuple) else [g.staffing] * n_open)
             for g in groups]
    peak = max((sum(col) for col in zip(*plans)), default=0)
    if peak > MAX_AGENTS:
        raise ScenarioError("agent_groups", f"the groups' staffing adds up to {peak:,} agents on duty at once; at most {MAX_AGENTS:,} in all",
                            value=peak)
    if isinstance(sc.routing.overflow_after_s, tuple):
        for queue, delay in sc.routing.overflow_after_s:
            if queue not in types:
                raise _unknown_queue(f"routing.overflow_after_s.{queue}", queue, types)
            levels = {s.priority for g in groups for s in g.skills if s.queue == queue}
            if delay > 0 and len(levels) == 1:
                raise ScenarioError(f"routing.overflow_after_s.{queue}", f"queue {queue!r} has no secondary group (every group with its skill has "
                                    f"priority {levels.pop()}), so a delay would change nothing; give some group a worse priority on it, "
                                    "or leave the queue out", value=delay)


def _unknown_queue(path: str, name: str, types: list[str]) -> ScenarioError:
    return _unknown_name(path, name, types, "contact type (queue)", "queues")


def _unknown_name(path: str, name: str, names: list[str], what: str, plural: str) -> ScenarioError:
    import difflib

    close = difflib.get_close_matches(str(name), names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; {plural}: {', '.join(names)}"
    return ScenarioError(path, f"no {what} named {name!r}{hint}", value=name, allowed=", ".join(names))
