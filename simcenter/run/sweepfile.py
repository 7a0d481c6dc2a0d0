"""Sweep files: many variants of one center, described in one TOML file.

A sweep file names a base scenario, changes applied to every point (``[set]``), and what
varies: a grid (``[axes]``: every combination of the listed values or ranges) or a Latin
hypercube (``[lhs]``: ``n`` points spread over ranges). It says how many replications
each point gets (``replications``, or a ``[precision]`` target), the root seed and the
metrics to keep::

    base = "noncompliance.toml"          # relative to the sweep file
    replications = 3
    seed = 7                             # default: the base scenario's simulation.seed
    metrics = ["service_level", "asa_s"] # default: every metric

    [set]
    "simulation.days" = 5

    [axes]
    "agents.scale" = [1.0, 1.1, 1.2]
    "contact_types.order_status.noncompliance" = { start = 0.0, stop = 0.3, num = 4 }

The file is declared with the scenario's machinery (:mod:`simcenter.schema`), so every
error names the key, the value and what is allowed, and every point's scenario is
validated, and its work bounded (:mod:`simcenter.model.budget`), before anything runs.

Seeds and replications are the sweep's to control, and nothing the user asks is ignored:
by default every point runs with the same seed (common random numbers: points see the
same customers); an axis over ``simulation.seed`` gives each point its own seed, an axis
over ``simulation.replications`` its own number of replications. Giving the same thing
twice (``seed`` and an axis over ``simulation.seed``) is refused.

A sweep file and a scenario file are told apart by their keys (:func:`file_kind`), so that a
command given the other kind says which command takes it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ScenarioError
from ..scenario import Scenario
from ..schema import (
    Anything,
    Integer,
    Kind,
    KeyTable,
    ListOf,
    Number,
    Choice,
    Table,
    Text,
    build,
    check_depth,
    markdown_reference,
    param,
    read_toml,
    show_value,
)
from ..output.metrics import METRICS

__all__ = ["SweepSpec", "Precision", "load_sweep", "file_kind", "sweep_reference", "MAX_POINTS", "MAX_RUNS"]

#: Points in one sweep: each is a validated scenario in memory (about 7 KB) and a row of
#: the summary per metric.
MAX_POINTS = 20_000
#: Runs (points x replications, at the most) in one sweep.
MAX_RUNS = 1_000_000
MAX_AXIS_VALUES = 10_000

_SEED, _REPLICATIONS = "simulation.seed", "simulation.replications"


@dataclass(frozen=True, kw_only=True)
class Range:
    """Evenly spaced values of an axis: ``num`` values from ``start`` to ``stop`` (both
    included), or every ``step`` from ``start`` up to ``stop``."""

    start: float = param(Number(), unit="-", doc="First value.")
    stop: float = param(Number(), unit="-", doc="Last value (included when a step lands on it).")
    num: int | None = param(Integer(1, MAX_AXIS_VALUES), None, unit="values", doc="Number of values, ends included; exclusive with `step`.")
    step: float | None = param(Number(0, exclusive_min=True), None, unit="-", doc="Distance between values; exclusive with `num`.")

    def _check(self, path: str) -> None:
        if (self.num is None) == (self.step is None):
            raise ScenarioError(path, "a range takes start, stop and one of num or step")
        if self.step is not None:
            span = (self.stop - self.start) / self.step
            if math.isfinite(span) and -1e-9 <= span < MAX_AXIS_VALUES:
                return
            count = "no values (stop is below start)" if span < 0 else (f"{int(span) + 1:,} values" if math.isfinite(span) else "too many values")
            raise ScenarioError(path, f"a range from {self.start:g} to {self.stop:g} by {self.step:g} gives {count}; "
                                      f"allowed 1 to {MAX_AXIS_VALUES:,}")

    def values(self) -> list[float]:
        if self.num is not None:
            return [float(v) for v in np.linspace(self.start, self.stop, self.num)]
        count = int(math.floor((self.stop - self.start) / self.step + 1e-9)) + 1
        return [float(v) for v in self.start + self.step * np.arange(count)]


class AxisValues(Kind):
    """The values of one axis: a list of 1 to 10,000 values, or a :class:`Range` table."""

    def describe(self) -> str:
        return f"a list of 1 to {MAX_AXIS_VALUES} values, or a range {{ start, stop, num }} or {{ start, stop, step }}"

    def convert(self, value: Any, path: str) -> tuple:
        if isinstance(value, dict):
            return tuple(build(Range, value, path).values())
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_AXIS_VALUES:
            got = f"{len(value)} values" if isinstance(value, list) else show_value(value)
            raise ScenarioError(path, f"must be {self.describe()}, got {got}", value=value)
        return tuple(value)

    def plain(self, value: Any) -> Any:
        return list(value)

    def json(self) -> dict:
        return {"anyOf": [{"type": "array", "minItems": 1, "maxItems": MAX_AXIS_VALUES}, {"type": "object"}]}


class Bounds(Kind):
    """``[low, high]``: two finite numbers, low <= high."""

    def describe(self) -> str:
        return "[low, high], two finite numbers with low <= high"

    def convert(self, value: Any, path: str) -> tuple:
        number = Number()
        if not isinstance(value, list) or len(value) != 2:
            raise ScenarioError(path, f"must be {self.describe()}, got {show_value(value)}", value=value)
        low, high = (number.convert(v, path) for v in value)
        if low > high:
            raise ScenarioError(path, f"must be {self.describe()}, got {show_value(value)}", value=value)
        return low, high

    def plain(self, value: Any) -> Any:
        return list(value)

    def json(self) -> dict:
        return {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}


_METRIC_LIST = ListOf(Choice(*METRICS, described="a metric name ([metrics](metrics.md))"), 1, len(METRICS), unique=True)


@dataclass(frozen=True, kw_only=True)
class Lhs:
    """A Latin hypercube: ``n`` points; each range is cut into ``n`` equal strata and every
    stratum of every range holds exactly one point (integer parameters are rounded)."""

    n: int = param(Integer(1, MAX_POINTS), unit="points", doc="Number of points.")
    ranges: tuple = param(KeyTable(Bounds(), 1), unit="-", doc="Dotted scenario keys to `[low, high]`.")


@dataclass(frozen=True, kw_only=True)
class Precision:
    """Replications per point until a precision target: add replications until the 95%
    interval of every metric in ``metrics`` has a relative half-width of at most
    ``target``, or the point has ``max_replications``."""

    target: float = param(Number(0, 1, exclusive_min=True), unit="fraction", doc="Relative half-width of the 95% interval to reach (0.02: +-2% of the mean); below 1.")
    metrics: tuple = param(_METRIC_LIST, unit="-", doc="The metrics that must reach it, each among the sweep's `metrics`.")
    min_replications: int = param(Integer(2, 100_000), 5, unit="runs", doc="Replications every point starts with.")
    max_replications: int = param(Integer(2, 100_000), 200, unit="runs", doc="The most a point gets; at least `min_replications`.")

    def _check(self, path: str) -> None:
        if self.target >= 1.0:
            raise ScenarioError(f"{path}.target", f"must be a relative half-width in (0, 1), e.g. 0.02, got {self.target:g}")
        if self.min_replications > self.max_replications:
            raise ScenarioError(f"{path}.min_replications", f"must be <= max_replications ({self.max_replications}), got {self.min_replications}")


@dataclass(frozen=True, kw_only=True)
class SweepFile:
    """The top level of a sweep file: the base scenario, what every point changes, what
    varies (`[axes]` or `[lhs]`), how many replications, which metrics are kept."""

    base: str = param(Text(4096), unit="-", doc="The base scenario file, relative to the sweep file.")
    replications: int | None = param(Integer(1, 100_000), None, unit="runs", doc="Replications per point (default: the base's `simulation.replications`); not with `[precision]` or an axis over `simulation.replications`.")
    precision: Precision | None = param(Table(Precision), None, unit="-", doc="Instead of `replications`: replications per point until a precision target (see the table below).")
    seed: int | None = param(Integer(0, 2**63 - 1), None, unit="-", doc="Root seed of every point (default: the base's `simulation.seed`), so points see the same customers; not with an axis over `simulation.seed`.")
    metrics: tuple | None = param(_METRIC_LIST, None, unit="-", doc="The metrics kept in the tables (default: every metric).")
    set: tuple = param(KeyTable(Anything("any value the scenario key accepts")), (), unit="-", doc='Changes applied to every point, e.g. `"simulation.days" = 5`.')
    axes: tuple | None = param(KeyTable(AxisValues(), 1, 32), None, unit="-", doc="A grid: every combination of the values; a value is a list, or a range `{ start, stop, num }` (ends included) or `{ start, stop, step }`. Exclusive with `[lhs]`.")
    lhs: Lhs | None = param(Table(Lhs), None, unit="-", doc="A Latin hypercube instead of `[axes]` (see the table below).")

    def _check(self, path: str) -> None:
        if (self.axes is None) == (self.lhs is None):
            raise ScenarioError("axes", "give exactly one of [axes] (a grid) and [lhs] (a Latin hypercube)")
        if self.precision is not None and self.replications is not None:
            raise ScenarioError("precision", "give replications (a fixed number) or [precision] (a target), not both")
        if self.precision is not None:
            kept = self.metrics or tuple(METRICS)
            for m in self.precision.metrics:
                if m not in kept:
                    raise ScenarioError("precision.metrics", f"{m!r} is not among the sweep's metrics ({', '.join(kept)})", value=m)
        swept = [k for k, _ in (self.axes or self.lhs.ranges)]
        for key in swept:
            if key in dict(self.set):
                section = "axes" if self.axes is not None else "lhs.ranges"
                raise ScenarioError(f"set.{key}", f"{key!r} is both set for every point and varied in [{section}]; give it in one of them")
        for key, given, what in ((_SEED, self.seed, "seed"), (_REPLICATIONS, self.replications, "replications")):
            if key in swept and given is not None:
                raise ScenarioError(what, f"give {what} or an axis over {key}, not both (each point would get two)")
            if key in dict(self.set) and given is not None:
                raise ScenarioError(what, f"give {what} or set.{key!r}, not both")
        if _REPLICATIONS in swept and self.precision is not None:
            raise ScenarioError("precision", f"[precision] decides the replications; an axis over {_REPLICATIONS} cannot")


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: the scenario of every point, its seed and replications, and what
    to keep. ``replications`` is the count every point gets (with ``precision``, starts
    with); where an axis varies it, the largest, and ``point_replications`` has each."""

    points: tuple  # tuple of (dict of swept values, Scenario)
    parameters: tuple  # swept parameter names, in order
    replications: int
    seed: int  # the seed of every point (of the first, where an axis varies it)
    metrics: tuple
    text: str  # the canonical description (for the manifest's fingerprint)
    precision: Precision | None = None
    seeds: tuple = ()  # per point
    point_replications: tuple = ()  # per point
    base_path: Path | None = None  # the base scenario file, when read from one
    fixed: tuple = ()  # the [set] table as given: (dotted key, value) pairs, already in every point's scenario

    def __post_init__(self):
        if not self.seeds:
            object.__setattr__(self, "seeds", (self.seed,) * len(self.points))
        if not self.point_replications:
            object.__setattr__(self, "point_replications", (self.replications,) * len(self.points))

    @property
    def queue_columns(self) -> tuple:
        """With several queues and skill groups: a column ``metric[queue]`` for each queue
        and each kept metric that has a per-queue value (``service_level[retail]``)."""
        from ..output.breakdown import queue_columns

        groups = next((sc for _, sc in self.points if sc.agent_groups), None)
        return tuple(queue_columns(groups, self.metrics)) if groups is not None else ()

    @property
    def columns(self) -> tuple:
        """The value columns of each run's row: the kept metrics, then :attr:`queue_columns`."""
        return (*self.metrics, *self.queue_columns)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def n_runs(self) -> int:
        """Runs of a fixed-replication sweep; with a precision target, the first round's."""
        return sum(self.point_replications)

    def describe(self) -> str:
        if self.precision is None:
            counts = set(self.point_replications)
            reps = f"{self.replications} replications" if len(counts) == 1 else f"{min(counts)} to {max(counts)} replications"
            return f"{len(self.points)} points x {reps}"
        p = self.precision
        return (f"{len(self.points)} points, {p.min_replications} to {p.max_replications} replications each "
                f"(to {p.target:g} relative precision on {', '.join(p.metrics)})")


