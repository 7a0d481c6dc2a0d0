"""Sweeps: many scenarios, many replications, on one machine or a Dask cluster, resumable.

A sweep file (TOML) names a base scenario, fixed changes to it, and the axes to vary::

    base = "noncompliance.toml"          # relative to the sweep file
    replications = 3
    seed = 7                             # default: the base scenario's simulation.seed
    metrics = ["service_level", "asa_s"] # default: every metric

    [set]                                # applied to every point
    "simulation.days" = 5

    [axes]                               # a grid: every combination
    "agents.scale" = [1.0, 1.1, 1.2]
    "contact_types.order_status.noncompliance" = { start = 0.0, stop = 0.3, num = 4 }

    # or, instead of [axes], a Latin hypercube of n points over ranges:
    # [lhs]
    # n = 16
    # ranges = { "agents.scale" = [0.9, 1.3], "recovery.empowerment" = [0.0, 1.0] }

    # or, instead of replications, a precision target per point:
    # [precision]
    # target = 0.02                      # relative half-width of the 95% interval
    # metrics = ["service_level", "asa_s"]
    # min_replications = 5               # default 5
    # max_replications = 200             # default 200

Every point runs with the same seed, so points see the same customers (common random
numbers) and a difference between points is the effect of the parameters, not of luck.

With ``[precision]`` the sweep runs in rounds: every point starts with
``min_replications``; after each round, a point whose named metrics are not yet all within
the target gets more replications (the count the interval's width suggests, at most double
and at most ``max_replications``), and the rounds stop when every point is precise or at
its maximum. Each decision depends only on rows of earlier rounds, which are the same on
every executor, so the table is too, and a resumed sweep makes the same decisions.

The work is the list of (point, replication) runs, sent to the executor in chunks (at most
256, whatever the executor). Each chunk's rows are written to ``OUT/parts/`` as soon as it
finishes (write to a temporary name, then rename), so an interrupted sweep loses at most
the chunks in flight, and ``--resume`` runs only the (point, replication) pairs that no
part holds. The sweep file and the package version
are stored in ``OUT/manifest.json``; resuming with a different sweep file or version is
refused. At the end ``OUT/results`` (one row per point x replication: ``run_id``,
``replication``, ``seed``, every swept parameter, every kept metric) and ``OUT/summary``
(one row per point and metric: mean, 95% interval, its relative half-width and the
replications) are written as Parquet and CSV.
The tables are the same row for row whatever the executor and however many workers.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import sys
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ._io import atomic_write_bytes, atomic_write_text
from .center import run_replication
from .errors import ScenarioError, SimcenterError
from .results import metric_interval, relative_half_width
from .scenario import Scenario
from .stats import METRICS, metrics_from_sums

__all__ = ["SweepSpec", "SweepResults", "sweep", "load_sweep"]

MAX_RUNS = 1_000_000


class SweepResults(NamedTuple):
    """``table``: one row per point x replication; ``summary``: one row per point x metric."""

    table: pd.DataFrame
    summary: pd.DataFrame


@dataclass(frozen=True)
class Precision:
    """Sequential replications per point: add replications until the 95% interval of every
    metric in ``metrics`` has a relative half-width of at most ``target``."""

    target: float
    metrics: tuple
    min_replications: int = 5
    max_replications: int = 200


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: the scenario of every point and what to keep.

    ``replications`` is the number per point, or with ``precision`` the number every point
    starts with.
    """

    points: tuple  # tuple of (dict of swept values, Scenario)
    parameters: tuple  # swept parameter names, in order
    replications: int
    seed: int
    metrics: tuple
    text: str  # the canonical description (for the manifest's fingerprint)
    precision: Precision | None = None

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def n_runs(self) -> int:
        """Runs of a fixed-replication sweep; with a precision target, the first round's."""
        return len(self.points) * self.replications

    def describe(self) -> str:
        if self.precision is None:
            return f"{len(self.points)} points x {self.replications} replications"
        p = self.precision
        return (f"{len(self.points)} points, {p.min_replications} to {p.max_replications} replications each "
                f"(to {p.target:g} relative precision on {', '.join(p.metrics)})")


