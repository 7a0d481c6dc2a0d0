"""Output analysis: from replications to estimates a planner can trust.

A run's replications are independent (each draws from its own random streams), so a
metric computed within each replication is a sample of independent values, and its mean
has a Student-t confidence interval. This module holds everything the layers above do with
such samples, once:

* :func:`confidence_interval` and :func:`metric_interval` (the interval cut to the metric's
  possible values), :func:`relative_half_width`;
* :func:`paired_interval`: the difference of a metric between two scenarios run with common
  random numbers, replication by replication, its interval kept within what the difference
  can take;
* :func:`reported`: the cut of a run's per-interval series to the reported window (the
  warm-up days left out);
* :func:`mser5`: MSER-5 (White 1997; Franklin and White 2008), the warm-up suggestion. The
  series is averaged in batches of 5, and the suggested truncation is the number of leading
  batches whose removal minimizes the squared standard error of the mean of the rest,
  searched over the first half of the series. Reported, never applied silently;
* :func:`replicate_until`: the one loop that adds replications until an answer is decided
  (``run --precision``, each level of the flat staffing search), with the growth rules
  :func:`one_more`, :func:`doubled` and :func:`planned_replications` (the last also paces
  the rounds of a sweep with a precision target).
"""

from __future__ import annotations

import math
import warnings
from typing import Callable, NamedTuple

import numpy as np

from .metrics import metric_range

__all__ = ["CONFIDENCE", "confidence_interval", "relative_half_width", "metric_interval", "paired_interval", "Paired", "reported",
           "mser5",
           "replicate_until", "one_more", "doubled", "planned_replications", "worst_precision"]

CONFIDENCE = 0.95