def _coerce(base: Scenario, key: str, value: Any) -> Any:
    """Round LHS draws and linspace values for integer parameters."""
    try:
        base.replace({key: value})
        return value
    except ScenarioError as err:
        # only numbers from ranges and Latin hypercubes are rounded; never a boolean or text
        if isinstance(value, float) and math.isfinite(value) and (value.is_integer() or "integer" in err.allowed):
            try:
                base.replace({key: int(round(value))})
                return int(round(value))
            except ScenarioError:
                pass
        raise


def _lhs(lhs: Lhs, seed: int) -> tuple[list, list]:
    names = [k for k, _ in lhs.ranges]
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(2**31 - 1,))))
    cells = np.stack([rng.permutation(lhs.n) for _ in names], axis=1)
    unit = (cells + rng.random((lhs.n, len(names)))) / lhs.n
    bounds = [b for _, b in lhs.ranges]
    return names, [tuple(float(lo + u * (hi - lo)) for u, (lo, hi) in zip(row, bounds)) for row in unit]


def file_kind(data: dict) -> str | None:
    """Whether the top level of a TOML file is a sweep file's (``"sweep"``: a ``base``,
    ``[axes]`` or ``[lhs]``, no scenario section) or a scenario's (``"scenario"``: a
    section such as ``[arrivals]`` or ``[[contact_types]]``, no ``base``, ``[axes]`` or
    ``[lhs]``); None when it shows neither clearly (its own validation then says what is
    wrong)."""
    from dataclasses import fields

    sweep = bool({"base", "axes", "lhs"} & set(data))
    scenario = bool(({f.name for f in fields(Scenario)} - {"name", "description"}) & set(data))
    if sweep != scenario:
        return "sweep" if sweep else "scenario"
    return None


