"""Handling-time and patience distributions, turned into fast draw functions.

Handling times in contact centers are skewed to the right: most contacts are short, a few
take very long. The field's usual model is the log-normal given by its mean and
coefficient of variation (cv = standard deviation / mean); the gamma, by the same two
numbers, is the third family a contact log's handling times are fitted with (its tail is
lighter than the log-normal's; cv = 1 is the exponential); the exponential is kept because
it makes the queue an Erlang model that can be checked exactly; deterministic and
empirical (resampling observed times) cover the rest.

Patience, the time a caller is willing to wait, is exponential in Erlang A; log-normal
fits observed patience better; ``none`` means nobody abandons (Erlang C). Each contact
type's callers may have their own (:mod:`simcenter.model.patience`).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..scenario import Delay, Distribution, Patience
from .streams import block_draws, constant

__all__ = ["lognormal_params", "gamma_params", "draws", "handle_time_draws", "patience_draws", "delay_draws"]


def lognormal_params(mean: float, cv: float) -> tuple[float, float]:
    """(mu, sigma) of the normal underlying a log-normal with this mean and cv.

    >>> mu, sigma = lognormal_params(180.0, 1.0)
    >>> round(math.exp(mu + sigma**2 / 2), 9)
    180.0
    """
    sigma2 = math.log1p(cv * cv)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


def gamma_params(mean: float, cv: float) -> tuple[float, float]:
    """(shape, scale) of the gamma with this mean and cv: shape ``1 / cv**2``, scale
    ``mean * cv**2``.

    >>> shape, scale = gamma_params(180.0, 0.5)
    >>> shape, scale, shape * scale
    (4.0, 45.0, 180.0)
    """
    return 1.0 / (cv * cv), mean * cv * cv


def draws(dist: str, mean: float, rng: np.random.Generator, cv: float | None = None, samples=None) -> Callable[[], float]:
    """One draw per call from a distribution family given by its mean (and cv, or the
    samples for ``empirical``)."""
    if dist == "none":
        return constant(math.inf)
    if dist == "deterministic" or (dist != "empirical" and mean == 0.0):
        return constant(mean)
    if dist == "exponential":
        return block_draws(lambda n: rng.exponential(mean, n))
    if dist == "lognormal":
        mu, sigma = lognormal_params(mean, cv)
        return block_draws(lambda n: rng.lognormal(mu, sigma, n))
    if dist == "gamma":
        shape, scale = gamma_params(mean, cv)
        return block_draws(lambda n: rng.gamma(shape, scale, n))
    if dist == "empirical":
        values = np.asarray(samples, dtype=float)
        return block_draws(lambda n: rng.choice(values, n))
    raise ValueError(f"unknown distribution {dist!r}")  # pragma: no cover - validated before


def handle_time_draws(spec: Distribution, rng: np.random.Generator) -> Callable[[], float]:
    """One handling time (seconds) per call."""
    return draws(spec.dist, spec.mean_s, rng, spec.cv, spec.samples_s)


def patience_draws(spec: Patience, rng: np.random.Generator) -> Callable[[], float]:
    """One patience (seconds, ``inf`` for never abandoning) per call."""
    return draws(spec.dist, spec.mean_s, rng, spec.cv)


def delay_draws(spec: Delay, rng: np.random.Generator) -> Callable[[], float]:
    """One delay (seconds; the spec is in hours) per call."""
    return draws(spec.dist, spec.mean_h * 3600.0, rng, spec.cv)