def _err(field: str, message: str, source: str) -> ScenarioError:
    return ScenarioError(field, message, source=source)


def _axis_values(key: str, value: Any, source: str) -> list:
    if isinstance(value, list):
        if not value:
            raise _err(f"axes.{key}", "must list at least one value, got []", source)
        return value
    if isinstance(value, dict):
        unknown = set(value) - {"start", "stop", "num", "step"}
        if unknown:
            raise _err(f"axes.{key}", f"unknown key {sorted(unknown)[0]!r}; a range takes start, stop and num (or step)", source)
        try:
            start, stop = float(value["start"]), float(value["stop"])
        except (KeyError, TypeError, ValueError):
            raise _err(f"axes.{key}", "a range needs numeric start and stop", source) from None
        if "num" in value:
            num = value["num"]
            if isinstance(num, bool) or not isinstance(num, int) or not 1 <= num <= 10_000:
                raise _err(f"axes.{key}.num", f"must be an integer in [1, 10000], got {num!r}", source)
            values = np.linspace(start, stop, num)
        elif "step" in value:
            step = value["step"]
            if isinstance(step, bool) or not isinstance(step, (int, float)) or step <= 0 or not math.isfinite(step):
                raise _err(f"axes.{key}.step", f"must be a positive number, got {step!r}", source)
            count = int(math.floor((stop - start) / step + 1e-9)) + 1
            if count < 1 or count > 10_000:
                raise _err(f"axes.{key}", f"a range of {count} values; allowed 1 to 10000", source)
            values = start + step * np.arange(count)
        else:
            raise _err(f"axes.{key}", "a range needs num or step", source)
        return [float(v) for v in values]
    raise _err(f"axes.{key}", f"must be a list of values or a range table, got {value!r}", source)


def _coerce(base: Scenario, key: str, value: Any) -> Any:
    """Round LHS draws and linspace values for integer parameters."""
    try:
        base.replace({key: value})
        return value
    except ScenarioError as err:
        # only numbers from ranges and Latin hypercubes are rounded; never a boolean or text
        if isinstance(value, float) and (value.is_integer() or "integer" in err.allowed):
            try:
                base.replace({key: int(round(value))})
                return int(round(value))
            except ScenarioError:
                pass
        raise


