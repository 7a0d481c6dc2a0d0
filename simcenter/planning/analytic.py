"""Exact results for the plain call-center queue: Erlang B, Erlang C and Erlang A.

A call center with ``n`` agents, Poisson arrivals at rate ``lam`` (calls per second),
exponential handling times with mean ``aht`` seconds and, for Erlang A, exponential
patience with mean ``patience`` seconds is the M/M/n+M queue (Palm 1943; Garnett,
Mandelbaum and Reiman 2002). Without abandonment it is the M/M/n queue of Erlang C; with
no waiting room at all, the M/M/n/n loss system of Erlang B.

These formulas are what the simulator must reproduce when promises, agents' morale and
time variation are switched off, and they are the planners' first staffing estimate.

How Erlang A is computed here
-----------------------------
Write ``a = lam * aht`` (offered load in Erlangs), ``x = n * mu / theta`` and
``y = lam / theta`` with ``mu = 1 / aht`` and ``theta = 1 / patience``. When all agents
are busy the number waiting ``q`` has the probabilities
``pi(n + q) = pi(n) * prod_{k=1..q} y / (x + k)``, and by PASTA an arriving caller sees
them. A caller who finds ``q`` callers ahead moves forward at rate ``n*mu + i*theta``
while ``i`` are ahead and abandons at rate ``theta``; the time spent at each step is
exponential with the total rate whatever the step's outcome, so

* ``P(answered | q) = x / (x + q + 1)`` (the product telescopes),
* ``P(answered within t | q) = x / (x + q + 1) * I(1 - exp(-theta t); q + 1, x + 1)``,
  the regularized incomplete beta being the law of a sum of exponentials with rates
  ``theta (x + 1) ... theta (x + q + 1)``,
* ``E[wait | q] = (q + 1) / (theta (x + q + 1))`` and
  ``E[wait; answered | q] = x / (x + q + 1) * (psi(x + q + 2) - psi(x + 1)) / theta``.

The sums over ``q`` run in log space and stop when the terms fall below double precision,
so the functions are stable to thousands of agents.

Examples
--------
The classic example: 100 calls per 30 minutes, 180 s handling time, 14 agents.

>>> round(erlang_c(14, 10.0), 4)
0.1741
>>> m = erlang_c_metrics(n=14, calls_per_hour=200, aht_s=180, target_s=20)
>>> round(m.service_level, 4)
0.8884
>>> staffing(calls_per_hour=200, aht_s=180, target_s=20, target_sl=0.8)
14
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import special

__all__ = [
    "QueueMetrics",
    "erlang_b",
    "erlang_c",
    "erlang_a_metrics",
    "erlang_c_metrics",
    "metrics",
    "staffing",
    "staffing_table",
]

#: Queue-length terms smaller than this, relative to the largest, are dropped.
_TAIL = 1e-18
#: Hard cap on the number of queue-length terms summed (a guard, never reached in practice).
_MAX_TERMS = 20_000_000


def _check_positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return value


def _check_agents(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    return int(n)


def erlang_b(n: int, a: float) -> float:
    """Blocking probability of the M/M/n/n loss system with offered load ``a`` Erlangs.

    Uses the recursion ``1/B(k) = 1 + k / (a B(k-1))``, stable for any ``n``.

    >>> round(erlang_b(10, 5.0), 6)
    0.018385
    """
    n = _check_agents(n)
    a = _check_positive("a", a, allow_zero=True)
    if a == 0:
        return 1.0 if n == 0 else 0.0
    inv = 1.0
    for k in range(1, n + 1):
        inv = 1.0 + inv * k / a
    return 1.0 / inv


def erlang_c(n: int, a: float) -> float:
    """Probability of waiting in the M/M/n queue (Erlang C), ``a`` Erlangs offered.

    Returns 1.0 when ``a >= n`` (the queue is unstable: everyone waits).

    >>> round(erlang_c(14, 10.0), 4)
    0.1741
    """
    n = _check_agents(n)
    a = _check_positive("a", a, allow_zero=True)
    if a >= n:
        return 1.0
    b = erlang_b(n, a)
    return n * b / (n - a * (1.0 - b))


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state performance of a queue, with the same names as simulated metrics.

    Attributes
    ----------
    p_wait : share of callers who wait at all.
    service_level : share of callers answered within ``target_s``.
    abandon_rate : share of callers who abandon.
    asa_s : mean wait of answered callers, seconds.
    mean_wait_s : mean wait of all callers, abandoners' time in queue included, seconds.
    occupancy : carried load per agent (busy time / staffed time).
    """

    p_wait: float
    service_level: float
    abandon_rate: float
    asa_s: float
    mean_wait_s: float
    occupancy: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def erlang_c_metrics(n: int, calls_per_hour: float, aht_s: float, target_s: float) -> QueueMetrics:
    """Exact M/M/n (Erlang C) metrics.

    An unstable queue (offered load ``>= n``) has ``p_wait = 1``, service level 0 and
    infinite waits.
    """
    n = _check_agents(n)
    lam = _check_positive("calls_per_hour", calls_per_hour, allow_zero=True) / 3600.0
    aht = _check_positive("aht_s", aht_s)
    target = _check_positive("target_s", target_s, allow_zero=True)
    a = lam * aht
    if n == 0 or a >= n:
        occ = 1.0 if n > 0 else math.nan
        return QueueMetrics(1.0, 0.0, 0.0, math.inf, math.inf, occ)
    c = erlang_c(n, a)
    drift = n / aht - lam  # rate at which the queue empties, per second
    sl = 1.0 - c * math.exp(-drift * target)
    asa = c / drift
    return QueueMetrics(c, sl, 0.0, asa, asa, a / n)


