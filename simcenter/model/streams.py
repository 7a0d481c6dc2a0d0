"""Random streams: one independent generator per purpose, derived from the run's seed.

A run has one root seed. Replication ``r`` uses ``SeedSequence(seed, spawn_key=(r,))``
(the same child ``SeedSequence(seed).spawn(...)`` would give), and within it each purpose
(arrival times, contact types, handling times, patience, redials, after-hours returns,
promise outcomes, repeat contacts, anger, recovery, callbacks, customer value, the patience
and redials of a contact type with its own)
draws from its own child ``SeedSequence(seed, spawn_key=(r, purpose, i))``. Nothing reads
numpy's or Python's global random state.

Because each purpose has its own stream and customers draw their attributes (type, work
content, patience) when they are created, in arrival order, two scenarios that differ only
in staffing see the same customers: common random numbers.

Draws come from numpy in blocks and are handed out one at a time as Python floats, which
is much cheaper per draw than calling the generator for each value.
"""

from __future__ import annotations

import itertools
from typing import Callable, Iterator

import numpy as np

__all__ = ["Purpose", "replication_seed", "generator", "block_draws", "constant"]

#: Draws fetched from numpy at a time.
BLOCK = 2048


class Purpose:
    """Stream identifiers (the second element of a stream's spawn key)."""

    ARRIVALS = 0
    CONTACT_TYPE = 1
    HANDLING = 2
    PATIENCE = 3
    REDIAL = 4
    AFTER_HOURS = 5
    PROMISE = 6  # 0: promise made?, 1: kept?, 2: notice delays, 3: return?, 10 + type: due times
    REPEAT = 7  # 0: repeat contacts' patience, 10 + type: repeat contacts' talk times
    ANGER = 8  # de-escalation times
    RECOVERY = 9  # 0: ordinary fix, 1: concession
    CALLBACK = 10  # 0: reached?, 10 + type: callback talk times
    WORKFORCE = 11  # 0: baselines, 1: absence, 2: quits, 3: aggression
    SHIFTS = 12  # shrinkage of scheduled shifts
    POLICY = 13  # 0: out-of-policy request?, 1: management override?
    VALUE = 14  # 0: word of mouth (people told, future customers lost), 1: first contacts kept as demand erodes
    TYPE_PATIENCE = 15  # a contact type with its own patience, 10 x type + 0: first contacts' patience, 1: redial?, 2: redial delays, 3: redials' patience, 4: repeat contacts' patience


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The SeedSequence of one replication."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def generator(seed: int, replication: int, purpose: int, index: int = 0) -> np.random.Generator:
    """The generator for one purpose (and sub-stream ``index``) of one replication."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication, purpose, index))))


def block_draws(fill: Callable[[int], np.ndarray], block: int = BLOCK) -> Callable[[], float]:
    """A function returning one draw per call, refilled ``block`` draws at a time by
    ``fill(size)``."""

    def draws() -> Iterator[float]:
        while True:
            yield from fill(block).tolist()

    return draws().__next__


def constant(value: float) -> Callable[[], float]:
    """A draw function that always returns ``value``."""
    return itertools.repeat(value).__next__
