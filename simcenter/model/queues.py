"""Queues: where work waits for an agent.

Two kinds of work wait in a contact center, in two queues of different order:

* **The inbound queue** holds callers on the line, first come, first served. A caller whose
  patience runs out hangs up while in the queue; rather than removing them from the middle
  (which costs time in proportion to the queue), the queue leaves them where they are and
  skips them when an agent reaches them (*lazy abandonment*): a contact is waiting as long
  as its ``state`` is ``WAITING``.
* **The callback queue** holds promised call-backs the center owes its customers, by due
  time (the earliest due first; ties in the order they were queued). A callback that was
  made, broken or given up while queued is skipped the same lazy way: it is available as
  long as its ``state`` is ``PENDING``.

Neither queue decides who serves what: that is the router's (:mod:`simcenter.model.router`).
"""

from __future__ import annotations

import heapq
from collections import deque

from .contact import WAITING
from .promises import PENDING

__all__ = ["InboundQueue", "CallbackQueue"]


class InboundQueue:
    """Callers waiting on the line, first come, first served, abandoned ones skipped lazily.
    Iterating gives every contact still held, waiting or not."""

    __slots__ = ("_items",)

    def __init__(self):
        self._items: deque = deque()

    def append(self, contact) -> None:
        self._items.append(contact)

    def next_waiting(self):
        """Remove and return the longest-waiting caller still on the line (None if none)."""
        items = self._items
        while items:
            contact = items.popleft()
            if contact.state == WAITING:
                return contact
        return None

    def has_waiting(self) -> bool:
        """Whether a caller is still on the line (abandoned ones at the head are dropped)."""
        items = self._items
        while items and items[0].state != WAITING:
            items.popleft()
        return bool(items)

    def head(self):
        """The longest-waiting caller still on the line, left in the queue (None if none)."""
        items = self._items
        while items:
            contact = items[0]
            if contact.state == WAITING:
                return contact
            items.popleft()
        return None

    def waiting(self) -> list:
        """The callers still on the line, in arrival order."""
        return [c for c in self._items if c.state == WAITING]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class CallbackQueue:
    """Callbacks available to call, earliest due first; taken or dead ones skipped lazily."""

    __slots__ = ("heap", "_seq")

    def __init__(self):
        self.heap: list = []  # (due, seq, callback); empty when nothing waits (the router's quick check)
        self._seq = 0

    def push(self, cb) -> None:
        self._seq += 1
        heapq.heappush(self.heap, (cb.due, self._seq, cb))

    def peek(self):
        """The next callback to call (None if none), left in the queue."""
        heap = self.heap
        while heap:
            cb = heap[0][2]
            if cb.state == PENDING:
                return cb
            heapq.heappop(heap)
        return None

    def pop(self) -> None:
        """Remove the callback :meth:`peek` returned."""
        heapq.heappop(self.heap)

    def pending(self) -> int:
        """How many callbacks are available to call (taken or dead ones not counted)."""
        return sum(1 for _, _, cb in self.heap if cb.state == PENDING)

    def __bool__(self) -> bool:
        return bool(self.heap)

    def __len__(self) -> int:
        return len(self.heap)
