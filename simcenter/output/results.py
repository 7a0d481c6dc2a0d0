"""Results of a run: metrics for the run, per day and per interval, with confidence
intervals over replications, as tidy pandas DataFrames.

Conventions
-----------
* Statistics leave out the warm-up days.
* Contacts are attributed to the interval (and day) in which they *arrived*; agent time
  (occupancy, agent hours) to the interval in which it *passed*.
* ``confidence`` (default 0.95) sets the level of every interval; a test that checks
  ``k`` intervals at once can ask for ``1 - 0.05 / k`` each (Bonferroni) so that all ``k``
  hold together with 95% confidence. Interval ends are cut to the metric's possible
  values (fractions to [0, 1], counts and times to >= 0).
* Each metric is first computed within each replication (a ratio of that replication's
  totals, e.g. service level = answered in target / offered), then averaged over
  replications. The 95% confidence interval is Student's t over replications:
  ``mean +/- t(0.975, R - 1) * sd / sqrt(R)``; with one replication it is undefined (NaN).
* Per-interval tables cover the intervals of the opening hours of open days; per-day and
  run totals also count what happens while closed (after-hours contacts, close-out).

See :data:`simcenter.output.metrics.REGISTRY` for every metric's definition and unit.

``repr(results)`` gives the run and its headline metrics in a few lines, and a notebook
shows a table of the metrics the scenario uses (:mod:`simcenter.output.display`);
:meth:`Results.metric` gives one metric as a :class:`MetricValue`; :meth:`Results.trace`
the per-contact records of a run that kept them (:mod:`simcenter.output.trace`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..model.calendar import Timeline
from ..scenario import WEEKDAYS, Scenario
from ..model.counters import COUNTERS
from .analysis import CONFIDENCE, confidence_interval, metric_interval, mser5, relative_half_width, reported  # noqa: F401 (their old home)
from .metrics import METRICS, metrics_from_sums

__all__ = ["Results", "MetricValue", "RUN_FILES", "stack"]

def _clock(minutes: float) -> str:
    return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"


@dataclass(frozen=True)
class MetricValue:
    """One metric of a run (:meth:`Results.metric`): its mean over replications and the
    ends of its confidence interval (NaN with one replication), in ``unit``."""

    name: str
    mean: float
    ci_low: float
    ci_high: float
    unit: str
    confidence: float = CONFIDENCE

    def __str__(self) -> str:
        from .display import number, unit_text

        unit = f" {unit_text(self.unit)}" if unit_text(self.unit) else ""
        return (f"{self.name} {number(self.mean, self.unit)}{unit} ({self.confidence * 100:.3g}% interval "
                f"{number(self.ci_low, self.unit)} to {number(self.ci_high, self.unit)})")


@dataclass(frozen=True, repr=False)
class Results:
    """What :func:`simcenter.simulate` returns.

    ``counters[name]`` has shape (replications, intervals of the run after warm-up);
    ``queue_counters[name]`` (replications, queues, intervals), ``group_counters[name]``
    (replications, groups, intervals) and ``flow`` (replications, groups, queues, intervals)
    hold the same per queue and per agent group (:mod:`simcenter.output.breakdown`).
    ``traced`` is the run's trace when it was asked for: a DataFrame
    (``simulate(..., trace=True)``) or the file it was written to (``trace=PATH``); read it
    with :meth:`trace`.
    """

    scenario: Scenario
    seed: int
    counters: dict
    queue_counters: dict = field(default_factory=dict)
    group_counters: dict = field(default_factory=dict)
    flow: np.ndarray | None = None
    traced: object = field(default=None, compare=False)

    @property
    def n_replications(self) -> int:
        return next(iter(self.counters.values())).shape[0]

    @property
    def _timeline(self) -> Timeline:
        return Timeline.from_scenario(self.scenario)

    @property
    def scenario_name(self) -> str:
        """The scenario's ``name``."""
        return self.scenario.name

    def __repr__(self) -> str:
        from .display import results_text

        return results_text(self)

    def _repr_html_(self) -> str:
        from .display import results_html

        return results_html(self)

    def trace(self) -> pd.DataFrame:
        """The run's per-contact records: one row per inbound contact and per callback
        attempt, the columns of ``docs/reference/trace.md``
        (:data:`simcenter.model.records.TRACE_SPEC`) in their documented types. Only a run
        asked for it keeps it: ``simulate(..., trace=True)`` in memory, or
        ``trace=PATH`` in a file, read back here."""
        from pathlib import Path

        from ..errors import SimcenterError

        if isinstance(self.traced, pd.DataFrame):
            return self.traced
        if self.traced is None:
            raise SimcenterError("this run kept no trace: pass trace=True to simulate() (simulate(scenario, trace=True)) "
                                 "to keep one row per contact and per callback attempt")
        from .trace import read_trace

        path = Path(self.traced)
        if not path.is_file():
            raise SimcenterError(f"the trace of this run was written to {str(path)!r}, which is no longer there")
        return read_trace(path, self.scenario)

    # -- per-replication metrics --------------------------------------------------------

    def _days(self, days: range | None) -> slice:
        if days is None:
            return slice(None)
        total = self.scenario.simulation.days
        if not isinstance(days, range) or days.step != 1 or not 0 <= days.start < days.stop <= total:
            raise ValueError(f"days must be a range of consecutive days within 0..{total}, got {days!r}")
        ipd = self.scenario.intervals_per_day
        return slice(days.start * ipd, days.stop * ipd)

    def _run_metrics(self, days: range | None = None) -> dict[str, np.ndarray]:
        cut = self._days(days)
        return metrics_from_sums({k: v[:, cut].sum(axis=1) for k, v in self.counters.items()}, self.scenario.costs)

    def replications(self, days: range | None = None) -> pd.DataFrame:
        """One row per replication: ``replication``, ``seed`` and every metric, for the
        whole run after warm-up or, with ``days=range(a, b)``, for days ``a`` to ``b - 1``
        (day 0 is the first day after warm-up), e.g. the first and last four weeks. With
        ``[[agent_groups]]``, also each queue's metrics as ``metric[queue]`` columns
        (``service_level[retail]``)."""
        m = self._run_metrics(days)
        columns = {"replication": np.arange(self.n_replications), "seed": np.full(self.n_replications, self.seed)}
        columns.update({name: m[name] for name in METRICS})
        if self.scenario.agent_groups and self.queue_counters:
            from .breakdown import queue_replications

            cut = self._days(days)
            columns.update(queue_replications(self, lambda v: v[:, :, cut].sum(axis=2)))
        return pd.DataFrame(columns)

    # -- summaries ------------------------------------------------------------------------

    @staticmethod
    def _long(metrics: dict[str, np.ndarray], index: pd.DataFrame | None, confidence: float) -> pd.DataFrame:
        if not 0.0 < confidence < 1.0:
            raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
        frames = []
        for name in METRICS:
            mean, low, high = metric_interval(name, metrics[name], axis=0, confidence=confidence)
            part = pd.DataFrame({"metric": name, "mean": np.atleast_1d(mean), "ci_low": np.atleast_1d(low), "ci_high": np.atleast_1d(high)})
            if index is not None:
                part = pd.concat([index.reset_index(drop=True), part], axis=1)
            frames.append(part)
        return pd.concat(frames, ignore_index=True)

    def summary(self, confidence: float = CONFIDENCE) -> pd.DataFrame:
        """The run's metrics: columns ``metric, mean, ci_low, ci_high, unit``."""
        df = self._long(self._run_metrics(), None, confidence)
        df["unit"] = df["metric"].map(lambda m: METRICS[m][1])
        return df

    def metric(self, name: str, confidence: float = CONFIDENCE) -> MetricValue:
        """One run metric, or one queue's (``service_level[retail]``, with
        ``[[agent_groups]]``): a :class:`MetricValue` with ``name, mean, ci_low, ci_high,
        unit`` (``r.metric("service_level").mean``). An unknown name raises ``KeyError``
        naming the metrics there are."""
        from .breakdown import split_metric

        base, queue = split_metric(name) if isinstance(name, str) else (name, None)
        if base not in METRICS or queue is not None and name not in self.replications().columns:
            raise KeyError(f"unknown metric {name!r}; the metrics are: {', '.join(METRICS)}"
                           + (f"; and per queue metric[queue] for queues {', '.join(self.queue_names)}" if self.scenario.agent_groups else ""))
        if not 0.0 < confidence < 1.0:
            raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
        values = self._run_metrics()[name] if queue is None else self.replications()[name].to_numpy()
        mean, low, high = metric_interval(base, values, confidence=confidence)
        return MetricValue(name, float(mean), float(low), float(high), METRICS[base][1], confidence)

    def by_day(self, confidence: float = CONFIDENCE) -> pd.DataFrame:
        """Metrics per simulated day (after warm-up): columns ``day, weekday, metric,
        mean, ci_low, ci_high``. ``day`` counts from 0 at the first day after warm-up."""
        tl = self._timeline
        ipd = tl.intervals_per_day
        days = self.scenario.simulation.days
        sums = {k: v.reshape(v.shape[0], days, ipd).sum(axis=2) for k, v in self.counters.items()}
        warm = self.scenario.simulation.warmup_days
        index = pd.DataFrame(
            {"day": np.arange(days), "weekday": [WEEKDAYS[self.scenario.weekday(warm + d)] for d in range(days)]}
        )
        return self._long(metrics_from_sums(sums, self.scenario.costs), index, confidence)

    def by_interval(self, confidence: float = CONFIDENCE) -> pd.DataFrame:
        """Metrics per interval of the opening hours on open days (after warm-up):
        columns ``day, weekday, interval, start, metric, mean, ci_low, ci_high``;
        ``interval`` is the index within the day and ``start`` its clock time."""
        tl = self._timeline
        ipd = tl.intervals_per_day
        warm_k = tl.warmup_intervals
        keep = np.array([tl.is_open[warm_k + k] for k in range(tl.n_intervals - warm_k)], dtype=bool)
        ks = np.nonzero(keep)[0]
        warm = self.scenario.simulation.warmup_days
        minutes = self.scenario.simulation.interval_minutes
        index = pd.DataFrame(
            {
                "day": ks // ipd,
                "weekday": [WEEKDAYS[self.scenario.weekday(warm + d)] for d in ks // ipd],
                "interval": ks % ipd,
                "start": [_clock((k % ipd) * minutes) for k in ks],
            }
        )
        sums = {k: v[:, keep] for k, v in self.counters.items()}
        return self._long(metrics_from_sums(sums, self.scenario.costs), index, confidence)

    def warmup_suggestion(self, metric: str = "mean_wait_s", by: str = "interval") -> dict:
        """MSER-5 on the per-interval (or per-day) series of ``metric``, averaged over
        replications: how much more of the start of the reported run a warm-up should
        cover. Reported, never applied: the run keeps ``simulation.warmup_days``.

        Returns ``{"metric", "by", "observations", "truncate", "truncate_h"}``: drop the
        first ``truncate`` observations (``truncate_h`` hours) of the reported series.
        """
        if by not in ("interval", "day"):
            raise ValueError(f"by must be 'interval' or 'day', got {by!r}")
        table = self.by_interval() if by == "interval" else self.by_day()
        series = table.loc[table.metric == metric, "mean"].to_numpy()
        cut = mser5(series)
        hours = 0.0
        if cut:  # hours from the start of the reported run to the end of the last dropped point
            last = table.loc[table.metric == metric].iloc[cut - 1]
            hours = last.day * 24.0
            hours += (last.interval + 1) * self.scenario.simulation.interval_minutes / 60.0 if by == "interval" else 24.0
        return {"metric": metric, "by": by, "observations": int(len(series)), "truncate": int(cut), "truncate_h": float(hours)}

    def warmup_report(self, metric: str = "mean_wait_s") -> dict | None:
        """The warm-up suggestion where MSER-5 can judge it: on the daily series when the
        run reports at least 20 days, else on the interval series of a center open around
        the clock (stationary within the day); otherwise None: a run too short, an intraday
        profile MSER-5 would mistake for a start-up, or a scenario that changes over the run
        by design (:func:`simcenter.output.warmup.trend_by_design`: its drift is its story,
        not a start-up)."""
        from .warmup import trend_by_design

        if trend_by_design(self.scenario):
            return None
        if self.scenario.simulation.days >= 20:
            return self.warmup_suggestion(metric, "day")
        s = self.scenario
        if s.always_open and s.arrivals.profile is None and not isinstance(s.arrivals.calls_per_hour, tuple) \
                and s.agents.staffing is not None and not isinstance(s.agents.staffing, tuple) \
                and all(v is None for v in s.agents.staffing_by_weekday or ()):
            report = self.warmup_suggestion(metric, "interval")
            return report if report["observations"] >= 100 else None
        return None

    # -- per queue and per group --------------------------------------------------------------

    @property
    def queue_names(self) -> list[str]:
        """The queues: one per contact type."""
        return [c.name for c in self.scenario.contact_types]

    @property
    def group_names(self) -> list[str]:
        """The agent groups (``agents`` without ``[[agent_groups]]``)."""
        return [g.name for g in self.scenario.agent_groups] or ["agents"]

    @property
    def skill_pairs(self) -> set:
        """(group, queue) index pairs where the group has the skill."""
        names = {n: q for q, n in enumerate(self.queue_names)}
        if not self.scenario.agent_groups:
            return {(0, q) for q in names.values()}
        return {(g, names[s.queue]) for g, grp in enumerate(self.scenario.agent_groups) for s in grp.skills}

    def by_queue(self, confidence: float = CONFIDENCE) -> pd.DataFrame:
        """Contact metrics per queue (contact type): columns ``queue, metric, mean, ci_low,
        ci_high, unit`` (see :data:`simcenter.output.breakdown.QUEUE_METRICS`)."""
        from .breakdown import queue_table

        return queue_table(self, confidence)

    def by_group(self, confidence: float = CONFIDENCE) -> pd.DataFrame:
        """Agent metrics per group: columns ``group, metric, mean, ci_low, ci_high, unit``
        (``agent_hours``, ``occupancy``, ``overtime_h``, ``busy_h``)."""
        from .breakdown import group_table

        return group_table(self, confidence)

    def by_flow(self, confidence: float = CONFIDENCE) -> pd.DataFrame:
        """The flow matrix: hours each group spent on each queue it has the skill for, and
        the share of the group's busy time: columns ``group, queue, metric`` (``busy_h``),
        ``mean, ci_low, ci_high, unit, share``."""
        from .breakdown import flow_table

        return flow_table(self, confidence)

    # -- output -----------------------------------------------------------------------------

    def to_json(self) -> dict:
        """The run as a JSON document whose keys are the names of the methods and attributes
        that give the same data: ``{"scenario_name", "seed", "n_replications", "summary":
        {metric: {mean, ci_low, ci_high, unit}}}``, with ``[[agent_groups]]`` also
        ``"by_queue"`` and ``"by_group"``: ``{name: {metric: {mean, ci_low, ci_high, unit}}}``.
        Undefined values (NaN) become ``null``."""

        def num(x: float):
            return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else float(x)

        def entry(row) -> dict:
            return {"mean": num(row.mean), "ci_low": num(row.ci_low), "ci_high": num(row.ci_high), "unit": row.unit}

        doc = {"scenario_name": self.scenario_name, "seed": self.seed, "n_replications": self.n_replications,
               "summary": {row.metric: entry(row) for row in self.summary().itertuples()}}
        if self.scenario.agent_groups:  # several queues and groups: their tables too
            for key, table, label in (("by_queue", self.by_queue(), "queue"), ("by_group", self.by_group(), "group")):
                doc[key] = {name: {r.metric: entry(r) for r in part.itertuples()} for name, part in table.groupby(label, sort=False)}
        return doc

    def write(self, out_dir, inputs=None, overrides=None) -> list:
        """Write summary, per-day, per-interval, per-replication, per-queue, per-group and
        flow tables as CSV and Parquet, the scenario as run (``scenario.toml``) and ``run.json`` into ``out_dir``,
        a new, empty, or earlier run's results directory (see :mod:`simcenter.outputs`:
        nothing the user put there is replaced, and never a file of ``inputs``). Each file
        is written to a temporary name and renamed, so no half-written file is ever left.
        ``overrides`` (dotted key -> value, e.g. the ``--set`` of ``simcenter run``; ``{}``
        for none) are the changes made to the scenario file for this run: ``run.json``
        keeps them under ``"overrides"``, so that the report can mark them (without them it
        says they are not recorded). Returns the paths written."""
        from ..outputs import write_results_dir

        files = {}
        tables = {
            "summary": self.summary(),
            "by_day": self.by_day(),
            "by_interval": self.by_interval(),
            "replications": self.replications(),
            "by_queue": self.by_queue(),
            "by_group": self.by_group(),
            "flow": self.by_flow(),
        }
        for name, df in tables.items():
            files[f"{name}.csv"] = df.to_csv(index=False).encode("utf-8")
            files[f"{name}.parquet"] = _parquet_bytes(df)
        files["scenario.toml"] = self.scenario.to_toml().encode("utf-8")
        doc = self.to_json()
        if overrides is not None:
            doc["overrides"] = {str(k): v for k, v in overrides.items()}
        files["run.json"] = (json.dumps(doc, indent=2, default=str) + "\n").encode("utf-8")
        return write_results_dir(out_dir, "run", files, "--out", inputs)


#: The files a run's results directory holds (beside its manifest).
RUN_FILES = tuple(f"{name}.{ext}" for name in ("summary", "by_day", "by_interval", "replications", "by_queue", "by_group", "flow")
                  for ext in ("csv", "parquet")) \
    + ("scenario.toml", "run.json")


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    import io

    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def stack(scenario: Scenario, seed: int, runs: list[dict], trace=None) -> Results:
    """Results from the per-replication counters of :func:`simcenter.model.center.run_replication`
    (and their trace, if kept: see :attr:`Results.traced`)."""
    counters = {name: np.stack([reported(scenario, r[name]) for r in runs]) for name in COUNTERS}
    if not runs or "queues" not in runs[0]:
        return Results(scenario=scenario, seed=seed, counters=counters, traced=trace)
    cut = scenario.simulation.warmup_days * scenario.intervals_per_day

    def units(key: str) -> dict:
        names = runs[0][key][0].keys()
        return {n: np.stack([np.stack([u[n][cut:] for u in r[key]]) for r in runs]) for n in names}

    flow = np.stack([r["flow"][..., cut:] for r in runs])
    return Results(scenario=scenario, seed=seed, counters=counters, queue_counters=units("queues"), group_counters=units("groups"),
                   flow=flow, traced=trace)
