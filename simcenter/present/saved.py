"""Saved results, read back and checked: a sweep's or a run's results directory.

A results directory is either a sweep's (``simcenter sweep --out DIR``: ``summary`` and
``sweep.json``) or a run's (``simcenter run --out DIR``: ``by_interval``, ``by_day``,
``summary`` and ``scenario.toml``). :func:`load_results` reads one into a
:class:`SavedResults`, checking every table it reads, so that plots and the report never
meet a damaged file half-way through.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import SimcenterError
from ..output.metrics import METRICS
from ..scenario import Scenario

__all__ = ["SavedResults", "load_results", "MAX_TABLE_BYTES"]


@dataclass(frozen=True)
class SavedResults:
    kind: str  # "sweep" or "run"
    path: Path
    scenario: Scenario  # the base scenario (sweep) or the scenario as run
    summary: pd.DataFrame
    parameters: tuple = ()  # swept parameters (sweep)
    by_interval: pd.DataFrame | None = None
    by_day: pd.DataFrame | None = None
    #: How the results came about, where recorded: ``simcenter`` (the version that wrote
    #: them) and ``written`` (ISO time, UTC) from the manifest; for a run, ``seed``,
    #: ``replications`` and ``overrides`` (the ``--set`` given, or None where not recorded)
    #: from ``run.json``; for a sweep, ``set`` (its ``[set]`` table, or None), ``seeds``
    #: and ``replications`` (per point) from ``sweep.json``.
    about: dict = field(default_factory=dict)
    by_queue: pd.DataFrame | None = None  # a run with several queues: per queue and metric
    by_group: pd.DataFrame | None = None  # ... per agent group and metric
    flow: pd.DataFrame | None = None  # ... per group and queue: the share of the group's busy time


#: The largest table file a plot or report reads.
MAX_TABLE_BYTES = 512 * 2**20
_NUMBERS = ("mean", "ci_low", "ci_high")


def _bad(path: Path, what: str) -> SimcenterError:
    return SimcenterError(f"{str(path)!r}: {what}; these results cannot be read (run the command that wrote them again)")


def _read(path: Path, name: str, columns: dict) -> pd.DataFrame:
    """Table ``name`` of a results directory (Parquet, else CSV), checked: a regular file of
    bounded size, the ``columns`` given (name -> "int", "number", "text" or a tuple of
    allowed values), with values of those kinds; a finite number or none (NaN)."""
    import io

    import numpy as np

    from .._io import read_input_bytes

    for suffix in (".parquet", ".csv"):
        file = path / f"{name}{suffix}"
        if os.path.lexists(file):
            break
    else:
        raise SimcenterError(f"{str(path)!r} has no {name}.parquet or {name}.csv")
    try:
        data = io.BytesIO(read_input_bytes(file, MAX_TABLE_BYTES))
        df = pd.read_parquet(data) if suffix == ".parquet" else pd.read_csv(data)
    except Exception as err:  # pyarrow and pandas raise many kinds for a damaged file
        raise _bad(file, f"not a readable table ({type(err).__name__})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise _bad(file, f"column {missing[0]!r} is missing")
    for column, kind in columns.items():
        values = df[column]
        if isinstance(kind, tuple):
            ok = values.isin(kind).all()
        elif kind == "text":
            ok = values.map(lambda v: isinstance(v, str)).all()
        else:
            numbers = pd.to_numeric(values, errors="coerce")
            ok = not (numbers.isna() & values.notna()).any() and not np.isinf(numbers.to_numpy(dtype=float)).any()
            if ok and kind == "int":
                ok = bool((numbers.dropna() % 1 == 0).all()) and not numbers.isna().any()
            df[column] = numbers
        if not ok:
            raise _bad(file, f"column {column!r} holds values that are not {kind if not isinstance(kind, tuple) else 'allowed names'}")
    return df


def _json(path: Path, name: str) -> dict | None:
    """A JSON object file of a results directory; None where there is none."""
    from .._io import read_input_text

    file = path / name
    if not os.path.lexists(file):
        return None
    try:
        doc = json.loads(read_input_text(file, limit=MAX_TABLE_BYTES))
    except (OSError, ValueError, RecursionError) as err:
        raise _bad(file, f"not readable JSON ({(str(err).splitlines() or ['nested too deeply'])[0][:60]})") from None
    if not isinstance(doc, dict):
        raise _bad(file, "not a JSON object")
    return doc


def _count(value, least: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and least <= value < 2**63


def _about(path: Path, manifest: dict | None, kind: str, spec: dict | None, n_points: int = 0) -> dict:
    """What the manifest, ``run.json`` or ``sweep.json`` record of how the results came about."""
    from datetime import datetime

    about: dict = {}
    if manifest is not None:
        version, written = manifest.get("simcenter"), manifest.get("written")
        if version is not None and not (isinstance(version, str) and 0 < len(version) <= 64 and version.isprintable()):
            raise _bad(path / "manifest.json", "its simcenter version is not a version")
        if written is not None:
            try:
                aware = datetime.fromisoformat(written).tzinfo is not None
            except (TypeError, ValueError):
                aware = False
            if not aware:
                raise _bad(path / "manifest.json", "its time written is not a date and time with its offset from UTC")
        about.update(simcenter=version, written=written)
    if kind == "run":
        doc = _json(path, "run.json")
        if doc is not None:
            seed, reps, overrides = doc.get("seed"), doc.get("n_replications"), doc.get("overrides")
            if not _count(seed) or not _count(reps, 1) or not isinstance(overrides, (dict, type(None))):
                raise _bad(path / "run.json", "its seed, replications or overrides are not what simcenter writes")
            about.update(seed=seed, replications=reps, overrides=overrides)
    else:
        fixed, seeds, reps = spec.get("set"), spec.get("seeds"), spec.get("replications")
        if fixed is not None and not isinstance(fixed, dict):
            raise _bad(path / "sweep.json", "its set is not a table of dotted keys")
        for name, values, least in (("seeds", seeds, 0), ("replications", reps, 1)):
            if values is not None and not (isinstance(values, list) and len(values) == n_points and all(_count(v, least) for v in values)):
                raise _bad(path / "sweep.json", f"its {name} are not one whole number per point")
        about.update({"set": fixed, "seeds": seeds, "replications": reps})
    return about


def _sweep_points(path: Path) -> tuple[dict, list]:
    """The base scenario data and the points of a sweep's ``sweep.json``, checked."""
    from .._io import read_input_text

    file = path / "sweep.json"
    try:
        spec = json.loads(read_input_text(file, limit=MAX_TABLE_BYTES))
    except (OSError, ValueError) as err:
        raise _bad(file, f"not readable JSON ({str(err).splitlines()[0][:60]})") from None
    points = spec.get("points") if isinstance(spec, dict) else None
    if not isinstance(spec, dict) or not isinstance(spec.get("base"), dict) or not isinstance(points, list) or not points:
        raise _bad(file, "not a sweep description (base and points)")
    keys = list(points[0]) if isinstance(points[0], dict) else None
    for point in points:
        if not isinstance(point, dict) or list(point) != keys or not all(
                isinstance(v, (int, float, str, bool)) and not (isinstance(v, float) and not math.isfinite(v)) for v in point.values()):
            raise _bad(file, "its points are not a table of swept values")
    return spec, points