def load_sweep(spec: str | Path | dict, *, source: str = "") -> SweepSpec:
    """Validate a sweep file (or the same structure as a dict) into a :class:`SweepSpec`.
    ``base`` may also be a :class:`Scenario` in a dict."""
    base_path = None
    if isinstance(spec, (str, Path)):
        path = Path(spec)
        source = str(path)
        data = read_toml(path, "sweep file")
        folder = path.parent
    elif isinstance(spec, dict):
        check_depth(spec, source)
        data, folder = dict(spec), Path.cwd()
    else:
        raise ScenarioError("", f"a sweep is a sweep file or a dict of its keys, got {show_value(spec)}", source=source)
    base = data.get("base")
    if isinstance(base, Scenario):
        data = {**data, "base": base.name or "scenario"}
    try:
        sf = build(SweepFile, data)
    except ScenarioError as err:
        raise err.with_source(source) if source else err
    if not isinstance(base, Scenario):
        base_path = folder / sf.base
        base = Scenario.from_file(base_path)
    return _expand(sf, base, base_path, source)


def _err(field: str, message: str, source: str) -> ScenarioError:
    return ScenarioError(field, message, source=source)


def _expand(sf: SweepFile, base: Scenario, base_path: Path | None, source: str) -> SweepSpec:
    fixed = dict(sf.set)
    try:
        base = base.replace(fixed) if fixed else base
    except ScenarioError as err:
        raise _err(f"set.{err.field}", err.message, source) from None
    metrics = sf.metrics or tuple(METRICS)
    reps = sf.replications if sf.replications is not None else base.simulation.replications
    if sf.precision is not None:
        reps = sf.precision.min_replications
    most = sf.precision.max_replications if sf.precision else reps
    root = sf.seed if sf.seed is not None else base.simulation.seed
    if sf.axes is not None:
        names = [k for k, _ in sf.axes]
        grids = [list(v) for _, v in sf.axes]
        count = math.prod(len(g) for g in grids)  # before listing a single combination
        section = "axes"
    else:
        names, count, section = [k for k, _ in sf.lhs.ranges], sf.lhs.n, "lhs.ranges"
    if count > MAX_POINTS or count * most > MAX_RUNS:
        raise _err(section.split(".")[0], f"{count:,} points x {most:,} replications = {count * most:,} runs; the limits are "
                   f"{MAX_POINTS:,} points and {MAX_RUNS:,} runs", source)
    combos = itertools.product(*grids) if sf.axes is not None else _lhs(sf.lhs, root)[1]
    points = []
    for combo in combos:
        values = {}
        try:
            for k, v in zip(names, combo):
                values[k] = _coerce(base, k, v)
            scenario = base.replace(values)
        except ScenarioError as err:
            raise _err(f"{section}.{err.field}", err.message, source) from None
        points.append((values, scenario))
    seeds = tuple(sc.simulation.seed if _SEED in names else root for _, sc in points)
    counts = tuple(sc.simulation.replications if _REPLICATIONS in names else reps for _, sc in points)
    if sum(counts) > MAX_RUNS:
        raise _err(section.split(".")[0], f"{sum(counts):,} runs in all; the limit is {MAX_RUNS:,}", source)
    described = {"base": base.to_dict(), "replications": list(counts), "seeds": list(seeds), "metrics": list(metrics),
                 "points": [p[0] for p in points]}
    if sf.precision is not None:
        described["precision"] = {"target": sf.precision.target, "metrics": list(sf.precision.metrics),
                                  "min_replications": sf.precision.min_replications, "max_replications": sf.precision.max_replications}
    text = json.dumps(described, sort_keys=True)
    return SweepSpec(tuple(points), tuple(names), max(counts), seeds[0], tuple(metrics), text, sf.precision, seeds, counts, base_path,
                     tuple(sf.set))


def sweep_reference() -> str:
    """The keys of a sweep file as Markdown tables, generated from the declaration (the
    "Keys" part of docs/reference/sweep-files.md)."""
    text = markdown_reference(SweepFile, {"": SweepFile})
    text = text.split("\n", 1)[1].lstrip("\n")  # the top table needs no heading of its own
    return re.sub(r"^### `(\w+)`", r"### `[\1]`", text, flags=re.M)