def _queue_terms(x: float, y: float) -> np.ndarray:
    """Relative probabilities ``r_q = prod_{k=1..q} y / (x + k)`` for q = 0, 1, ...

    Truncated once the terms are decreasing and negligible. Computed in log space.
    """
    # The terms rise while y > x + k, i.e. up to q* = y - x, then fall faster than
    # geometrically. Sum well past the mode: enough terms for the tail to vanish.
    mode = max(0.0, y - x)
    width = 40.0 * math.sqrt(max(y, 1.0)) + 64.0
    count = int(min(_MAX_TERMS, mode + width))
    while True:
        k = np.arange(1, count + 1, dtype=float)
        logs = np.concatenate(([0.0], np.cumsum(math.log(y) - np.log(x + k)))) if y > 0 else np.zeros(1)
        peak = logs.max()
        if y == 0 or logs[-1] - peak < math.log(_TAIL) or count >= _MAX_TERMS:
            break
        count = min(_MAX_TERMS, count * 2)
    return np.exp(logs - peak), peak


def erlang_a_metrics(
    n: int, calls_per_hour: float, aht_s: float, patience_s: float, target_s: float
) -> QueueMetrics:
    """Exact M/M/n+M (Erlang A) metrics: exponential handling and patience.

    Stable for any load (abandonment keeps the queue finite) and for ``n`` in the
    thousands. As ``patience_s`` grows the results tend to Erlang C's.

    >>> m = erlang_a_metrics(n=14, calls_per_hour=200, aht_s=180, patience_s=300, target_s=20)
    >>> 0.88 < m.service_level < 0.92 and 0 < m.abandon_rate < 0.02
    True
    """
    n = _check_agents(n)
    lam = _check_positive("calls_per_hour", calls_per_hour, allow_zero=True) / 3600.0
    aht = _check_positive("aht_s", aht_s)
    patience = _check_positive("patience_s", patience_s)
    target = _check_positive("target_s", target_s, allow_zero=True)
    if lam == 0:
        return QueueMetrics(0.0, 1.0, 0.0, 0.0, 0.0, 0.0 if n else math.nan)
    mu, theta = 1.0 / aht, 1.0 / patience
    a = lam * aht
    if n == 0:
        # Nobody is ever answered: every caller waits until they abandon.
        return QueueMetrics(1.0, 0.0, 1.0, math.nan, patience, math.nan)
    x, y = n * mu / theta, lam / theta

    r, log_peak = _queue_terms(x, y)
    # P(wait) = A B / (1 + (A - 1) B) with A = sum r_q, B = Erlang B; written with the
    # peak factored out of A so that huge A (overload) does not overflow.
    b = erlang_b(n, a)
    s = r.sum()
    # log A = log_peak + log s ; P(wait) = 1 / (1 + (1 - B) / (A B))
    log_ab = log_peak + math.log(s) + (math.log(b) if b > 0 else -math.inf)
    p_wait = 1.0 / (1.0 + (1.0 - b) * math.exp(-log_ab)) if b > 0 else 0.0
    w = r / s  # P(q ahead | wait)

    q = np.arange(r.size, dtype=float)
    p_ans_q = x / (x + q + 1.0)
    p_abandon = p_wait * float(np.dot(w, 1.0 - p_ans_q))
    mean_wait = p_abandon / theta  # E[wait] = P(ab)/theta (Little's law for the queue)
    wait_answered = p_wait * float(np.dot(w, p_ans_q * (special.digamma(x + q + 2.0) - special.digamma(x + 1.0)))) / theta
    p_answered = 1.0 - p_abandon
    asa = wait_answered / p_answered if p_answered > 0 else math.nan
    if target > 0:
        u = -math.expm1(-theta * target)
        within = float(np.dot(w, p_ans_q * special.betainc(q + 1.0, x + 1.0, u)))
    else:
        within = 0.0
    sl = (1.0 - p_wait) + p_wait * within
    occupancy = lam * p_answered * aht / n
    return QueueMetrics(p_wait, sl, p_abandon, asa, mean_wait, min(occupancy, 1.0))