def confidence_interval(values: np.ndarray, axis: int = 0, confidence: float = CONFIDENCE):
    """(mean, low, high) of the Student-t interval over ``axis``, ignoring NaN entries."""
    from scipy import stats as sps  # here, not at the top: sweep workers never need it

    values = np.asarray(values, dtype=float)
    n = np.sum(~np.isnan(values), axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices give NaN, as intended
        mean = np.nanmean(values, axis=axis) if values.size else np.nan
        sd = np.nanstd(values, axis=axis, ddof=1) if values.size else np.nan
        half = sps.t.ppf(0.5 + confidence / 2.0, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = np.where(n > 1, half, np.nan)
    return mean, mean - half, mean + half


def relative_half_width(values, confidence: float = CONFIDENCE) -> float:
    """Half-width of the Student-t interval over ``values`` divided by |mean|; ``inf`` when
    undefined (fewer than two values, or a mean of 0)."""
    mean, low, high = confidence_interval(np.asarray(values, dtype=float), confidence=confidence)
    if not (np.isfinite(low) and np.isfinite(mean)) or mean == 0:
        return math.inf
    return float((high - low) / 2 / abs(mean))


def metric_interval(name: str, values, axis: int = 0, confidence: float = CONFIDENCE):
    """(mean, low, high) of metric ``name`` over replications (``axis``), the interval cut
    to the metric's possible values (:func:`~simcenter.output.metrics.metric_range`):
    fractions and levels to [0, 1], balances (:data:`SIGNED`) not at all, the rest to >= 0
    (a count, a time, a cost). A queue's metric (``service_level[retail]``) is cut as the
    center-wide one."""
    mean, low, high = confidence_interval(values, axis=axis, confidence=confidence)
    lowest, highest = metric_range(name)
    return mean, np.clip(low, lowest, highest), np.clip(high, lowest, highest)


class Paired(NamedTuple):
    """A paired comparison of one metric (:func:`paired_interval`)."""

    mean_a: float
    ci_low_a: float
    ci_high_a: float
    mean_b: float
    ci_low_b: float
    ci_high_b: float
    diff: float        # mean of b - a over the replications where both are defined
    ci_low: float
    ci_high: float
    cut_low: bool      # whether ci_low was raised to what the difference can take
    cut_high: bool     # whether ci_high was lowered to it
    pairs: int         # replications where both are defined


def paired_interval(name: str, a, b, confidence: float = CONFIDENCE) -> Paired:
    """Metric ``name`` in two scenarios run with common random numbers: ``a[r]`` and ``b[r]``
    are its values in replication ``r`` (NaN where undefined, e.g. a ratio with nothing to
    divide).

    Each side has its mean and its interval, cut to the metric's range ``[lo, hi]``
    (:func:`metric_interval`). The difference ``b - a`` has the Student-t interval of the
    replication-by-replication differences (where both sides are defined), cut to what the
    difference can take:

    * within ``[lo - hi, hi - lo]``: ``[-1, 1]`` for a fraction or a level, no bound for a
      balance or a count, and
    * within what the two sides allow: B - A is at least ``lo - ci_high_a`` and
      ``ci_low_b - hi``, at most ``ci_high_b - lo`` and ``hi - ci_low_a`` (for a count,
      ``[-ci_high_a, ci_high_b]``: B cannot have fewer than none, nor A);

    never past the estimate ``diff`` itself. Such a cut happens with few replications or
    values near a bound, where the t interval runs past what is possible; it never changes
    whether the interval holds 0. ``cut_low`` and ``cut_high`` say which end moved.

    >>> p = paired_interval("service_level", [0.0, 0.0, 0.3], [0.9, 1.0, 1.0])
    >>> round(p.diff, 3), round(p.ci_low, 3), p.ci_high, p.cut_high
    (0.867, 0.487, 1.0, True)
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired_interval needs two series of one value per replication, got shapes {a.shape} and {b.shape}")
    lo, hi = metric_range(name)
    mean_a, low_a, high_a = (float(x) for x in metric_interval(name, a, confidence=confidence))
    mean_b, low_b, high_b = (float(x) for x in metric_interval(name, b, confidence=confidence))
    diffs = b - a
    pairs = int(np.sum(~np.isnan(diffs)))
    diff, low, high = (float(x) for x in confidence_interval(diffs, confidence=confidence))
    with np.errstate(invalid="ignore"):  # inf - inf where both ends are unbounded: no bound
        floor = float(np.nanmax([lo - hi, lo - high_a, low_b - hi]))
        ceiling = float(np.nanmin([hi - lo, high_b - lo, hi - low_a]))
    if not math.isnan(diff):
        floor, ceiling = min(floor, diff), max(ceiling, diff)
    cut_low, cut_high = bool(low < floor), bool(high > ceiling)
    low, high = (floor if cut_low else low), (ceiling if cut_high else high)
    return Paired(mean_a, low_a, high_a, mean_b, low_b, high_b, diff, low, high, cut_low, cut_high, pairs)


def reported(scenario, series):
    """The part of a per-interval series (of the whole run) that is reported: the warm-up
    days (``simulation.warmup_days``) cut off."""
    return series[scenario.simulation.warmup_days * scenario.intervals_per_day:]


def mser5(series) -> int:
    """MSER-5 truncation point: how many leading observations to drop (a multiple of 5).

    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> x = np.concatenate([np.linspace(10, 0, 50), np.zeros(450)]) + rng.normal(0, 1, 500)
    >>> 40 <= mser5(x) <= 80
    True
    """
    x = np.asarray(series, dtype=float)
    x = x[~np.isnan(x)]
    batches = x[: len(x) // 5 * 5].reshape(-1, 5).mean(axis=1)
    m = len(batches)
    if m < 4:
        return 0
    best_d, best = 0, math.inf
    for d in range(0, m // 2 + 1):
        rest = batches[d:]
        stat = rest.var() / len(rest)  # var/(m-d) = sum of squares/(m-d)^2
        if stat < best:
            best_d, best = d, stat
    return best_d * 5


def worst_precision(samples, confidence: float = CONFIDENCE) -> float:
    """The largest relative half-width among the per-replication ``samples`` of several
    metrics (an iterable of arrays): the precision a set of metrics has reached together."""
    return max(relative_half_width(values, confidence) for values in samples)


def one_more(n: int, achieved: float) -> int:
    """Growth rule: one replication at a time (the stop comes at the first count that is
    precise enough)."""
    return n + 1


def doubled(n: int, achieved: float) -> int:
    """Growth rule: double the replications."""
    return 2 * n


def planned_replications(n: int, achieved: float, target: float) -> int:
    """Growth rule towards a relative half-width ``target``: the interval shrinks as
    1/sqrt(n), so n (achieved/target)^2, at least one more, at most double (the estimate
    from few replications is rough)."""
    want = 2 * n if not math.isfinite(achieved) else math.ceil(n * (achieved / target) ** 2)
    return min(2 * n, max(n + 1, want))


def replicate_until(
    run_to: Callable[[int], None],
    decided: Callable[[int], tuple[bool, float]],
    start: int,
    maximum: int,
    grow: Callable[[int, float], int] = one_more,
) -> int:
    """Add replications until the answer is decided or ``maximum`` are done.

    ``run_to(n)`` brings the replications done to ``n``; ``decided(n)`` says whether the
    answer is decided with ``n`` replications, and how far it stands (a precision achieved,
    passed to ``grow``); ``grow(n, achieved)`` is the next count (capped at ``maximum``).
    Returns the replications done.

    >>> runs = []
    >>> replicate_until(lambda n: runs.extend(range(len(runs), n)), lambda n: (n >= 7, 0.0), 2, 100)
    7
    """
    n = min(start, maximum)
    run_to(n)
    while True:
        done, achieved = decided(n)
        if done or n >= maximum:
            return n
        n = min(maximum, grow(n, achieved))
        run_to(n)
