"""Experiments: comparing scenarios with common random numbers, choosing a warm-up, and
running replications until the answer is precise enough.

Common random numbers
---------------------
Replication ``r`` of a run with seed ``s`` draws every random quantity of every purpose
from ``SeedSequence(s, spawn_key=(r, purpose, ...))`` (see :mod:`simcenter.model.streams`), and
customers draw their type, work content and patience when they are created, in arrival
order. Two scenarios that differ only in staffing or policy, run with the same seed,
therefore see the same customers, and the difference of a metric between them, replication
by replication, varies much less than each metric does. :func:`compare` uses that: it
reports each metric's paired difference with a Student-t interval over replications, kept
within what the difference can take (:func:`simcenter.output.analysis.paired_interval`:
within [-1, 1] for a fraction, and never past what each side's own interval allows).

Warm-up
-------
:func:`mser5` (from :mod:`simcenter.output.analysis`, kept importable here) suggests a
warm-up; the suggestion is reported, never applied silently.

Sequential replications
-----------------------
:func:`simulate_to_precision` adds replications one at a time
(:func:`simcenter.output.analysis.replicate_until`) until the relative half-width of the 95%
interval of every named metric is at most the target (or a maximum is reached), and
reports the precision achieved.
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from ..errors import SimcenterError
from ..output.analysis import CONFIDENCE, mser5, paired_interval, relative_half_width, replicate_until, worst_precision
from ..output.results import Results, stack
from .runner import simulate
from ..model.center import run_replication
from ..scenario import Scenario
from ..output.metrics import METRICS, split_metric

__all__ = ["compare", "mser5", "simulate_to_precision", "relative_precision"]


def compare(
    a: Scenario,
    b: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    metrics: list[str] | None = None,
    confidence: float = CONFIDENCE,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run ``a`` and ``b`` with the same seed (common random numbers) and return, per
    metric, ``mean_a``, ``mean_b``, ``diff`` (b - a), its confidence interval ``ci_low``,
    ``ci_high`` over replications (paired Student t), ``significant`` (the interval
    excludes 0) and ``unit``; then each side's own interval (``ci_low_a``, ``ci_high_a``,
    ``ci_low_b``, ``ci_high_b``), ``cut_low`` and ``cut_high`` (whether that end of the
    difference's interval was moved to what the difference can take:
    :func:`~simcenter.output.analysis.paired_interval`) and ``pairs`` (the replications
    where the metric is defined on both sides). ``progress``, if given, is called after
    each finished replication of either side with the replications done and the
    replications in all (twice ``replications``).

    >>> import simcenter
    >>> s = simcenter.Scenario.from_file("scenarios/erlang_a.toml").replace({"simulation.days": 1})
    >>> table = compare(s, s.replace({"agents.staffing": 15}), replications=5, metrics=["asa_s"])
    >>> bool(table.loc[0, "significant"] and table.loc[0, "diff"] < 0)
    True
    """
    n = a.simulation.replications if replications is None else replications
    root = a.simulation.seed if seed is None else seed
    names = _metric_names(metrics, a if a.agent_groups and b.agent_groups else None)
    def side_a(done, total):
        progress(done, 2 * total)

    def side_b(done, total):
        progress(total + done, 2 * total)
    ra = simulate(a, replications=n, seed=root, progress=side_a if progress else None).replications()
    rb = simulate(b, replications=n, seed=root, progress=side_b if progress else None).replications()
    rows = []
    for name in names:
        p = paired_interval(name, ra[name].to_numpy(), rb[name].to_numpy(), confidence=confidence)
        rows.append({"metric": name, "mean_a": p.mean_a, "mean_b": p.mean_b, "diff": p.diff, "ci_low": p.ci_low, "ci_high": p.ci_high,
                     "significant": bool(p.ci_low > 0 or p.ci_high < 0), "unit": METRICS[split_metric(name)[0]][1],
                     "ci_low_a": p.ci_low_a, "ci_high_a": p.ci_high_a, "ci_low_b": p.ci_low_b, "ci_high_b": p.ci_high_b,
                     "cut_low": p.cut_low, "cut_high": p.cut_high, "pairs": p.pairs})
    return pd.DataFrame(rows)


def _metric_names(metrics, scenario: Scenario | None = None) -> list[str]:
    """The metrics asked for (all when None), checked; with ``[[agent_groups]]`` a queue's
    metric may be named ``metric[queue]``."""
    from ..output.breakdown import QUEUE_METRICS, queue_columns

    names = list(METRICS) if metrics is None else list(metrics)
    per_queue = queue_columns(scenario, QUEUE_METRICS) if scenario is not None else []
    unknown = [m for m in names if m not in METRICS and m not in per_queue]
    if unknown:
        more = f"; per queue: metric[queue] with one of {', '.join(QUEUE_METRICS)}" if per_queue else ""
        raise SimcenterError(f"unknown metric {unknown[0]!r}; known: {', '.join(METRICS)}{more}")
    return names


def relative_precision(results: Results, metric: str, confidence: float = CONFIDENCE) -> float:
    """Half-width of the metric's confidence interval divided by its mean (``inf`` when
    undefined)."""
    return relative_half_width(results.replications()[metric].to_numpy(), confidence=confidence)


def simulate_to_precision(
    scenario: Scenario,
    precision: float,
    metrics: list[str],
    max_replications: int = 200,
    min_replications: int = 5,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Results, dict[str, float]]:
    """Add replications until every named metric's 95% interval has a relative
    half-width of at most ``precision``, or ``max_replications`` are done.

    Returns the results and the precision achieved per metric; compare it with the target
    to know whether the stop was for precision or for the maximum. ``progress``, if
    given, is called after each finished replication with the replications done and the
    replications planned so far (which grows while the target is not reached).
    """
    if not 0 < precision < 1:
        raise SimcenterError(f"precision must be in (0, 1), got {precision!r}")
    if not 2 <= min_replications <= max_replications:
        raise SimcenterError(f"need 2 <= min_replications <= max_replications, got {min_replications} and {max_replications}")
    names = _metric_names(metrics, scenario)
    root = scenario.simulation.seed if seed is None else seed
    runs: list[dict] = []

    def run_to(n: int) -> None:
        for r in range(len(runs), n):
            runs.append(run_replication(scenario, root, r))
            if progress is not None:
                progress(r + 1, n)

    def decided(n: int) -> tuple[bool, float]:
        table = stack(scenario, root, runs).replications()
        worst = worst_precision(table[m].to_numpy() for m in names)
        return worst <= precision, worst

    replicate_until(run_to, decided, min_replications, max_replications)
    results = stack(scenario, root, runs)
    return results, {m: relative_precision(results, m) for m in names}
