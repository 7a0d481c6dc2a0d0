"""Distributions fitted to durations: handling times, and patience from censored waits.

**Handling times** are fitted by maximum likelihood in three families, each given by its
mean and coefficient of variation (cv = standard deviation / mean) as scenarios are:
exponential (cv 1), log-normal and gamma. The family with the lowest AIC (Akaike's
information criterion, 2 x parameters - 2 x log-likelihood) is chosen, except that a
family with fewer parameters is preferred unless the best one's AIC is lower by more than
4.63, the margin of a likelihood-ratio test at 1% for one extra parameter: the simpler
family wins where the data do not clearly need the extra one (an exponential sample
fitted by a gamma of shape 1.01 stays exponential, at 99% of samples). Each fit
reports its Kolmogorov-Smirnov distance to the sample (the largest gap between the
fitted and the empirical distribution functions) and a 95% interval of the mean and the
cv, from the observed information (the log-likelihood's curvature) by the delta method.

**Patience** is never seen whole: a caller who abandoned shows their patience (the wait
until they hung up), but an answered caller shows only that their patience was longer
than their wait: a *right-censored* observation. The naive mean of abandoners' waits
keeps only the impatient and is badly biased low where most callers are answered. The
right estimates use both kinds of observation: the Kaplan-Meier curve (no family
assumed) and censored maximum likelihood, where an abandonment adds the density
``log f(w)`` and an answered wait the survival ``log S(w)`` to the log-likelihood
(exponential and log-normal, chosen by AIC as above).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

__all__ = ["FamilyFit", "fit_durations", "fit_patience", "kaplan_meier", "choose"]

Z95 = 1.959963984540054


@dataclass(frozen=True)
class FamilyFit:
    """One family fitted to a sample: its mean and cv with 95% intervals, log-likelihood,
    AIC and KS distance."""

    family: str
    n: int  # observations (for censored data: all of them)
    events: int  # uncensored observations (= n for handling times)
    mean: float
    mean_low: float
    mean_high: float
    cv: float
    cv_low: float
    cv_high: float
    loglik: float
    k: int  # parameters
    ks: float  # largest gap between fitted and empirical (or Kaplan-Meier) distribution

    @property
    def aic(self) -> float:
        return 2 * self.k - 2 * self.loglik

    def cdf(self, t):
        t = np.asarray(t, float)
        if self.family == "exponential":
            return -np.expm1(-t / self.mean)
        if self.family == "lognormal":
            mu, sigma = _ln_params(self.mean, self.cv)
            with np.errstate(divide="ignore"):
                return special.ndtr((np.log(t) - mu) / sigma)
        shape = 1.0 / self.cv**2
        return special.gammainc(shape, t * shape / self.mean)

    def pdf(self, t):
        t = np.asarray(t, float)
        if self.family == "exponential":
            return np.exp(-t / self.mean) / self.mean
        if self.family == "lognormal":
            mu, sigma = _ln_params(self.mean, self.cv)
            return stats.lognorm.pdf(t, sigma, scale=math.exp(mu))
        shape = 1.0 / self.cv**2
        return stats.gamma.pdf(t, shape, scale=self.mean / shape)


def _ln_params(mean: float, cv: float) -> tuple[float, float]:
    s2 = math.log1p(cv * cv)
    return math.log(mean) - s2 / 2, math.sqrt(s2)


def _hessian(f, x: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x``."""
    k = x.size
    h = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            e_i, e_j = np.eye(k)[i] * step, np.eye(k)[j] * step
            v = (f(x + e_i + e_j) - f(x + e_i - e_j) - f(x - e_i + e_j) + f(x - e_i - e_j)) / (4 * step * step)
            h[i, j] = h[j, i] = v
    return h


