"""Sweeps: many scenarios, many replications, on one machine or a Dask cluster, resumable.

A sweep file (:mod:`simcenter.run.sweepfile`) names a base scenario, changes to it and the
axes to vary; :func:`sweep` runs every point x replication on an executor
(:mod:`simcenter.run.executors`) and returns two tables: one row per point x replication, and
one per point and metric with its 95% interval.

With a ``[precision]`` target the sweep runs in rounds: every point starts with
``min_replications``; after each round, a point whose named metrics are not yet all within
the target gets more replications (the count the interval's width suggests, at most double
and at most ``max_replications``), and the rounds stop when every point is precise or at
its maximum. Each decision depends only on rows of earlier rounds, which are the same on
every executor, so the table is too, and a resumed sweep makes the same decisions.

Nothing is lost, nothing is mixed up. The runs are sent to the executor in chunks; each
chunk's rows are written to ``OUT/parts/`` as soon as it finishes (a new numbered file,
written to a temporary name and renamed), with a checksum of its rows in the file's
metadata, so an interrupted sweep loses at most the chunks in flight. ``--resume`` reads
every part, checks it (a Parquet file with the sweep's columns, runs of this sweep, rows
that match their checksum), names in one warning line any part that is damaged, empty or
stray, runs those runs again, and keeps every good row. ``OUT/manifest.json`` holds the
sweep's fingerprint and the package version: resuming with a different sweep file or
version is refused, as is a damaged manifest. The output directory is created only once
the executor is up (a Dask cluster that does not answer leaves nothing behind). At the end
``OUT/results`` and ``OUT/summary`` are written as Parquet and CSV. The tables are the
same row for row whatever the executor and however many workers.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Callable, NamedTuple

import pandas as pd

from .._io import atomic_write_bytes
from ..errors import ResumeWarning, SimcenterError
from .executors import EXECUTORS, chunks
from ..outputs import Inputs, check_results_dir, read_manifest, replace_results_files
from ..output.analysis import metric_interval, planned_replications, relative_half_width, worst_precision
from .sweepfile import MAX_POINTS, MAX_RUNS, Precision, SweepSpec, load_sweep

__all__ = ["SweepSpec", "SweepResults", "sweep", "load_sweep", "SWEEP_FILES", "MAX_POINTS", "MAX_RUNS", "Precision"]

#: The files a sweep's results directory holds, beside its manifest and ``parts/``.
SWEEP_FILES = ("sweep.json", "results.parquet", "results.csv", "summary.parquet", "summary.csv")
_PART = re.compile(r"part-(\d{6,})\.parquet")


class SweepResults(NamedTuple):
    """``table``: one row per point x replication; ``summary``: one row per point x metric."""

    table: pd.DataFrame
    summary: pd.DataFrame


# -- parts: the rows as they were written -----------------------------------------------------


def _rows_digest(rows: list[dict]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def _part_bytes(rows: list[dict]) -> bytes:
    """A part file: the rows as Parquet, with their checksum in the file's metadata."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows)
    table = table.replace_schema_metadata({b"simcenter": b"sweep part", b"simcenter.rows": _rows_digest(rows).encode()})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _read_part(path: Path, spec: SweepSpec) -> list[dict]:
    """The rows of a part file, or ``ValueError`` saying what is wrong with it."""
    import io

    import pyarrow.parquet as pq

    from .._io import read_input_bytes

    try:
        table = pq.read_table(io.BytesIO(read_input_bytes(path, limit=256 * 2**20)))
    except Exception:  # OSError, and pyarrow's own kinds for a damaged file
        raise ValueError("empty" if path.stat().st_size == 0 else "not a readable Parquet file") from None
    meta = table.schema.metadata or {}
    if meta.get(b"simcenter") != b"sweep part":
        raise ValueError("not a part simcenter wrote")
    expected = ["run_id", "replication", *spec.columns]
    if table.column_names != expected:
        raise ValueError("its columns are not this sweep's")
    rows = table.to_pylist()
    if not rows:
        raise ValueError("it holds no rows")
    if _rows_digest(rows) != meta.get(b"simcenter.rows", b"").decode():
        raise ValueError("its rows do not match their checksum")
    for row in rows:
        point, rep = row["run_id"], row["replication"]
        if not (isinstance(point, int) and 0 <= point < len(spec.points) and isinstance(rep, int) and 0 <= rep < MAX_RUNS):
            raise ValueError(f"it holds a run this sweep does not have (run_id {point!r}, replication {rep!r})")
    return rows


