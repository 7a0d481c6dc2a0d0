"""Promises, callbacks and recovery: how broken promises become failure demand.

A contact may end with a promise with a due time. A *fulfilment* promise depends on the
back office: it is kept or broken with the contact type's noncompliance probability (or an
outage's, for promises coming due during ``promises.outages``). A *callback* promise
depends on the center itself: a callback task joins the callback queue, which the same
agents serve; it is kept if an agent reaches the customer before the due time, broken
otherwise.

A broken promise is noticed after a delay (``promises.notice_delay`` for fulfilment,
``promises.callback_notice_delay`` for callbacks). The customer's anger rises; a customer
whose anger reaches ``customers.churn_anger`` churns; otherwise they contact the center
again with probability ``promises.return_prob`` (else they churn silently). That repeat
contact is *failure demand*.

On a repeat contact the agent attempts *recovery* (:func:`recovery_probability`): success
closes the case, failure leaves a new promise that can break again.

Every promise ends kept, broken, or open at the end of the run; outcomes are counted in the
interval in which the promise was made.
"""

from __future__ import annotations

import math

from .scenario import Recovery

__all__ = ["Callback", "recovery_probabilities", "PENDING", "RETRY_WAIT", "CALLING", "KEPT", "BROKEN", "GAVE_UP"]

# Callback task states.
PENDING, RETRY_WAIT, CALLING, KEPT, BROKEN, GAVE_UP = range(6)


class Callback:
    """A promised call back to ``customer`` about a contact of type ``ctype``, due at
    ``due`` (seconds), made in interval ``interval``."""

    __slots__ = ("customer", "ctype", "due", "interval", "attempts", "state")

    def __init__(self, customer, ctype: int, due: float, interval: int):
        self.customer = customer
        self.ctype = ctype
        self.due = due
        self.interval = interval
        self.attempts = 0
        self.state = PENDING


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def recovery_probabilities(spec: Recovery, anger: float, morale: float = 1.0) -> tuple[float, float]:
    """(p_fix, p_concession) for one recovery attempt.

    ``p_fix`` is the chance of recovering the customer by ordinary means,
    ``logistic(base + training_weight * training + support_weight * support
    + morale_weight * (morale - 1) - anger_weight * anger)``; ``p_concession`` the chance,
    when that fails, that an empowered agent recovers them with a concession,
    ``empowerment * concession_success``. Overall success is
    ``p_fix + (1 - p_fix) * p_concession``.

    >>> from simcenter.scenario import Recovery
    >>> fix, concede = recovery_probabilities(Recovery(), anger=0.0)
    >>> round(fix, 3), concede
    (0.622, 0.0)
    >>> recovery_probabilities(Recovery(), anger=4.0)[0] < fix
    True
    """
    x = (
        spec.base
        + spec.training_weight * spec.training
        + spec.support_weight * spec.support
        + spec.morale_weight * (morale - 1.0)
        - spec.anger_weight * anger
    )
    return _logistic(x), spec.empowerment * spec.concession_success