def _interval(theta: np.ndarray, nll, derived) -> tuple[float, float, float, float, float, float]:
    """(mean, low, high, cv, low, high): ``derived(theta) -> (mean, cv)``; intervals by the
    delta method on log scale from the inverse observed information of ``nll``."""
    mean, cv = derived(theta)
    try:
        cov = np.linalg.inv(_hessian(nll, theta))
    except np.linalg.LinAlgError:
        cov = np.full((theta.size, theta.size), np.nan)
    out = []
    for which, value in ((0, mean), (1, cv)):
        grad = np.empty(theta.size)
        for i in range(theta.size):
            e = np.eye(theta.size)[i] * 1e-5
            grad[i] = (math.log(derived(theta + e)[which]) - math.log(derived(theta - e)[which])) / 2e-5
        var = float(grad @ cov @ grad)
        half = Z95 * math.sqrt(var) if var >= 0 and math.isfinite(var) else math.nan
        out += [value, value * math.exp(-half), value * math.exp(half)]
    return tuple(out)


def _ks(x_sorted: np.ndarray, cdf) -> float:
    n = x_sorted.size
    f = cdf(x_sorted)
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - f), np.max(f - (i - 1) / n)))


def fit_durations(x) -> list[FamilyFit]:
    """Exponential, log-normal and gamma fitted to positive durations (seconds) by maximum
    likelihood, in that order. Zero durations are left out of the log-normal and gamma fits
    (their likelihood is zero there); callers say how many there were."""
    x = np.sort(np.asarray(x, float))
    x = x[x > 0]
    n = x.size
    if n < 2:
        raise ValueError("at least two positive durations are needed")
    fits = []
    m = float(x.mean())
    logs = np.log(x)
    sum_log = float(logs.sum())
    # exponential
    ll = -n * math.log(m) - n
    half = Z95 / math.sqrt(n)
    fe = FamilyFit("exponential", n, n, m, m * math.exp(-half), m * math.exp(half), 1.0, 1.0, 1.0, ll, 1, 0.0)
    fits.append(_with_ks(fe, x))
    # log-normal
    mu, sigma = float(logs.mean()), float(logs.std())
    if sigma > 0:
        def nll_ln(t):
            s = math.exp(t[1])
            return n * t[1] + n * 0.5 * math.log(2 * math.pi) + sum_log + float(((logs - t[0]) ** 2).sum()) / (2 * s * s)

        def derived_ln(t):
            s2 = math.exp(2 * t[1])
            return math.exp(t[0] + s2 / 2), math.sqrt(math.expm1(s2))

        theta = np.array([mu, math.log(sigma)])
        mean, lo, hi, cv, clo, chi = _interval(theta, nll_ln, derived_ln)
        fits.append(_with_ks(FamilyFit("lognormal", n, n, mean, lo, hi, cv, clo, chi, -nll_ln(theta), 2, 0.0), x))
    # gamma: shape by Newton on log(shape) - digamma(shape) = log(mean) - mean(log x)
    s = math.log(m) - sum_log / n
    if s > 0:
        k = (3 - s + math.sqrt((s - 3) ** 2 + 24 * s)) / (12 * s)
        for _ in range(50):
            step = (math.log(k) - special.digamma(k) - s) / (1 / k - special.polygamma(1, k))
            k = max(k - step, k / 10)
            if abs(step) < 1e-12 * k:
                break
        sum_x = float(x.sum())

        def nll_g(t):
            shape, scale = math.exp(t[0]), math.exp(t[1])
            return -((shape - 1) * sum_log - sum_x / scale - n * shape * math.log(scale) - n * special.gammaln(shape))

        def derived_g(t):
            shape, scale = math.exp(t[0]), math.exp(t[1])
            return shape * scale, 1 / math.sqrt(shape)

        theta = np.array([math.log(k), math.log(m / k)])
        mean, lo, hi, cv, clo, chi = _interval(theta, nll_g, derived_g)
        fits.append(_with_ks(FamilyFit("gamma", n, n, mean, lo, hi, cv, clo, chi, -nll_g(theta), 2, 0.0), x))
    return fits


def _with_ks(f: FamilyFit, x_sorted: np.ndarray) -> FamilyFit:
    return FamilyFit(**{**f.__dict__, "ks": _ks(x_sorted, f.cdf)})