def metrics(
    n: int,
    calls_per_hour: float,
    aht_s: float,
    target_s: float,
    patience_s: float | None = None,
) -> QueueMetrics:
    """Erlang A metrics, or Erlang C's when ``patience_s`` is None (no abandonment)."""
    if patience_s is None or patience_s == math.inf:
        return erlang_c_metrics(n, calls_per_hour, aht_s, target_s)
    return erlang_a_metrics(n, calls_per_hour, aht_s, patience_s, target_s)


def _meets(m: QueueMetrics, target_sl: float, max_abandon: float | None) -> bool:
    return m.service_level >= target_sl and (max_abandon is None or m.abandon_rate <= max_abandon)


def staffing(
    calls_per_hour: float,
    aht_s: float,
    target_s: float,
    target_sl: float,
    patience_s: float | None = None,
    max_abandon: float | None = None,
    max_agents: int = 100_000,
) -> int:
    """Fewest agents whose service level is at least ``target_sl`` (and, if given,
    whose abandonment rate is at most ``max_abandon``).

    Erlang C when ``patience_s`` is None, Erlang A otherwise. Both measures improve
    with every agent added, so the answer is found by bisection.

    >>> staffing(calls_per_hour=200, aht_s=180, target_s=20, target_sl=0.8)
    14
    """
    if not 0.0 <= target_sl <= 1.0 or isinstance(target_sl, bool):
        raise ValueError(f"target_sl must be in [0, 1], got {target_sl!r}")
    if max_abandon is not None and not 0.0 <= max_abandon <= 1.0:
        raise ValueError(f"max_abandon must be in [0, 1], got {max_abandon!r}")
    a = _check_positive("calls_per_hour", calls_per_hour, allow_zero=True) / 3600.0 * aht_s
    if calls_per_hour == 0:
        return 0
    target_sl = min(target_sl, 1.0 - 1e-12)  # SL = 1 exactly is reached only in the limit

    def ok(k: int) -> bool:
        return _meets(metrics(k, calls_per_hour, aht_s, target_s, patience_s), target_sl, max_abandon)

    lo = int(math.floor(a)) if patience_s is None else 0  # not enough (or not known to be)
    hi = max(lo + 1, int(math.ceil(a + 3 * math.sqrt(a) + 1)))
    while not ok(hi):
        lo, hi = hi, hi * 2
        if hi > max_agents:
            raise ValueError(f"no staffing up to {max_agents} agents meets the target")
    # invariant: ok(hi), and lo is not ok or is the trivial lower bound
    if ok(lo) and lo == 0:
        return 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def staffing_table(
    calls_per_hour: float,
    aht_s: float,
    target_s: float,
    target_sl: float,
    patience_s: float | None = None,
    max_abandon: float | None = None,
    around: int = 3,
):
    """The metrics for the minimal staffing and ``around`` agents either side, as a
    pandas DataFrame (one row per staffing level, ``meets_target`` marking the rows that
    meet it)."""
    import pandas as pd

    best = staffing(calls_per_hour, aht_s, target_s, target_sl, patience_s, max_abandon)
    rows = []
    for k in range(max(1, best - around), best + around + 1):
        m = metrics(k, calls_per_hour, aht_s, target_s, patience_s)
        rows.append({"agents": k, **m.as_dict(), "meets_target": _meets(m, target_sl, max_abandon)})
    return pd.DataFrame(rows)
