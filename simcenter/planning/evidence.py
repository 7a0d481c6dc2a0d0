"""What replications show about a service-level target, interval by interval: one-sided
tests of a level against the target, corrected for the number of intervals tested.

In each replication of a plan, an interval's service level is the fraction of its offered
contacts answered within the target time (its abandonment, the fraction abandoning), one
independent value per replication. Whether the interval's staffing *misses* the target, or
has an agent to *spare*, is a one-sided Student-t test of the mean of those values against
the target, over the replications (:func:`below`, :func:`above`).

The variance of the mean is written ``φ · p (1 - p) · sum_r 1/N_r / n^2``: the binomial
variance of ``n`` replications of ``N_r`` contacts times a *dispersion* ``φ``, never below 1
(the callers of one interval share a queue, so their outcomes are positively correlated and
vary at least as much as independent ones would). A test against a bound takes ``p`` at the
bound, the boundary of its hypothesis, not at the estimate: a lucky high estimate would
otherwise also shrink its own error. Each interval's dispersion comes from its own
replications and is moderated over the intervals (:func:`moderate`), so that a test with
three replications need not pay Student's t with two degrees of freedom when every interval
shows the same noise.

Testing 48 intervals at 5% each finds about two "departures" in a plan that is right in
every one. Holm's step-down procedure (:func:`holm`; Holm 1979, *A simple sequentially
rejective multiple test procedure*, Scand. J. Statist. 6) keeps the chance of even one
false finding over all the hypotheses tested at ``alpha``, whatever the dependence between
them: sort the p-values, compare the smallest with ``alpha/m``, the next with
``alpha/(m-1)``..., and stop at the first that is not below its bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Estimate", "estimate", "moderate", "below", "above", "holm", "benjamini_hochberg", "critical_value"]

_HITS = {"service_level": "answered_in_target", "abandon_rate": "abandoned"}


@dataclass(frozen=True)
class Estimate:
    """Per interval, a fraction estimated over replications: the mean of the replications'
    values, their dispersion (variance over the binomial one of the contacts counted,
    moderated over the intervals and at least 1), the binomial variance of the mean per
    unit of ``p (1 - p)`` (``sum_r 1/N_r / n^2``), and the degrees of freedom."""

    mean: np.ndarray
    dispersion: np.ndarray
    unit_variance: np.ndarray
    df: np.ndarray

    def se(self, at) -> np.ndarray:
        """The standard error of the mean where the true fraction is ``at``: the variance
        is ``dispersion · at (1 - at) · sum_r 1/N_r / n^2``."""
        at = np.clip(np.asarray(at, dtype=float), 1e-9, 1.0 - 1e-9)
        return np.sqrt(self.dispersion * at * (1.0 - at) * self.unit_variance)


def estimate(runs: list[dict], name: str) -> Estimate:
    """``service_level`` (``answered_in_target / offered``) or ``abandon_rate``
    (``abandoned / offered``) per interval, from the replications' per-interval counts
    (dicts of arrays with ``offered`` and the metric's count), with the standard error
    moderated over the intervals (:func:`moderate`). An interval without offered contacts
    in a replication has no value there."""
    offered = np.array([r["offered"] for r in runs], dtype=float)
    hits = np.array([r[_HITS[name]] for r in runs], dtype=float)
    valid = offered > 0
    values = np.where(valid, hits / np.where(valid, offered, 1.0), np.nan)
    n = valid.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(values, axis=0) / np.maximum(n, 1), np.nan)
        variance = np.where(n > 1, np.nansum((values - mean) ** 2, axis=0) / np.maximum(n - 1, 1), np.nan) / np.maximum(n, 1)
        # the binomial variance of the mean of ratios, p (1 - p) sum_r 1/N_r / n^2, with an
        # Agresti-Coull p from the pooled counts
        p = (np.where(valid, hits, 0.0).sum(axis=0) + 2.0) / (np.where(valid, offered, 0.0).sum(axis=0) + 4.0)
        unit = np.where(valid, 1.0 / np.where(valid, offered, 1.0), 0.0).sum(axis=0) / np.maximum(n, 1) ** 2
        dispersion, df = moderate(variance / (p * (1.0 - p) * unit), n - 1)
    dispersion = np.where(n > 1, np.fmax(dispersion, 1.0), np.nan)
    return Estimate(mean, dispersion, unit, np.where(n > 1, df, 0.0))


def moderate(dispersion, df) -> tuple[np.ndarray, np.ndarray]:
    """Each interval's dispersion (its variance over the binomial one) shrunk towards what
    the intervals share, by empirical Bayes (Smyth 2004, *Linear models and empirical Bayes
    methods for assessing differential expression in microarray experiments*, Stat. Appl.
    Genet. Mol. Biol. 3(1)): the dispersions are taken as scaled chi-square draws around a
    common prior ``s0`` with ``d0`` degrees of freedom, both fitted to them by moments of
    their logarithms; each interval's posterior is ``(d0 s0 + d s) / (d0 + d)``, tested with
    ``d0 + d`` degrees of freedom. Where the intervals agree (``d0`` large) a test with few
    replications borrows the others' information about the noise; where they differ
    (``d0`` near 0) each keeps its own. Only the noise is shared: every interval keeps its
    own mean. Returns the posterior dispersions and degrees of freedom (NaN and 0 where an
    interval has fewer than two values)."""
    from scipy import special

    s = np.asarray(dispersion, dtype=float)
    d = np.asarray(df, dtype=float)
    fit = np.isfinite(s) & (s > 0) & (d >= 1)
    if fit.sum() < 3:
        return s, d
    z = np.log(s[fit]) - special.digamma(d[fit] / 2.0) + np.log(d[fit] / 2.0)
    spread = np.var(z, ddof=1) - np.mean(special.polygamma(1, d[fit] / 2.0))
    if spread > 0:
        d0 = 2.0 * _trigamma_inverse(spread)
        s0 = float(np.exp(np.mean(z) + special.digamma(d0 / 2.0) - np.log(d0 / 2.0)))
    else:  # no more spread than chance: one dispersion for all
        d0, s0 = math.inf, float(np.exp(np.mean(z)))
    with np.errstate(invalid="ignore"):
        posterior = s0 if math.isinf(d0) else (d0 * s0 + d * np.nan_to_num(s, nan=s0)) / (d0 + d)
    posterior = np.where(d >= 1, posterior, np.nan)
    return posterior, np.where(d >= 1, np.minimum(d0 + d, 1e6), 0.0)


def _trigamma_inverse(x: float) -> float:
    """y with trigamma(y) = x, by Newton's method on 1/trigamma (Smyth 2004)."""
    from scipy import special

    if x > 1e7:
        return 1.0 / math.sqrt(x)
    if x < 1e-6:
        return 1.0 / x
    y = 0.5 + 1.0 / x
    for _ in range(50):
        tri = float(special.polygamma(1, y))
        step = tri * (1.0 - tri / x) / float(special.polygamma(2, y))
        y += step
        if -step / y < 1e-8:
            break
    return y


def below(est: Estimate, bound: float) -> np.ndarray:
    """p-values of the evidence that the true value lies below ``bound`` (the hypothesis
    tested: it is at least ``bound``); 1 where there are fewer than two values."""
    from scipy import stats

    with np.errstate(invalid="ignore", divide="ignore"):
        p = stats.t.cdf((est.mean - bound) / est.se(bound), np.maximum(est.df, 1))
    return np.where(est.df >= 1, np.nan_to_num(p, nan=1.0), 1.0)


def above(est: Estimate, bound: float) -> np.ndarray:
    """p-values of the evidence that the true value is at least ``bound`` (the hypothesis
    tested: it lies below); 1 where there are fewer than two values."""
    from scipy import stats

    with np.errstate(invalid="ignore", divide="ignore"):
        p = stats.t.sf((est.mean - bound) / est.se(bound), np.maximum(est.df, 1))
    return np.where(est.df >= 1, np.nan_to_num(p, nan=1.0), 1.0)


def holm(pvalues, alpha: float) -> np.ndarray:
    """Which hypotheses Holm's procedure rejects at family-wise level ``alpha`` (an array
    of booleans shaped as ``pvalues``; a NaN p-value counts as 1).

    >>> holm([0.01, 0.04, 0.03, 0.5], 0.05).tolist()
    [True, False, False, False]
    >>> holm([0.001, 0.02, 0.03], 0.1).tolist()
    [True, True, True]
    """
    p = np.nan_to_num(np.asarray(pvalues, dtype=float), nan=1.0)
    flat = p.ravel()
    rejected = np.zeros(flat.shape, dtype=bool)
    m = flat.size
    for rank, index in enumerate(np.argsort(flat, kind="stable")):
        if flat[index] > alpha / (m - rank):
            break
        rejected[index] = True
    return rejected.reshape(p.shape)


def benjamini_hochberg(pvalues, alpha: float) -> np.ndarray:
    """Which hypotheses the Benjamini-Hochberg procedure rejects at false discovery rate
    ``alpha`` (an array of booleans shaped as ``pvalues``; a NaN p-value counts as 1): with
    the p-values sorted, the largest ``k`` whose p-value is at most ``k alpha / m``, and
    every hypothesis with a p-value as small.

    >>> benjamini_hochberg([0.01, 0.02, 0.03, 0.5], 0.05).tolist()
    [True, True, True, False]
    >>> holm([0.01, 0.02, 0.03, 0.5], 0.05).tolist()
    [True, False, False, False]
    >>> benjamini_hochberg([0.2, 0.3, 0.9], 0.05).tolist()
    [False, False, False]
    """
    p = np.nan_to_num(np.asarray(pvalues, dtype=float), nan=1.0)
    flat = p.ravel()
    m = flat.size
    order = np.argsort(flat, kind="stable")
    passes = np.nonzero(flat[order] <= alpha * np.arange(1, m + 1) / max(m, 1))[0]
    rejected = np.zeros(flat.shape, dtype=bool)
    if passes.size:
        rejected[order[: passes[-1] + 1]] = True
    return rejected.reshape(p.shape)


def critical_value(df, hypotheses: int, alpha: float) -> np.ndarray:
    """The t value a one-sided test must pass at the strictest step of Holm's or Benjamini
    and Hochberg's procedure (``alpha / hypotheses``): the departure, in standard errors,
    that the procedure sees about half the time when it is the only one."""
    from scipy import stats

    return stats.t.ppf(1.0 - alpha / max(1, hypotheses), np.maximum(np.asarray(df), 1))