def _read_parts(parts: Path, spec: SweepSpec) -> tuple[dict, int]:
    """Every good row of ``parts/`` by (point, replication), and the next part number.
    A damaged, empty or stray file is named in one warning line and skipped: its runs are
    run again."""
    done: dict[tuple, dict] = {}
    highest = -1
    for path in sorted(parts.iterdir()):
        match = _PART.fullmatch(path.name)
        if match:
            highest = max(highest, int(match.group(1)))
        if match is None or not path.is_file() or path.is_symlink():
            if not path.name.startswith("."):  # our own temporary files are hidden
                warnings.warn(f"{path} is not a part of this sweep; it is left alone and ignored", ResumeWarning, stacklevel=3)
            continue
        try:
            rows = _read_part(path, spec)
        except ValueError as err:
            warnings.warn(f"{path} is damaged ({err}); it is left alone and its rows are not used (runs no other part holds "
                          "are run again)", ResumeWarning, stacklevel=3)
            continue
        clash = [r for r in rows if (r["run_id"], r["replication"]) in done and done[(r["run_id"], r["replication"])] != r]
        if clash:
            warnings.warn(f"{path} disagrees with another part about run {clash[0]['run_id']}/{clash[0]['replication']}; "
                          "it is ignored", ResumeWarning, stacklevel=3)
            continue
        for row in rows:
            done[(row["run_id"], row["replication"])] = row
    return done, highest + 1


def _check_out(out: Path, spec: SweepSpec, resume: bool, inputs: Inputs | None) -> None:
    """The output directory may take this sweep: new, empty, or this sweep's to resume."""
    from .. import __version__

    manifest = check_results_dir(out, "sweep", "--out", inputs, SWEEP_FILES)
    if manifest is None:
        return
    if not resume:
        raise SimcenterError(f"--out {str(out)!r} already holds a sweep; add --resume to finish it (a finished sweep only has its "
                             "tables written again), or choose another directory")
    if manifest.get("fingerprint") != spec.fingerprint:
        raise SimcenterError(f"--out {str(out)!r} holds results of a different sweep (the sweep file or its base scenario changed); "
                             "refusing to mix them: choose another directory")
    if manifest.get("version") != __version__:
        raise SimcenterError(
            f"--out {str(out)!r} was written by simcenter {manifest.get('version')}, this is {__version__}; refusing to mix results"
        )
    if (out / "parts").is_symlink() or (out / "parts").exists() and not (out / "parts").is_dir():
        raise SimcenterError(f"--out {str(out)!r}: parts is not a directory of its own (a file or a link); choose another directory")