def load_results(path: str | Path) -> SavedResults:
    """Read and check a sweep's or a run's results directory; anything damaged or missing is
    a one-line :class:`SimcenterError` naming the file."""
    from ..outputs import read_manifest
    from ..scenario import WEEKDAYS

    path = Path(path)
    if not path.is_dir():
        raise SimcenterError(f"{str(path)!r} is not a results directory")
    manifest = read_manifest(path)
    kind = manifest["kind"] if manifest else ("sweep" if (path / "sweep.json").exists() else "run" if (path / "scenario.toml").exists() else None)
    metric = tuple(METRICS)
    if kind == "sweep":
        spec, points = _sweep_points(path)
        scenario = Scenario.from_dict(spec["base"], source=str(path / "sweep.json"))
        parameters = tuple(points[0])
        summary = _read(path, "summary", {"run_id": "int", "metric": metric, **dict.fromkeys(_NUMBERS, "number")})
        if not summary.run_id.between(0, len(points) - 1).all():
            raise _bad(path / "summary", "it names points the sweep does not have")
        if "queue" in summary.columns:  # several queues: the plots and the report show the center ("all")
            summary = summary[summary["queue"] == "all"].drop(columns="queue").reset_index(drop=True)
        values = pd.DataFrame(points)  # the swept values, as the sweep ran them
        summary = summary.drop(columns=[p for p in parameters if p in summary.columns]).astype({"run_id": int})
        summary = summary.merge(values.assign(run_id=range(len(points))), on="run_id", how="left")
        return SavedResults("sweep", path, scenario, summary, parameters, about=_about(path, manifest, "sweep", spec, len(points)))
    if kind == "run":
        scenario = Scenario.from_file(path / "scenario.toml")
        summary = _read(path, "summary", {"metric": metric, **dict.fromkeys(_NUMBERS, "number")})
        by_interval = _read(path, "by_interval", {"day": "int", "weekday": WEEKDAYS, "interval": "int", "start": "text", "metric": metric,
                                                  **dict.fromkeys(_NUMBERS, "number")})
        by_day = _read(path, "by_day", {"day": "int", "weekday": WEEKDAYS, "metric": metric, **dict.fromkeys(_NUMBERS, "number")})
        for name, table in (("by_interval", by_interval), ("by_day", by_day)):  # every metric, for every interval or day
            rows = table.groupby("metric").size()
            if set(rows.index) != set(summary.metric) or rows.nunique() > 1:
                raise _bad(path / name, "its metrics do not each have a row for every interval (or day)")
        queues = {}
        if scenario.agent_groups:  # several queues and groups: their tables too
            from ..output.breakdown import GROUP_METRICS, QUEUE_METRICS

            numbers = {**dict.fromkeys(_NUMBERS, "number"), "unit": "text"}
            queues = {"by_queue": _read(path, "by_queue", {"queue": "text", "metric": QUEUE_METRICS, **numbers}),
                      "by_group": _read(path, "by_group", {"group": "text", "metric": GROUP_METRICS, **numbers}),
                      "flow": _read(path, "flow", {"group": "text", "queue": "text", "metric": GROUP_METRICS, **numbers,
                                                   "share": "number"})}
        return SavedResults("run", path, scenario, summary, (), by_interval, by_day, about=_about(path, manifest, "run", None), **queues)
    raise SimcenterError(f"{str(path)!r} holds neither a sweep (sweep.json) nor a run (scenario.toml)")