def load_sweep(spec: str | Path | dict, *, source: str = "") -> SweepSpec:
    """Validate a sweep file (or the same structure as a dict) into a :class:`SweepSpec`."""
    if isinstance(spec, (str, Path)):
        path = Path(spec)
        source = str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise _err("", "no such sweep file", source) from None
        except tomllib.TOMLDecodeError as err:
            raise _err("", f"malformed TOML: {err}", source) from None
        folder = path.parent
    else:
        data, folder = dict(spec), Path.cwd()
    allowed = {"base", "replications", "precision", "seed", "metrics", "set", "axes", "lhs"}
    for key in data:
        if key not in allowed:
            import difflib

            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            raise _err(key, "unknown key" + (f"; did you mean {close[0]!r}?" if close else f"; valid keys: {', '.join(sorted(allowed))}"), source)
    base_ref = data.get("base")
    if isinstance(base_ref, Scenario):
        base = base_ref
    elif isinstance(base_ref, str):
        base = Scenario.from_file(folder / base_ref)
    else:
        raise _err("base", f"must name the base scenario file, got {base_ref!r}", source)
    fixed = data.get("set", {})
    if not isinstance(fixed, dict):
        raise _err("set", f"must be a table of dotted keys to values, got {fixed!r}", source)
    try:
        base = base.replace(fixed) if fixed else base
    except ScenarioError as err:
        raise _err(f"set.{err.field}", err.message, source) from None
    reps = data.get("replications", base.simulation.replications)
    if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= 100_000:
        raise _err("replications", f"must be an integer in [1, 100000], got {reps!r}", source)
    seed = data.get("seed", base.simulation.seed)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise _err("seed", f"must be an integer >= 0, got {seed!r}", source)
    metrics = data.get("metrics", list(METRICS))
    if not isinstance(metrics, list) or not metrics:
        raise _err("metrics", f"must be a non-empty list of metric names, got {metrics!r}", source)
    for m in metrics:
        if m not in METRICS:
            import difflib

            close = difflib.get_close_matches(str(m), list(METRICS), n=1)
            raise _err("metrics", f"unknown metric {m!r}" + (f"; did you mean {close[0]!r}?" if close else ""), source)

    precision = None
    if "precision" in data:
        if "replications" in data:
            raise _err("precision", "give replications (a fixed number) or [precision] (a target), not both", source)
        precision = _precision(data["precision"], metrics, source)
        reps = precision.min_replications

    if ("axes" in data) == ("lhs" in data):
        raise _err("axes", "give exactly one of [axes] (a grid) and [lhs] (a Latin hypercube)", source)
    if "axes" in data:
        axes = data["axes"]
        if not isinstance(axes, dict) or not axes:
            raise _err("axes", "must name at least one parameter to vary", source)
        names = list(axes)
        grids = [_axis_values(k, axes[k], source) for k in names]
        combos = list(itertools.product(*grids))
    else:
        lhs = data["lhs"]
        if not isinstance(lhs, dict) or set(lhs) - {"n", "ranges"}:
            raise _err("lhs", "must be a table with n and ranges", source)
        n = lhs.get("n")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 100_000:
            raise _err("lhs.n", f"must be an integer in [1, 100000], got {n!r}", source)
        ranges = lhs.get("ranges")
        if not isinstance(ranges, dict) or not ranges:
            raise _err("lhs.ranges", "must map at least one parameter to [low, high]", source)
        names = list(ranges)
        bounds = []
        for k in names:
            r = ranges[k]
            if not (isinstance(r, list) and len(r) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in r) and r[0] <= r[1]):
                raise _err(f"lhs.ranges.{k}", f"must be [low, high] with low <= high, got {r!r}", source)
            bounds.append(r)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(2**31 - 1,))))
        cells = np.stack([rng.permutation(n) for _ in names], axis=1)
        unit = (cells + rng.random((n, len(names)))) / n
        combos = [tuple(float(lo + u * (hi - lo)) for u, (lo, hi) in zip(row, bounds)) for row in unit]
    most = precision.max_replications if precision else reps
    if len(combos) * most > MAX_RUNS:
        raise _err("axes", f"{len(combos)} points x {most} replications = {len(combos) * most} runs; the limit is {MAX_RUNS}", source)
    points = []
    for combo in combos:
        values = {}
        try:
            for k, v in zip(names, combo):
                values[k] = _coerce(base, k, v)
            scenario = base.replace(values)
        except ScenarioError as err:
            section = "axes" if "axes" in data else "lhs.ranges"
            raise _err(f"{section}.{err.field}", err.message, source) from None
        points.append((values, scenario))
    described = {"base": base.to_dict(), "replications": reps, "seed": seed, "metrics": metrics, "points": [p[0] for p in points]}
    if precision is not None:
        described["precision"] = {**precision.__dict__, "metrics": list(precision.metrics)}
    text = json.dumps(described, sort_keys=True)
    return SweepSpec(tuple(points), tuple(names), reps, seed, tuple(metrics), text, precision)


