"""Patience by contact type: how long each line's callers wait, and how the estimates made
before a run combine several patiences into the one a formula takes.

Callers of different lines wait differently: someone chasing a refund holds on longer than
someone asking for opening hours. A contact type may have a ``patience`` table of its own
(``contact_types[i].patience``, the keys of ``[patience]``); the types without one share
the scenario-wide ``[patience]``. The engine gives a type's callers its patience on their
first contacts, on their redials and next-day returns, and on their repeat contacts, and,
when they abandon, its ``redial_prob`` and redial delay (:mod:`~simcenter.model.arrivals`,
:mod:`~simcenter.model.center`, :mod:`~simcenter.model.promises`). A type with its own
patience draws from its own streams (``Purpose.TYPE_PATIENCE``, :func:`type_stream`), so a
scenario in which no type has one draws the very numbers it always drew, and giving one
type its own patience leaves the other types' draws where they were.

The work estimate (:mod:`~simcenter.model.budget`), the failure-demand chain
(:mod:`~simcenter.model.expectations`) and the Erlang staffing need one number where the
callers are a mix. Each patience law is a :class:`PatienceClass` (the types sharing it,
their share of the first contacts, the key to change it), and the mix is combined so:

* **in expectation, by the share-weighted abandonment hazard.** A waiting caller of class
  ``c`` hangs up at rate ``h_c = 1 / mean_s`` (exactly so for exponential patience; for a
  log-normal, the rate of the exponential of the same mean; 0 for ``none``). A waiting
  caller of the mix, taken as the arrivals' mix, hangs up at ``h = sum_c s_c h_c``, so the
  mix's mean patience is ``1 / h`` (:func:`mean_s`), and a share ``s_c h_c / h`` of those
  who abandon are class ``c``'s, so the chance an abandoning caller redials is
  ``sum_c s_c h_c r_c / h`` (:func:`redial_prob`). With one class both are that class's own
  numbers. The waiting line in truth holds more of the patient callers than arrive (the
  impatient leave it first), so ``1 / h`` understates the patience of the line; Erlang A
  with it slightly overstates abandonment when the means differ much.
* **for a bound, by the worst class.** A queue whose callers each hang up at a rate of at
  least ``min_c h_c`` holds at most as many as one where all hang up at that rate, so the
  most patient class (:func:`most_patient_s`) bounds the pile-up; each customer redials by
  their own type's law, so the redial chain of a first contact is at most the longest of
  the classes' chains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from ..scenario import Patience
from .distributions import patience_draws
from .streams import Purpose

__all__ = ["PatienceClass", "classes", "draws_by_type", "hazard", "mean_s", "abandoning", "abandoners", "most_patient", "most_patient_s",
           "redial_prob", "redial_keys",
           "type_stream", "TYPE_FIRST", "TYPE_REDIAL", "TYPE_REDIAL_DELAY", "TYPE_RETRY", "TYPE_REPEAT"]

#: Sub-streams of a contact type with its own patience: ``Purpose.TYPE_PATIENCE``, index
#: ``10 * type + j`` (:func:`type_stream`).
TYPE_FIRST, TYPE_REDIAL, TYPE_REDIAL_DELAY, TYPE_RETRY, TYPE_REPEAT = range(5)


def type_stream(type_index: int, which: int) -> tuple[int, int]:
    """``(purpose, index)`` of a contact type's own patience stream ``which``
    (:data:`TYPE_FIRST`: first contacts' patience, :data:`TYPE_REDIAL`: redial or not,
    :data:`TYPE_REDIAL_DELAY`: redial delays, :data:`TYPE_RETRY`: redials' and next-day
    returns' patience, :data:`TYPE_REPEAT`: repeat contacts' patience)."""
    return Purpose.TYPE_PATIENCE, 10 * type_index + which


def draws_by_type(scenario, shared: Callable[[], float], rng: Callable, which: int) -> list:
    """One patience draw function per contact type: ``shared`` (drawing from the
    ``[patience]`` stream) for the types without a patience of their own, the type's own
    law on its own stream ``which`` (:func:`type_stream`) for the others."""
    return [shared if c.patience is None else patience_draws(c.patience, rng(*type_stream(i, which)))
            for i, c in enumerate(scenario.contact_types)]


def hazard(spec: Patience) -> float:
    """The rate (1/s) at which a waiting caller with this patience hangs up: one over its
    mean, 0 when callers never hang up."""
    return 0.0 if spec.dist == "none" else 1.0 / spec.mean_s


@dataclass(frozen=True)
class PatienceClass:
    """One patience law of a scenario's callers: ``spec``, the contact types that have it
    (indexes), their ``share`` of first contacts, and the dotted ``key`` of the table to
    change (``patience`` or ``contact_types[i].patience``)."""

    spec: Patience
    share: float
    key: str
    types: tuple

    @property
    def hazard(self) -> float:
        return hazard(self.spec)


def classes(scenario) -> list[PatienceClass]:
    """The scenario's distinct patience laws, in the order of the contact types; one class of
    share 1 (key ``patience``) when no type has its own."""
    n = len(scenario.contact_types)
    if not scenario.has_type_patience:
        return [PatienceClass(scenario.patience, 1.0, "patience", tuple(range(n)))]
    groups: dict[Patience, list[int]] = {}
    for i in range(n):
        groups.setdefault(scenario.patience_of(i), []).append(i)
    out = []
    for spec, types in groups.items():
        own = [i for i in types if scenario.contact_types[i].patience is not None]
        key = "patience" if len(own) < len(types) else scenario.patience_key(own[0])
        out.append(PatienceClass(spec, sum(scenario.contact_types[i].share for i in types), key, tuple(types)))
    return out


def _mix_hazard(mix: list[PatienceClass], weights=None) -> float:
    weights = [c.share for c in mix] if weights is None else weights
    total = sum(weights)
    return sum(w * c.hazard for w, c in zip(weights, mix)) / total if total > 0 else 0.0


def mean_s(mix: list[PatienceClass], weights=None) -> float:
    """The mean patience (s) of a mix of classes by the share-weighted hazard (``weights``:
    other weights than the shares, one per class); ``inf`` when nobody hangs up."""
    if len(mix) == 1:
        p = mix[0].spec
        return math.inf if p.dist == "none" else p.mean_s
    h = _mix_hazard(mix, weights)
    return 1.0 / h if h > 0 else math.inf


def redial_prob(mix: list[PatienceClass]) -> float:
    """The chance that a caller of the mix who abandons redials: the classes' ``redial_prob``
    weighted by who abandons (share times hazard); 0 when nobody hangs up."""
    if len(mix) == 1:
        p = mix[0].spec
        return 0.0 if p.dist == "none" else p.redial_prob
    h = _mix_hazard(mix)
    return sum(c.share * c.hazard * c.spec.redial_prob for c in mix) / h if h > 0 else 0.0


def abandoning(mix: list[PatienceClass], abandon: float) -> list[tuple[PatienceClass, float]]:
    """Each class with the chance its callers abandon when a share ``abandon`` of the
    mix's do: in proportion to the class's hazard (capped at 1); one class, ``abandon``."""
    if len(mix) == 1:
        return [(mix[0], abandon)]
    h = _mix_hazard(mix)
    return [(c, min(1.0, abandon * c.hazard / h) if h > 0 else 0.0) for c in mix]


def abandoners(mix: list[PatienceClass]) -> list[tuple[PatienceClass, float]]:
    """Each class with its share of the callers who abandon (share times hazard, over the
    mix's hazard); one class, 1."""
    if len(mix) == 1:
        return [(mix[0], 1.0)]
    h = _mix_hazard(mix)
    return [(c, c.share * c.hazard / h if h > 0 else 0.0) for c in mix]


def most_patient(mix: list[PatienceClass]) -> PatienceClass:
    """The class whose callers wait longest (never hanging up first), the first of equals."""
    return min(mix, key=lambda c: c.hazard)


def most_patient_s(mix: list[PatienceClass]) -> float:
    """The mean patience (s) of the most patient class; ``inf`` if some callers never hang up."""
    return mean_s([most_patient(mix)])


def redial_keys(scenario) -> str:
    """The keys behind the redial loop, for a message: ``patience.redial_prob,
    patience.redial_delay_mean_s``, and those of every contact type's own patience whose
    callers redial."""
    mix = classes(scenario)
    keys = [c.key for c in mix if c.spec.redial_prob > 0 and c.spec.dist != "none"] or [mix[0].key]
    return ", ".join(f"{k}.redial_prob, {k}.redial_delay_mean_s" for k in keys)
