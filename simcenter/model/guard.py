"""The work guard: the engine's last line against a run that has gone wrong.

Before a run starts, :mod:`simcenter.model.budget` bounds the contacts it can make, redials
and repeat contacts of broken promises included (their feedback loops in the worst case). A
loop the estimate missed, or one with no time between its turns, would otherwise run until
memory or patience runs out. Every ``WorkGuard.every`` contacts the engine asks the guard;
the guard stops the run with an error naming the loop (``WorkLimitError``, exit code 1 on the
command line) when the simulated clock has not moved, or the contacts have gone beyond the
worst case.
"""

from __future__ import annotations

import math

from ..errors import WorkLimitError

__all__ = ["WorkGuard"]


class WorkGuard:
    """The engine's guard against feedback loops: every ``every`` contacts it checks that
    the simulated clock has moved (a loop with no time between its turns would stop it
    forever) and that the contacts stay within the worst case estimated before the run.
    ``redial_keys`` names the keys behind the redial loop in its message."""

    every = 65_536

    def __init__(self, bound: float, redial_keys: str = "patience.redial_prob, patience.redial_delay_mean_s"):
        self.limit = max(2.0 * bound, bound + 1e6)
        self.redial_keys = redial_keys  # the keys behind the redial loop (simcenter.model.patience.redial_keys)
        self.next = self.every
        self.last_time = -math.inf
        self.last_counts = (0, 0)

    def check(self, contacts: int, now: float, redials: int, repeats: int) -> int:
        """Raise ``WorkLimitError`` if the run has gone wrong; return the next checkpoint."""
        loops = (redials - self.last_counts[0], repeats - self.last_counts[1])
        loop = (f"redials ({self.redial_keys})" if loops[0] >= loops[1]
                else "repeat contacts after broken promises (contact_types.promise_due, promises.notice_delay)")
        if now - self.last_time < 1.0:
            raise WorkLimitError(f"{self.every:,} contacts within one simulated second: a feedback loop with no time "
                                 f"between its turns, through {loop}; lengthen those delays")
        if contacts > self.limit:
            raise WorkLimitError(f"the run made {contacts:,} contacts, beyond the worst case of {self.limit:,.0f} estimated "
                                 f"before it started; the loop: {loop}")
        self.last_time, self.last_counts = now, (redials, repeats)
        return contacts + self.every