def _precision(table: Any, metrics: list, source: str) -> Precision:
    if not isinstance(table, dict):
        raise _err("precision", f"must be a table with target and metrics, got {table!r}", source)
    unknown = set(table) - {"target", "metrics", "min_replications", "max_replications"}
    if unknown:
        raise _err(f"precision.{sorted(unknown)[0]}", "unknown key; allowed: target, metrics, min_replications, max_replications", source)
    target = table.get("target")
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target < 1:
        raise _err("precision.target", f"must be a relative half-width in (0, 1), e.g. 0.02, got {target!r}", source)
    names = table.get("metrics")
    if not isinstance(names, list) or not names:
        raise _err("precision.metrics", f"must be a non-empty list of metric names, got {names!r}", source)
    for m in names:
        if m not in metrics:
            raise _err("precision.metrics", f"{m!r} is not among the sweep's metrics ({', '.join(metrics)})", source)
    low = table.get("min_replications", 5)
    high = table.get("max_replications", 200)
    for key, value in (("min_replications", low), ("max_replications", high)):
        if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= 100_000:
            raise _err(f"precision.{key}", f"must be an integer in [2, 100000], got {value!r}", source)
    if low > high:
        raise _err("precision.min_replications", f"must be <= max_replications ({high}), got {low}", source)
    return Precision(float(target), tuple(names), low, high)


def _next_count(n: int, achieved: float, p: Precision) -> int:
    """Replications a point needs next: the interval shrinks as 1/sqrt(n), so n (a/t)^2,
    at least one more, at most double (the estimate from few replications is rough)."""
    want = 2 * n if not math.isfinite(achieved) else math.ceil(n * (achieved / p.target) ** 2)
    return min(p.max_replications, 2 * n, max(n + 1, want))


# -- running --------------------------------------------------------------------------


def _run_chunk(chunk: list, scenarios: dict, seed: int, metrics: tuple) -> list[dict]:
    """Run a chunk of (point, replication) tasks; one row each."""
    rows = []
    for point, rep in chunk:
        scenario = scenarios[point]
        counters = run_replication(scenario, seed, rep)
        warm = scenario.simulation.warmup_days * scenario.intervals_per_day
        values = metrics_from_sums({k: v[warm:].sum() for k, v in counters.items()}, scenario.costs)
        rows.append({"run_id": point, "replication": rep, **{m: float(values[m]) for m in metrics}})
    return rows


#: A sweep is cut into at most this many chunks, whatever the executor: small sweeps send
#: one run per task, large ones enough runs per task that scheduling costs little.
MAX_CHUNKS = 256


def _chunks(tasks: list) -> list[list]:
    size = max(1, math.ceil(len(tasks) / MAX_CHUNKS))
    return [tasks[i : i + size] for i in range(0, len(tasks), size)]


def _check_out(out: Path, spec: SweepSpec, resume: bool) -> None:
    from . import __version__

    manifest = out / "manifest.json"
    if manifest.exists():
        try:
            stored = json.loads(manifest.read_text())
        except (OSError, ValueError):
            raise SimcenterError(f"--out {str(out)!r}: unreadable manifest.json; choose another directory") from None
        if not resume:
            raise SimcenterError(f"--out {str(out)!r} already holds a sweep; add --resume to finish it, or choose another directory")
        if stored.get("fingerprint") != spec.fingerprint:
            raise SimcenterError(f"--out {str(out)!r} holds results of a different sweep (the sweep file changed); refusing to mix them")
        if stored.get("version") != __version__:
            raise SimcenterError(
                f"--out {str(out)!r} was written by simcenter {stored.get('version')}, this is {__version__}; refusing to mix results"
            )
    elif any(out.iterdir()) if out.exists() else False:
        raise SimcenterError(f"--out {str(out)!r} is not empty and holds no sweep; choose an empty or new directory")