#: How much lower a family's AIC must be for its extra parameter to be kept: that of a
#: likelihood-ratio test at 1% (chi-square with one degree of freedom, 6.63, less the 2 the
#: AIC already charges).
SIMPLER_MARGIN = 6.634896601021214 - 2.0


def choose(fits: list[FamilyFit]) -> FamilyFit:
    """The family with the lowest AIC, or one with fewer parameters within
    :data:`SIMPLER_MARGIN` of it."""
    best = min(fits, key=lambda f: f.aic)
    simpler = [f for f in fits if f.k < best.k and f.aic <= best.aic + SIMPLER_MARGIN]
    return min(simpler, key=lambda f: f.aic) if simpler else best


def kaplan_meier(time, event) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Kaplan-Meier estimate of the survival function from right-censored durations:
    (event times, S just after each, Greenwood standard error). ``event`` is True where the
    duration ended by the event (abandonment), False where it was censored (answered)."""
    t = np.asarray(time, float)
    e = np.asarray(event, bool)
    order = np.argsort(t, kind="stable")
    t, e = t[order], e[order]
    uniq, start = np.unique(t, return_index=True)
    at_risk = t.size - start
    deaths = np.add.reduceat(e.astype(np.int64), start) if t.size else np.array([], np.int64)
    keep = deaths > 0
    times, d, n = uniq[keep], deaths[keep].astype(float), at_risk[keep].astype(float)
    surv = np.cumprod(1.0 - d / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        green = np.cumsum(np.where(n > d, d / (n * (n - d)), np.inf))
    with np.errstate(invalid="ignore"):
        se = np.where(surv > 0, surv * np.sqrt(green), 0.0)
    return times, surv, se


def fit_patience(wait, abandoned) -> list[FamilyFit]:
    """Exponential and log-normal patience fitted by censored maximum likelihood to waits
    (seconds) that ended in abandonment (``abandoned``) or were cut short by an answer.
    Needs at least two abandonments."""
    w = np.asarray(wait, float)
    a = np.asarray(abandoned, bool)
    keep = (w > 0) | a
    w, a = w[keep], a[keep]
    d = int(a.sum())
    if d < 2:
        raise ValueError("at least two abandonments are needed to estimate patience")
    total = float(w.sum())
    n = w.size
    km_t, km_s, _ = kaplan_meier(w, a)
    fits = []
    m = total / d
    half = Z95 / math.sqrt(d)
    fe = FamilyFit("exponential", n, d, m, m * math.exp(-half), m * math.exp(half), 1.0, 1.0, 1.0,
                   -d * math.log(m) - total / m, 1, 0.0)
    fits.append(_km_gap(fe, km_t, km_s))
    wa = np.maximum(w[a], 1e-9)
    log_wa = np.log(wa)
    wc = w[~a]
    log_wc = np.log(wc)

    def nll(t):
        mu, s = t[0], math.exp(t[1])
        za = (log_wa - mu) / s
        zc = (log_wc - mu) / s
        dens = -0.5 * za * za - math.log(s) - 0.5 * math.log(2 * math.pi) - log_wa
        return -(float(dens.sum()) + float(special.log_ndtr(-zc).sum()))

    start = np.array([math.log(m) - 0.5, 0.0])
    res = optimize.minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-7, "fatol": 1e-7, "maxiter": 2000})
    theta = res.x

    def derived(t):
        s2 = math.exp(2 * t[1])
        return math.exp(t[0] + s2 / 2), math.sqrt(math.expm1(s2))

    mean, lo, hi, cv, clo, chi = _interval(theta, nll, derived)
    if math.isfinite(mean) and mean < 1e12:
        fits.append(_km_gap(FamilyFit("lognormal", n, d, mean, lo, hi, cv, clo, chi, -nll(theta), 2, 0.0), km_t, km_s))
    return fits


def _km_gap(f: FamilyFit, km_t: np.ndarray, km_s: np.ndarray) -> FamilyFit:
    gap = float(np.max(np.abs((1.0 - f.cdf(km_t)) - km_s))) if km_t.size else 0.0
    return FamilyFit(**{**f.__dict__, "ks": gap})
