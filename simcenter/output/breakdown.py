"""Metrics per queue and per agent group: the tables of a center with several lines.

Each contact type is a queue. Per queue, the contact metrics of the center-wide table
(offered, answered, service level, ASA, abandonment...) are computed from that queue's own
counters, with the same definitions and conventions (:mod:`simcenter.output.results`):
within each replication, a ratio of the replication's totals; then the mean over
replications and a Student-t interval. Per agent group: its agent hours, occupancy,
overtime and busy hours; and the *flow*: how the group's busy time (contacts and callbacks)
went to each queue, in hours and as a share of the group's busy time.

Without ``[[agent_groups]]`` there is one group, ``agents``, and with one contact type one
queue: their tables are the center-wide metrics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .analysis import confidence_interval, metric_interval
from .metrics import METRICS, metric, split_metric  # noqa: F401 (split_metric: importable from here, its old home)

__all__ = ["QUEUE_METRICS", "GROUP_METRICS", "queue_table", "group_table", "flow_table", "split_metric", "queue_columns",
           "queue_replications"]

#: The metrics reported per queue.
QUEUE_METRICS = ("offered", "answered", "abandoned", "waiting_at_end", "service_level", "asa_s", "mean_wait_s", "p_wait",
                 "abandon_rate", "aht_s", "after_hours", "lost_after_hours", "deferred")


def queue_columns(scenario, metrics) -> list[str]:
    """With ``[[agent_groups]]``: ``metric[queue]`` for each of ``metrics`` reported per
    queue and each queue; none otherwise."""
    if not scenario.agent_groups:
        return []
    return [f"{m}[{c.name}]" for m in metrics if m in QUEUE_METRICS for c in scenario.contact_types]


def queue_replications(results, sums_of) -> dict:
    """Per replication, every :func:`queue_columns` value; ``sums_of(array)`` sums a
    (replications, queues, intervals) counter over the intervals wanted."""
    out = {}
    names = results.queue_names
    sums = {k: sums_of(v) for k, v in results.queue_counters.items()}  # (replications, queues)
    with np.errstate(divide="ignore", invalid="ignore"):
        for column in queue_columns(results.scenario, QUEUE_METRICS):
            m, queue = split_metric(column)
            q = names.index(queue)
            out[column] = np.asarray(metric(m, {k: v[:, q] for k, v in sums.items()}), dtype=float)
    return out
#: The metrics reported per agent group (``busy_h``: hours spent on contacts and callbacks).
GROUP_METRICS = ("agent_hours", "occupancy", "overtime_h", "busy_h")

_UNITS = {"busy_h": "h"}


def _unit(name: str) -> str:
    return _UNITS.get(name) or METRICS[name][1]


def _interval(name: str, values: np.ndarray, confidence: float):
    if name in _UNITS:
        mean, low, high = confidence_interval(values, confidence=confidence)
        return mean, max(0.0, low) if np.isfinite(low) else low, high
    return metric_interval(name, values, confidence=confidence)


def _group_metric(name: str, sums: dict) -> np.ndarray:
    if name == "busy_h":
        return sums["busy_s"] / 3600.0
    return metric(name, sums)


def _table(label: str, names: tuple, counters: dict, metrics: tuple, compute, confidence: float) -> pd.DataFrame:
    """``counters[name]`` has shape (replications, units, intervals); one row per unit and
    metric."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    sums = {k: v.sum(axis=2) for k, v in counters.items()}  # (replications, units)
    rows = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for u, unit_name in enumerate(names):
            per_unit = {k: v[:, u] for k, v in sums.items()}
            for m in metrics:
                mean, low, high = _interval(m, np.asarray(compute(m, per_unit), dtype=float), confidence)
                rows.append((unit_name, m, float(mean), float(low), float(high), _unit(m)))
    return pd.DataFrame(rows, columns=[label, "metric", "mean", "ci_low", "ci_high", "unit"])


def queue_table(results, confidence: float) -> pd.DataFrame:
    """Columns ``queue, metric, mean, ci_low, ci_high, unit``: :data:`QUEUE_METRICS` per queue."""
    return _table("queue", results.queue_names, results.queue_counters, QUEUE_METRICS, metric, confidence)


def group_table(results, confidence: float) -> pd.DataFrame:
    """Columns ``group, metric, mean, ci_low, ci_high, unit``: :data:`GROUP_METRICS` per group."""
    return _table("group", results.group_names, results.group_counters, GROUP_METRICS, _group_metric, confidence)


def flow_table(results, confidence: float) -> pd.DataFrame:
    """Columns ``group, queue, metric, mean, ci_low, ci_high, unit, share``: the hours each
    group spent on each queue (metric ``busy_h``: mean over replications and interval),
    and the share of the group's busy time that went to the queue (of the means). Pairs
    with no skill are left out."""
    flow = results.flow.sum(axis=3) / 3600.0  # (replications, groups, queues)
    total = flow.sum(axis=2)
    skills = results.skill_pairs
    rows = []
    for g, group in enumerate(results.group_names):
        for q, queue in enumerate(results.queue_names):
            if (g, q) not in skills:
                continue
            mean, low, high = confidence_interval(flow[:, g, q], confidence=confidence)
            busy = float(total[:, g].mean())
            share = float(flow[:, g, q].mean()) / busy if busy > 0 else float("nan")
            rows.append((group, queue, "busy_h", float(mean), max(0.0, float(low)) if np.isfinite(low) else float(low), float(high), "h",
                         share))
    return pd.DataFrame(rows, columns=["group", "queue", "metric", "mean", "ci_low", "ci_high", "unit", "share"])