def sweep(
    spec: str | Path | dict | SweepSpec,
    executor: str = "process",
    workers: int | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    scheduler: str | None = None,
    quiet: bool = True,
) -> SweepResults:
    """Run a sweep and return its tables.

    ``executor``: ``"serial"`` (in this process, for debugging), ``"process"`` (a local
    process pool of ``workers``, default all cores), ``"dask-local"`` (a Dask
    LocalCluster of ``workers`` processes) or ``"dask"`` (the running Dask cluster at
    ``scheduler``, e.g. ``"tcp://127.0.0.1:8786"``). With ``out``, rows are written as
    they finish and ``resume=True`` completes an interrupted sweep.

    The process pool and Dask's local workers start by forkserver, so a *script* that
    calls this must guard its top level with ``if __name__ == "__main__":`` (as for any
    Python process pool); notebooks and the ``simcenter sweep`` command need nothing.
    """
    if not isinstance(spec, SweepSpec):
        spec = load_sweep(spec)
    if executor not in ("serial", "process", "dask-local", "dask"):
        raise SimcenterError(f"executor must be serial, process, dask-local or dask, got {executor!r}")
    if executor == "dask" and not scheduler:
        raise SimcenterError("the dask executor needs a scheduler address (e.g. tcp://127.0.0.1:8786)")
    workers = workers or os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SimcenterError(f"workers must be an integer >= 1, got {workers!r}")
    done: dict[tuple, dict] = {}  # (run_id, replication) -> row
    parts = None
    if out is not None:
        from . import __version__

        out = Path(out)
        _check_out(out, spec, resume)
        parts = out / "parts"
        parts.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / "manifest.json", json.dumps({"fingerprint": spec.fingerprint, "version": __version__, "runs": spec.n_runs}, indent=2) + "\n")
        atomic_write_text(out / "sweep.json", spec.text + "\n")
        for part in sorted(parts.glob("part-*.parquet")):
            for row in pd.read_parquet(part).to_dict("records"):
                done[(int(row["run_id"]), int(row["replication"]))] = row
    # parts are numbered on from the highest one there: an earlier part is never overwritten
    part_number = max((int(part.stem.split("-")[1]) + 1 for part in parts.glob("part-*.parquet")), default=0) if parts is not None else 0
    scenarios = {p: sc for p, (_, sc) in enumerate(spec.points)}
    needed = [spec.replications] * len(spec.points)  # replications each point needs so far

    from tqdm import tqdm

    bar = tqdm(total=sum(needed), initial=len(done), unit="run", disable=quiet, file=sys.stderr,
               desc=f"{len(spec.points)} points" + (f" to precision {spec.precision.target:g}" if spec.precision else ""))

    def finished(rows: list) -> None:
        nonlocal part_number
        for row in rows:
            done[(row["run_id"], row["replication"])] = row
        if parts is not None:  # a new name on every run: parts of earlier runs are kept
            atomic_write_bytes(parts / f"part-{part_number:06d}.parquet", _parquet(pd.DataFrame(rows)))
            part_number += 1
        bar.update(len(rows))

    try:
        with _executor(executor, workers, scheduler) as run_chunks:
            while True:
                # the runs still to do, in chunks that depend on the sweep alone
                todo = [(p, r) for p in range(len(spec.points)) for r in range(needed[p]) if (p, r) not in done]
                if todo:
                    run_chunks(_chunks(todo), scenarios, spec, finished)
                if spec.precision is None or not _extend(spec, needed, done):
                    break
                bar.total = max(sum(needed), len(done))
                bar.refresh()
    finally:
        bar.close()
    tasks = [(p, r) for p in range(len(spec.points)) for r in range(needed[p])]
    missing = [t for t in tasks if t not in done]
    if missing:  # pragma: no cover - every executor returns every chunk or raises
        raise SimcenterError(f"the sweep ended with {len(missing)} of {len(tasks)} runs missing")
    results = _tables(spec, [done[t] for t in tasks])
    if out is not None:
        for name, df in (("results", results.table), ("summary", results.summary)):
            atomic_write_bytes(out / f"{name}.parquet", _parquet(df))
            atomic_write_text(out / f"{name}.csv", df.to_csv(index=False))
    return results


