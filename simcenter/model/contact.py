"""Contacts: one attempt by a customer to reach the center.

A customer's first contact arrives from the arrival stream. If the center is closed it is
lost or deferred to the next opening (``calendar.after_hours``); if it is open the contact
is *offered*: it is answered at once by an idle agent or waits in the first-come,
first-served queue until an agent takes it or the caller's patience runs out. A caller who
abandons may redial after a random delay; the redial is a new contact of the same customer,
with the same need (contact type and work content) and a fresh patience. A customer whose
promise was broken contacts the center again: a *repeat* contact, with a new talk time.

Contacts are plain objects with slots: the model keeps only those in flight, so memory
does not grow with the simulated horizon.
"""

from __future__ import annotations

from .records import TRACE_COLUMNS, trace_row  # noqa: F401 (their old home)

__all__ = ["Contact", "Origin", "Outcome", "TRACE_COLUMNS", "trace_row"]


class Origin:
    """Why a contact exists."""

    FIRST = "first"
    REDIAL = "redial"
    NEXT_DAY = "next_day"
    REPEAT = "repeat"  # caused by a broken promise
    CALLBACK = "callback"  # the center calls back (a trace row; not a Contact)


class Outcome:
    """How a contact ended (or stood at the end of the run)."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    LOST_AFTER_HOURS = "lost_after_hours"
    DEFERRED = "deferred"
    WAITING_AT_END = "waiting_at_end"


#: Contact states inside the model.
WAITING, ANSWERED, ABANDONED = 0, 1, 2


class Contact:
    """One contact attempt by ``customer`` (a :class:`~simcenter.model.customer.Customer`).
    ``repeat`` marks failure demand: a contact caused by a broken promise, or a redial or
    next-day return of one."""

    __slots__ = ("id", "customer", "origin", "repeat", "ctype", "handle", "patience", "arrival", "interval", "state", "conceded")

    def __init__(self, id: int, customer, origin: str, ctype: int, handle: float, patience: float, repeat: bool = False):
        self.id = id
        self.customer = customer
        self.repeat = repeat
        self.origin = origin
        self.ctype = ctype
        self.handle = handle  # talk time drawn when the need arose, seconds
        self.patience = patience
        self.arrival = 0.0
        self.interval = 0
        self.state = WAITING
        self.conceded = False  # served out of contract, after closing