def estimate_sweep(spec: SweepSpec) -> tuple[float, float]:
    """The contacts and the seconds of computing (on one core) of all the sweep's runs,
    from the estimates of up to 50 of its points."""
    from ..model.budget import estimate

    sample = [estimate(sc) for _, sc in spec.points[:: max(1, len(spec.points) // 50)]]
    runs = sum(spec.point_replications)
    return sum(e.contacts for e in sample) / len(sample) * runs, sum(e.seconds for e in sample) / len(sample) * runs


def _announce(spec: SweepSpec, executor: str, workers: int) -> None:
    from ..model.budget import duration_class, duration_text

    contacts, seconds = estimate_sweep(spec)
    share = 1 if executor == "serial" else workers
    print(f"{spec.describe()}: about {contacts:,.0f} contacts in all; about {duration_text(seconds / share)} of computing on "
          f"{share} worker{'s' if share != 1 else ''} (a sweep of {duration_class(seconds / share)})", file=sys.stderr)


def sweep(
    spec: str | Path | dict | SweepSpec,
    executor: str = "process",
    workers: int | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    scheduler: str | None = None,
    quiet: bool = True,
    inputs: Inputs | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResults:
    """Run a sweep and return its tables.

    ``executor``: ``"serial"`` (in this process, for debugging), ``"process"`` (a local
    process pool of ``workers``, default all cores), ``"dask-local"`` (a Dask
    LocalCluster of ``workers`` processes) or ``"dask"`` (the running Dask cluster at
    ``scheduler``, e.g. ``"tcp://127.0.0.1:8786"``); see :data:`simcenter.run.executors.EXECUTORS`.
    With ``out``, rows are written as they finish and ``resume=True`` completes an
    interrupted sweep. ``inputs``: files the caller reads, never to be written over.

    Progress: ``quiet=False`` prints the sweep's estimate on stderr and draws a tqdm bar
    there; ``progress``, if given, is called instead of the bar, with the runs done and
    the runs planned, once at the start and after each finished chunk (the runs planned
    grow with a ``[precision]`` target).

    The process pool and Dask's local workers start by forkserver, so a *script* that
    calls this must guard its top level with ``if __name__ == "__main__":`` (as for any
    Python process pool); notebooks and the ``simcenter sweep`` command need nothing.
    """
    if not isinstance(spec, SweepSpec):
        spec = load_sweep(spec)
    if executor not in EXECUTORS:
        raise SimcenterError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    takes_address = EXECUTORS[executor].takes == "ADDRESS"
    if takes_address and not scheduler:
        raise SimcenterError(f"the {executor} executor needs a scheduler address (e.g. tcp://127.0.0.1:8786)")
    workers = workers or os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 1024:
        raise SimcenterError(f"workers must be an integer in [1, 1024], got {workers!r}")
    inputs = inputs or Inputs(spec.base_path)
    done: dict[tuple, dict] = {}  # (run_id, replication) -> row
    part_number = 0
    if out is not None:
        out = Path(out)
        _check_out(out, spec, resume, inputs)
        if resume and (out / "parts").is_dir():
            done, part_number = _read_parts(out / "parts", spec)
    if not quiet:
        _announce(spec, executor, workers)
    scenarios = {p: sc for p, (_, sc) in enumerate(spec.points)}
    seeds = dict(enumerate(spec.seeds))
    needed = list(spec.point_replications)  # replications each point needs so far

    from tqdm import tqdm

    with EXECUTORS[executor].open(workers, scheduler if takes_address else None) as run_chunks:
        parts = _start_output(out, spec) if out is not None else None  # only now that the executor is up
        bar = tqdm(total=sum(needed), initial=len(done), unit="run", disable=quiet or progress is not None, file=sys.stderr,
                   desc=f"{len(spec.points)} points" + (f" to precision {spec.precision.target:g}" if spec.precision else ""))
        if progress is not None:
            progress(len(done), max(sum(needed), len(done)))

        def finished(rows: list) -> None:
            nonlocal part_number
            for row in rows:
                done[(row["run_id"], row["replication"])] = row
            if parts is not None:  # a new name on every run: parts of earlier runs are kept
                atomic_write_bytes(parts / f"part-{part_number:06d}.parquet", _part_bytes(rows))
                part_number += 1
            bar.update(len(rows))
            if progress is not None:
                progress(len(done), max(sum(needed), len(done)))

        try:
            while True:
                # the runs still to do, in chunks that depend on the sweep alone
                todo = [(p, r) for p in range(len(spec.points)) for r in range(needed[p]) if (p, r) not in done]
                if todo:
                    run_chunks(chunks(todo), scenarios, seeds, spec.columns, finished, spec.fingerprint[:12])
                if spec.precision is None or not _extend(spec, needed, done):
                    break
                bar.total = max(sum(needed), len(done))
                bar.refresh()
                if progress is not None:
                    progress(len(done), bar.total)
        finally:
            bar.close()
    tasks = [(p, r) for p in range(len(spec.points)) for r in range(needed[p])]
    missing = [t for t in tasks if t not in done]
    if missing:  # pragma: no cover - every executor returns every chunk or raises
        raise SimcenterError(f"the sweep ended with {len(missing)} of {len(tasks)} runs missing")
    results = _tables(spec, [done[t] for t in tasks])
    if out is not None:
        files = {}
        for name, df in (("results", results.table), ("summary", results.summary)):
            files[f"{name}.parquet"] = _parquet(df)
            files[f"{name}.csv"] = df.to_csv(index=False).encode("utf-8")
        replace_results_files(out, files, "--out")
    return results


def _start_output(out: Path, spec: SweepSpec) -> Path:
    """Create the results directory, its manifest and ``sweep.json``; return ``parts/``."""
    from .. import __version__

    manifest = read_manifest(out) if out.is_dir() else None
    parts = out / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    if manifest is None:
        manifest = {"simcenter": __version__, "kind": "sweep", "files": [*SWEEP_FILES, "parts"], "fingerprint": spec.fingerprint,
                    "version": __version__, "runs": spec.n_runs}
    # the sweep as run, and (not part of its fingerprint) the [set] table as given, for the report to mark
    doc = json.dumps({**json.loads(spec.text), "set": dict(spec.fixed)}, sort_keys=True, default=str)
    replace_results_files(out, {"sweep.json": (doc + "\n").encode("utf-8")}, "--out", manifest)
    return parts


def _extend(spec: SweepSpec, needed: list, done: dict) -> bool:
    """After a round of a precision sweep, raise ``needed`` for each point not yet precise
    enough; True if any point needs more. The points advance together, a round at a time,
    so that every round runs in parallel; each point stops and grows by the rules of
    :func:`simcenter.output.analysis.replicate_until` with :func:`planned_replications`."""
    p = spec.precision
    more = False
    for point, n in enumerate(needed):
        if n >= p.max_replications:
            continue
        achieved = worst_precision([done[(point, r)][m] for r in range(n)] for m in p.metrics)
        if achieved > p.target:
            needed[point] = min(p.max_replications, planned_replications(n, achieved, p.target))
            more = True
    return more


def _parquet(df: pd.DataFrame) -> bytes:
    import io

    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def _tables(spec: SweepSpec, rows: list[dict]) -> SweepResults:
    from ..output.breakdown import split_metric

    table = pd.DataFrame(rows).sort_values(["run_id", "replication"], kind="stable").reset_index(drop=True)
    params = pd.DataFrame([values for values, _ in spec.points])
    params.insert(0, "run_id", range(len(spec.points)))
    table.insert(2, "seed", [spec.seeds[p] for p in table.run_id])
    table = table.merge(params, on="run_id", how="left")
    table = table[["run_id", "replication", "seed", *spec.parameters, *spec.columns]]
    summary_rows = []
    by_queue = bool(spec.queue_columns)  # several queues: a queue column, "all" for the center
    for run_id, group in table.groupby("run_id", sort=True):
        values = spec.points[int(run_id)][0]
        for column in spec.columns:
            m, queue = split_metric(column)
            queue = "all" if queue is None else queue
            mean, low, high = metric_interval(m, group[column].to_numpy())
            summary_rows.append({
                "run_id": run_id, **values, **({"queue": queue} if by_queue else {}), "metric": m, "mean": float(mean),
                "ci_low": float(low), "ci_high": float(high), "rel_half_width": relative_half_width(group[column].to_numpy()),
                "replications": len(group),
            })
    return SweepResults(table, pd.DataFrame(summary_rows))