def _extend(spec: SweepSpec, needed: list, done: dict) -> bool:
    """After a round of a precision sweep, raise ``needed`` for each point not yet precise
    enough; True if any point needs more."""
    p = spec.precision
    more = False
    for point, n in enumerate(needed):
        if n >= p.max_replications:
            continue
        achieved = max(relative_half_width([done[(point, r)][m] for r in range(n)]) for m in p.metrics)
        if achieved > p.target:
            needed[point] = _next_count(n, achieved, p)
            more = True
    return more


@contextmanager
def _executor(kind: str, workers: int, scheduler: str | None):
    """Yield ``run_chunks(chunks, scenarios, spec, finished)``, which runs every chunk and
    calls ``finished(rows)`` as each one ends; the pool or cluster lives for the sweep."""
    if kind == "serial":

        def run_serial(chunks, scenarios, spec, finished):
            for chunk in chunks:
                finished(_run_chunk(chunk, {p: scenarios[p] for p, _ in chunk}, spec.seed, spec.metrics))

        yield run_serial
    elif kind == "process":
        with _process_pool(workers) as run_pool:
            yield run_pool
    else:
        with _dask(workers, scheduler if kind == "dask" else None) as run_dask:
            yield run_dask


@contextmanager
def _process_pool(workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # Workers fork from a clean server process that has imported simcenter once: no fork of
    # this (possibly threaded) process, and no re-import of numpy, pandas and scipy per worker.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["simcenter.sweep"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:

        def run_chunks(chunks, scenarios, spec, finished):
            futures = [pool.submit(_run_chunk, chunk, {p: scenarios[p] for p, _ in chunk}, spec.seed, spec.metrics) for chunk in chunks]
            try:
                for future in as_completed(futures):
                    finished(future.result())
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

        yield run_chunks


@contextmanager
def _dask(workers: int, scheduler: str | None):
    try:
        import dask

        # Dask reads the start method of its worker processes when distributed is first
        # imported. Forkserver, as for the process pool, saves every worker the import of
        # NumPy, pandas and SciPy; it only applies if distributed was not imported before,
        # and (a context manager would drop distributed's defaults) it stays set.
        if "distributed" not in sys.modules:
            dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise SimcenterError("the Dask executors need dask[distributed]: pip install -e '.[dask]'") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as err:
            raise SimcenterError(f"--scheduler {scheduler!r}: cannot connect ({err})") from None

    def run_chunks(chunks, scenarios, spec, finished):
        futures = []
        for chunk in chunks:
            # a key per chunk (its first run and length): a lost worker's chunks are re-run
            (point, rep), size = chunk[0], len(chunk)
            key = f"simcenter-{spec.fingerprint[:12]}-{point}-{rep}-{size}"
            chunk_scenarios = {p: scenarios[p] for p, _ in chunk}
            futures.append(client.submit(_run_chunk, chunk, chunk_scenarios, spec.seed, spec.metrics, key=key, retries=3))
        for future in as_completed(futures):
            finished(future.result())

    try:
        yield run_chunks
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _parquet(df: pd.DataFrame) -> bytes:
    import io

    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def _tables(spec: SweepSpec, rows: list[dict]) -> SweepResults:
    table = pd.DataFrame(rows).sort_values(["run_id", "replication"], kind="stable").reset_index(drop=True)
    params = pd.DataFrame([values for values, _ in spec.points])
    params.insert(0, "run_id", range(len(spec.points)))
    table.insert(2, "seed", spec.seed)
    table = table.merge(params, on="run_id", how="left")
    table = table[["run_id", "replication", "seed", *spec.parameters, *spec.metrics]]
    summary_rows = []
    for run_id, group in table.groupby("run_id", sort=True):
        values = spec.points[int(run_id)][0]
        for m in spec.metrics:
            mean, low, high = metric_interval(m, group[m].to_numpy())
            summary_rows.append({
                "run_id": run_id, **values, "metric": m, "mean": float(mean), "ci_low": float(low), "ci_high": float(high),
                "rel_half_width": relative_half_width(group[m].to_numpy()), "replications": len(group),
            })
    return SweepResults(table, pd.DataFrame(summary_rows))
