"""Handling-time and patience distributions, turned into fast draw functions.

Handling times in contact centers are skewed to the right: most contacts are short, a few
take very long. The field's usual model is the log-normal given by its mean and
coefficient of variation (cv = standard deviation / mean); the exponential is kept because
it makes the queue an Erlang model that can be checked exactly; deterministic and
empirical (resampling observed times) cover the rest.

Patience, the time a caller is willing to wait, is exponential in Erlang A; log-normal
fits observed patience better; ``none`` means nobody abandons (Erlang C).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .scenario import Delay, Distribution, Patience
from .streams import block_draws, constant

__all__ = ["lognormal_params", "handle_time_draws", "patience_draws", "delay_draws"]


def lognormal_params(mean: float, cv: float) -> tuple[float, float]:
    """(mu, sigma) of the normal underlying a log-normal with this mean and cv.

    >>> mu, sigma = lognormal_params(180.0, 1.0)
    >>> round(math.exp(mu + sigma**2 / 2), 9)
    180.0
    """
    sigma2 = math.log1p(cv * cv)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


def handle_time_draws(spec: Distribution, rng: np.random.Generator) -> Callable[[], float]:
    """One handling time (seconds) per call."""
    if spec.dist == "exponential":
        mean = spec.mean_s
        return block_draws(lambda n: rng.exponential(mean, n))
    if spec.dist == "lognormal":
        mu, sigma = lognormal_params(spec.mean_s, spec.cv)
        return block_draws(lambda n: rng.lognormal(mu, sigma, n))
    if spec.dist == "deterministic":
        return constant(spec.mean_s)
    if spec.dist == "empirical":
        samples = np.asarray(spec.samples_s, dtype=float)
        return block_draws(lambda n: rng.choice(samples, n))
    raise ValueError(f"unknown distribution {spec.dist!r}")  # pragma: no cover - validated before


def patience_draws(spec: Patience, rng: np.random.Generator) -> Callable[[], float]:
    """One patience (seconds, ``inf`` for never abandoning) per call."""
    if spec.dist == "none":
        return constant(math.inf)
    if spec.dist == "exponential":
        mean = spec.mean_s
        return block_draws(lambda n: rng.exponential(mean, n))
    if spec.dist == "lognormal":
        mu, sigma = lognormal_params(spec.mean_s, spec.cv)
        return block_draws(lambda n: rng.lognormal(mu, sigma, n))
    raise ValueError(f"unknown patience distribution {spec.dist!r}")  # pragma: no cover


def delay_draws(spec: Delay, rng: np.random.Generator) -> Callable[[], float]:
    """One delay (seconds; the spec is in hours) per call."""
    mean = spec.mean_h * 3600.0
    if spec.dist == "deterministic" or mean == 0.0:
        return constant(mean)
    if spec.dist == "exponential":
        return block_draws(lambda n: rng.exponential(mean, n))
    if spec.dist == "lognormal":
        mu, sigma = lognormal_params(mean, spec.cv)
        return block_draws(lambda n: rng.lognormal(mu, sigma, n))
    raise ValueError(f"unknown delay distribution {spec.dist!r}")  # pragma: no cover
