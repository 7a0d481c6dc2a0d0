"""Per-contact records: what happened to each contact, one row each, for a run's trace.

A run asked for its trace (``simulate(..., trace=True)`` or ``trace=PATH``, ``simcenter run
--trace FILE``) keeps one record per contact that reached the center or tried to, and one
per callback attempt the center made:

* an **inbound** contact ends answered, abandoned, lost or deferred while the center was
  closed, or still waiting when the run ended; its record is made when that happens;
* a **callback** attempt is an agent calling a customer the center promised to call back
  (:mod:`simcenter.model.promises`): the customer is reached (a conversation of the contact
  type's talk time and wrap-up, and the promise is kept) or not (``callbacks.attempt_s`` of
  the agent's time). Its record is made when the agent dials. A callback never attempted
  (its promise broke while it waited) has no record: no contact took place.

The columns are declared once, here (:data:`TRACE_SPEC`): their order, type, unit and
meaning. The engine makes rows in that order (:func:`trace_row`, :func:`callback_row`); the
output layer keeps them in compact columns of those types, writes them to CSV or Parquet,
and generates the reference page (``docs/reference/trace.md``) from the same declaration.
"""

from __future__ import annotations

import math
from typing import NamedTuple

__all__ = ["TraceColumn", "TRACE_SPEC", "TRACE_COLUMNS", "TRACE_CHOICES", "trace_row", "callback_row"]


class TraceColumn(NamedTuple):
    """One column of the trace: its name, its type in a DataFrame (a numpy dtype name, or
    ``category`` for a column of a few names), its unit and its meaning."""

    name: str
    dtype: str
    unit: str
    meaning: str


#: The trace's columns, in the order of a row. New columns go at the end, so that code
#: reading rows by position keeps working.
TRACE_SPEC = (
    TraceColumn("replication", "int32", "-", "replication number, from 0"),
    TraceColumn("contact_id", "int64", "-", "the contact's number within its replication; for a callback attempt, the number of the "
                "contact whose end made the promise (a contact makes at most one promise)"),
    TraceColumn("customer_id", "int64", "-", "the customer's number within the replication: a customer's redials, next-day returns, "
                "repeat contacts and callbacks share it"),
    TraceColumn("origin", "category", "-", "why the contact exists: `first` (a new need), `redial` (after abandoning), `next_day` "
                "(deferred from closed hours), `repeat` (after a broken promise), `callback` (the center calling back)"),
    TraceColumn("contact_type", "category", "-", "the contact type (`[[contact_types]]` name)"),
    TraceColumn("arrival_s", "float64", "s", "when the contact began, seconds from the start of the run (warm-up included): an "
                "inbound contact's arrival, or the moment the agent dialled a callback"),
    TraceColumn("day", "int16", "day", "day of `arrival_s`, from 0 at the first warm-up day"),
    TraceColumn("interval", "int16", "interval", "interval of `arrival_s` within its day, from 0 at midnight "
                "(`simulation.interval_minutes` long)"),
    TraceColumn("warmup", "bool", "-", "whether `arrival_s` falls in the warm-up days (left out of every metric)"),
    TraceColumn("outcome", "category", "-", "inbound: `answered`, `abandoned`, `lost_after_hours`, `deferred` (to the next opening) "
                "or `waiting_at_end`; callback: `reached` (the promise kept) or `not_reached`"),
    TraceColumn("wait_s", "float32", "s", "inbound: time in queue until answered or abandoned (until the end of the run for "
                "`waiting_at_end`; 0 for contacts arriving while closed); callback: time from the promise to this attempt"),
    TraceColumn("talk_s", "float32", "s", "the agent's time on the line: the conversation (at the agent's speed; longer for an "
                "angry customer), or for a callback `not_reached` the attempt (`callbacks.attempt_s`); empty where no agent took "
                "the contact"),
    TraceColumn("wrapup_s", "float32", "s", "after-contact work of an answered contact or a reached callback (0 for `not_reached`); "
                "empty where no agent took the contact. `talk_s + wrapup_s` is the agent time the contact took"),
    TraceColumn("agent", "int32", "-", "number of the agent who answered or called; -1 where none"),
    TraceColumn("queue", "category", "-", "the queue: the contact type's"),
    TraceColumn("group", "category", "-", "the agent group of the agent (`agents` without `[[agent_groups]]`); empty where no "
                "agent took the contact"),
    TraceColumn("direction", "category", "-", "`inbound` (the customer called) or `callback` (the center called the customer), "
                "as in a contact log"),
    TraceColumn("attempt", "int8", "attempts", "callback: which attempt this is, from 1 (at most `callbacks.max_attempts`); "
                "inbound: 0"),
    TraceColumn("due_s", "float64", "s", "callback: when the promise is due, seconds from the start of the run (it is kept only "
                "if an attempt before then reaches the customer); inbound: empty"),
)

#: The column names, in the order of a row.
TRACE_COLUMNS = tuple(c.name for c in TRACE_SPEC)

#: The values each ``category`` column of fixed values takes (the others take the
#: scenario's names: contact types, queues, agent groups).
TRACE_CHOICES = {
    "origin": ("first", "redial", "next_day", "repeat", "callback"),
    "outcome": ("answered", "abandoned", "lost_after_hours", "deferred", "waiting_at_end", "reached", "not_reached"),
    "direction": ("inbound", "callback"),
}


def trace_row(replication: int, contact, type_name: str, timeline, outcome: str, wait: float, talk: float,
              wrapup: float, agent: int, group: str = "") -> tuple:
    """An inbound contact's row (:data:`TRACE_COLUMNS`); ``day`` and ``interval`` count
    from the start of the run, warm-up included (``warmup`` says which rows are in it). The
    queue is the contact type's; ``group`` is the group of the agent who answered ("" if
    none)."""
    k, ipd = contact.interval, timeline.intervals_per_day
    return (replication, contact.id, contact.customer.id, contact.origin, type_name, contact.arrival, k // ipd, k % ipd,
            k < timeline.warmup_intervals, outcome, wait, talk, wrapup, agent, type_name, group, "inbound", 0, math.nan)


def callback_row(replication: int, cb, type_name: str, timeline, now: float, reached: bool, talk: float, wrapup: float,
                 agent: int, group: str) -> tuple:
    """A callback attempt's row (:data:`TRACE_COLUMNS`): agent ``agent`` of ``group``
    dialled ``cb`` (a :class:`~simcenter.model.promises.Callback`, its attempt already
    counted) at ``now`` and was on the line ``talk`` seconds, then wrapped up ``wrapup``."""
    k = min(int(now // timeline.interval_s), timeline.n_intervals - 1)
    ipd = timeline.intervals_per_day
    return (replication, cb.contact_id, cb.customer.id, "callback", type_name, now, k // ipd, k % ipd, k < timeline.warmup_intervals,
            "reached" if reached else "not_reached", now - cb.made, talk, wrapup, agent, type_name, group, "callback", cb.attempts,
            cb.due)
