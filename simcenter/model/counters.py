"""Counters: what a run tallies as it goes, one running sum per reporting interval.

Two kinds of quantity, kept apart:

* *tallies per contact*, attributed to the interval in which the contact arrived
  (offered, answered, waits, handling times...);
* *time-weighted levels*, attributed to the interval in which the time passed (agent
  time on duty and busy time, for occupancy).

Each is a running sum per interval, so memory grows with the number of intervals, never
with the number of contacts. The metrics reported (:mod:`simcenter.output.metrics`) are
ratios of these sums over whichever intervals are reported.
"""

from __future__ import annotations

from array import array

import numpy as np

__all__ = ["COUNTERS", "QUEUE_COUNTERS", "GROUP_COUNTERS", "Accumulator", "Books"]

#: Per-interval running sums kept by the model.
COUNTERS = (
    "offered",  # contacts arriving while open (first contacts, redials, next-day returns)
    "answered",  # offered contacts an agent took
    "answered_in_target",  # answered with wait <= service_level.target_s
    "abandoned",  # offered contacts whose caller hung up while waiting
    "waiting_at_end",  # offered contacts still waiting when the run ended
    "waited",  # offered contacts that had to wait at all
    "wait_answered_s",  # sum of waits of answered contacts
    "wait_other_s",  # sum of waits of abandoned and still-waiting contacts
    "handle_s",  # sum of handling times (talk + wrap-up) of answered contacts
    "after_hours",  # contacts arriving while closed
    "lost_after_hours",  # after-hours contacts lost
    "deferred",  # after-hours contacts deferred to the next opening
    "redials",  # abandoned callers who decided to call again
    "busy_s",  # agent time spent handling contacts and callbacks (time-weighted)
    "staffed_s",  # agent time on duty (time-weighted)
    "overtime_s",  # agent time on duty beyond the plan (time-weighted)
    # promises and failure demand (issue-by-issue extensions of the core)
    "first_contacts",  # first contacts made (open or closed; not redials, returns or repeats)
    "repeat_contacts",  # repeat contacts made after a broken promise (open or closed; not their redials)
    "failure_demand",  # offered contacts of failure demand (repeat contacts, their redials and returns)
    "answered_first",  # answered contacts that are not failure demand
    "handle_first_s",  # their handling time (talk + wrap-up)
    "answered_repeat",  # answered failure-demand contacts
    "handle_repeat_s",  # their handling time
    "handle_base_s",  # handling time of answered contacts without anger effects
    "promises_made",  # by interval made
    "promises_kept",  # by interval made
    "promises_broken",  # by interval made
    "promises_open",  # by interval made: neither kept nor broken when the run ended
    "callbacks_kept",  # callback promises kept, by interval made
    "callbacks_broken",  # callback promises broken, by interval made
    "callback_attempts",  # outbound attempts, by interval of the attempt
    "fcr_base",  # customers' first answered contacts, by its interval
    "fcr_unresolved",  # of those, customers with a broken promise later, by the first contact's interval
    "recovery_attempts",  # by interval of the repeat contact's arrival
    "recoveries",  # successful ones
    "concessions",  # recoveries by concession
    "churned",  # customers lost, by interval in which they left
    # agents as people (daily snapshots at the first interval of each day)
    "roster_days",  # snapshots taken (one per day)
    "headcount_sum",  # employed agents, summed over snapshots
    "morale_sum",  # morale summed over employed agents and snapshots
    "morale_p10_sum",  # 10th percentile of morale, summed over snapshots
    "absent_days",  # agent-days absent
    "quits",  # quit decisions, by day decided
    "hires",  # new hires' first days
    "aggressions",  # aggression incidents against agents, by the contact's interval
    # concessions against the contract (seed 002)
    "conceded",  # callers served in the concession window after closing (offered, out of contract)
    "conceded_in_target",  # of those, answered within target
    "out_of_policy",  # requests against the rules
    "overrides",  # of those, conceded by management against the agent
    # customer value ([value]), in customer values (units of costs.lost_customer) or people
    "value_gained",  # loyalty gained by recoveries, by the repeat contact's interval
    "value_lost_loyalty",  # loyalty lost by customers who stay after a broken promise, by interval noticed
    "churned_loyalty",  # churned customers' value minus 1 when they left (loyalty gained or lost before), by interval left
    "word_of_mouth_told",  # people told by churned customers (when they left) and angry ones (at the end of the run)
    "word_of_mouth_lost",  # of those, lost as future customers
    "first_contacts_eroded",  # first contacts that did not arrive because lost customers lowered demand
)


#: Counters kept per queue (contact type) as well, with the center-wide meaning restricted
#: to the queue's contacts.
QUEUE_COUNTERS = (
    "offered", "answered", "answered_in_target", "abandoned", "waiting_at_end", "waited", "wait_answered_s",
    "wait_other_s", "handle_s", "after_hours", "lost_after_hours", "deferred",
)

#: Counters kept per agent group: its agents' time on duty, beyond the plan, and busy.
GROUP_COUNTERS = ("staffed_s", "overtime_s", "busy_s")


class Books:
    """Per-interval running sums of some counters, for one queue or one agent group, as
    arrays of doubles (8 bytes a cell: a center with many queues and groups keeps many)."""

    def __init__(self, names: tuple, n_intervals: int):
        self.names = names
        for name in names:
            setattr(self, name, sums(n_intervals))

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.array(getattr(self, name), dtype=float) for name in self.names}


def sums(n_intervals: int) -> array:
    """One running sum per interval, all zero: an array of doubles."""
    return array("d", bytes(8 * n_intervals))


class Accumulator:
    """Running per-interval sums for one replication.

    Attributes are plain Python lists (one entry per interval of the run), the cheapest
    thing to update one element at a time from the model's callbacks.
    """

    def __init__(self, n_intervals: int, interval_s: float):
        self.n = n_intervals
        self.interval_s = interval_s
        for name in COUNTERS:
            setattr(self, name, [0.0] * n_intervals)

    def spread(self, counter: list, t0: float, t1: float, level: float = 1.0) -> None:
        """Add ``level * (t1 - t0)`` to ``counter``, split over the intervals the span
        ``[t0, t1)`` covers (clipped to the run)."""
        width = self.interval_s
        k = int(t0 // width)
        while t0 < t1 and k < self.n:
            end = (k + 1) * width
            if t1 <= end:
                counter[k] += level * (t1 - t0)
                return
            counter[k] += level * (end - t0)
            t0 = end
            k += 1

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.asarray(getattr(self, name), dtype=float) for name in COUNTERS}
