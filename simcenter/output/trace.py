"""Per-contact records of a run (its trace), kept in memory or written to disk as the run goes.

Only asked-for runs keep per-contact records: ``simulate(..., trace=True)`` keeps them in
memory (``results.trace()`` gives them as a DataFrame); ``simulate(..., trace=PATH)`` or
``simcenter run --trace PATH`` writes them to a CSV file or, for a ``.parquet`` path, a
Parquet file, one chunk of rows at a time, so that memory stays flat however long the run.
Both hold the same columns, in the same types: one row per inbound contact outcome and one
per callback attempt, declared once in :data:`simcenter.model.records.TRACE_SPEC` (the
columns, their types, units and meanings; ``docs/reference/trace.md`` is generated from it by
:func:`trace_reference`). A file is written under a temporary name and renamed when the run
completes.

In memory the columns are compact: names as categoricals, durations as ``float32``
(a microsecond's precision on waits of hours), times from the start of the run as
``float64`` (``float32`` would blur seconds after a few months); :func:`row_bytes` says
how many bytes a row takes.

With ``workforce.enabled``, ``simulate(..., agent_trace=PATH)`` (``simcenter run
--agent-trace PATH``) writes one row per employed agent per day,
:data:`simcenter.model.workforce.AGENT_LOG_COLUMNS`: ``replication, day, agent, morale,
baseline, employed, present, quitting, occupancy, hired_day`` (morale at the end of the
day, before the night's recovery; ``day`` 0 is the first warm-up day; ``hired_day`` is
empty for the first roster).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._io import file_mode
from ..model.records import TRACE_CHOICES, TRACE_COLUMNS, TRACE_SPEC
from ..model.workforce import AGENT_LOG_COLUMNS
from ..outputs import FileKind, check_file

__all__ = ["TraceWriter", "TraceKeeper", "TRACE_FILE", "AGENT_TRACE_FILE", "trace_categories", "trace_frame", "read_trace",
           "row_bytes", "trace_reference"]

#: Per-contact records (``--trace``), and each agent's day (``--agent-trace``).
TRACE_FILE = FileKind("trace", (".csv", ".parquet"), TRACE_COLUMNS)
AGENT_TRACE_FILE = FileKind("agent trace", (".csv", ".parquet"), AGENT_LOG_COLUMNS)

#: Parquet types of the per-agent daily log.
_AGENT_TYPES = {
    "replication": pa.int32(), "day": pa.int32(), "agent": pa.int32(), "morale": pa.float64(), "baseline": pa.float64(),
    "employed": pa.bool_(), "present": pa.bool_(), "quitting": pa.bool_(), "occupancy": pa.float64(), "hired_day": pa.float64(),
}


def trace_categories(scenario=None) -> dict[str, tuple]:
    """The values of each ``category`` column: the fixed ones, and the scenario's contact
    types (``contact_type``, ``queue``) and agent groups (``group``). Without a scenario,
    only the fixed ones."""
    cats = dict(TRACE_CHOICES)
    if scenario is not None:
        types = tuple(c.name for c in scenario.contact_types)
        cats.update(contact_type=types, queue=types, group=tuple(g.name for g in scenario.agent_groups) or ("agents",))
    return cats


def trace_frame(rows: list[tuple], categories: dict[str, tuple]) -> pd.DataFrame:
    """Rows of the engine (:data:`TRACE_COLUMNS` order) as a DataFrame of the documented
    types; ``categories`` gives every ``category`` column's values (an empty name, as the
    group of a contact no agent took, becomes missing)."""
    columns = list(zip(*rows)) if rows else [()] * len(TRACE_SPEC)
    data = {}
    for spec, values in zip(TRACE_SPEC, columns):
        if spec.dtype == "category":
            cats = categories[spec.name]
            index = {name: i for i, name in enumerate(cats)}
            index[""] = -1
            try:
                codes = np.fromiter((index[v] for v in values), dtype=np.int16, count=len(values))
            except KeyError as err:
                raise ValueError(f"trace column {spec.name}: {err.args[0]!r} is not one of {', '.join(cats)}") from None
            data[spec.name] = pd.Categorical.from_codes(codes, categories=cats)
        else:
            data[spec.name] = np.asarray(values, dtype=spec.dtype)
    return pd.DataFrame(data)


def row_bytes(categories: dict[str, tuple] | None = None) -> int:
    """Bytes one row of the trace takes in a DataFrame (a category column takes one byte per
    row while it has fewer than 128 values)."""
    cats = categories or trace_categories()
    total = 0
    for spec in TRACE_SPEC:
        if spec.dtype == "category":
            total += 1 if len(cats.get(spec.name, ())) < 128 else 2
        else:
            total += np.dtype(spec.dtype).itemsize
    return total


def _arrow(frame: pd.DataFrame) -> pa.Table:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return table.replace_schema_metadata({b"simcenter": TRACE_FILE.name.encode()})


class TraceKeeper:
    """A sink that keeps the trace in memory in compact columns; :meth:`frame` gives it.
    Rows are gathered in chunks of ``chunk`` and turned into columns chunk by chunk, so
    that the Python rows of a long run never pile up."""

    def __init__(self, scenario, chunk: int = 50_000):
        self.categories = trace_categories(scenario)
        self.chunk = chunk
        self.rows: list[tuple] = []
        self.parts: list[pd.DataFrame] = []

    def __call__(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.parts.append(trace_frame(self.rows, self.categories))
            self.rows = []

    def frame(self) -> pd.DataFrame:
        """Every row so far, as one DataFrame."""
        self.flush()
        if not self.parts:
            return trace_frame([], self.categories)
        if len(self.parts) > 1:
            self.parts = [pd.concat(self.parts, ignore_index=True)]
        return self.parts[0]


class TraceWriter:
    """A sink for trace rows; use as a context manager. ``kind`` is :data:`TRACE_FILE` or
    :data:`AGENT_TRACE_FILE`; the file may go only where :func:`simcenter.outputs.check_file`
    allows (its directory exists; no file there, or a trace simcenter wrote). ``scenario``
    names the contact types and agent groups of a trace's rows."""

    def __init__(self, path: str | Path, chunk: int = 50_000, kind: FileKind = TRACE_FILE, inputs=None, scenario=None):
        self.path = Path(path)
        self.kind = kind
        self.inputs = inputs
        self.columns = kind.csv_header
        self.parquet = self.path.suffix.lower() == ".parquet"
        self.chunk = chunk
        self.categories = trace_categories(scenario)
        self.rows: list[tuple] = []
        self.count = 0
        self._tmp: Path | None = None  # a new hidden file beside the result, made when the run starts
        self._fh = None
        self._csv = None
        self._pq = None

    @property
    def _contacts(self) -> bool:
        return self.kind is TRACE_FILE

    def __enter__(self) -> "TraceWriter":
        check_file(self.path, self.kind, self.kind.name, self.inputs)
        # a name of its own, created exclusively (never a file or a link that was already there),
        # short enough beside a result whose name is as long as the system allows
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name[:64]}.", suffix=".partial", dir=self.path.parent or ".")
        self._tmp = Path(tmp)
        if self.parquet:
            if self._contacts:
                schema = _arrow(trace_frame([], self.categories)).schema
            else:
                schema = pa.schema([(c, _AGENT_TYPES[c]) for c in self.columns], metadata={b"simcenter": self.kind.name.encode()})
            self._fh = os.fdopen(fd, "wb")
            self._pq = pq.ParquetWriter(self._fh, schema)
        else:
            self._fh = os.fdopen(fd, "w", newline="", encoding="utf-8")
            self._csv = csv.writer(self._fh)
            self._csv.writerow(self.columns)
        return self

    def __call__(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self._contacts:
            frame = trace_frame(self.rows, self.categories)
            if self.parquet:
                self._pq.write_table(_arrow(frame))
            else:
                frame.to_csv(self._fh, header=False, index=False, lineterminator="\r\n")
        elif self.parquet:
            columns = list(zip(*self.rows))
            self._pq.write_table(pa.table({c: pa.array(col, type=_AGENT_TYPES[c]) for c, col in zip(self.columns, columns)}))
        else:
            self._csv.writerows(self.rows)
        self.count += len(self.rows)
        self.rows = []

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.flush()
        finally:
            if self._pq is not None:
                self._pq.close()
            if self._fh is not None:
                self._fh.close()
        if exc_type is None:
            os.chmod(self._tmp, file_mode())
            check_file(self.path, self.kind, self.kind.name, self.inputs)  # again: the run took a while
            os.replace(self._tmp, self.path)
        else:
            self._tmp.unlink(missing_ok=True)


def read_trace(source, scenario=None) -> pd.DataFrame:
    """A trace file (CSV or Parquet, as ``--trace`` writes it) as the DataFrame
    ``results.trace()`` gives: the documented columns in their types. With ``scenario``
    the contact types and groups are its (categories in its order); without, those found."""
    path = Path(source) if not isinstance(source, io.IOBase) else None
    if path is not None and path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
    else:
        dtypes = {s.name: (str if s.dtype == "category" else "boolean" if s.dtype == "bool" else s.dtype)
                  for s in TRACE_SPEC if s.dtype not in ("int8", "int16", "int32", "int64")}
        frame = pd.read_csv(source, dtype=dtypes, keep_default_na=False, na_values=[""])
    missing = [c for c in TRACE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{source} is not a simcenter trace: no column {', '.join(missing)}")
    cats = trace_categories(scenario)
    out = {}
    for spec in TRACE_SPEC:
        col = frame[spec.name]
        if spec.dtype == "category":
            values = col.astype(object).where(col.notna(), None)
            known = cats.get(spec.name) or tuple(sorted(v for v in values.dropna().unique()))
            out[spec.name] = pd.Categorical(values, categories=known)
        else:
            out[spec.name] = col.to_numpy(dtype=spec.dtype)
    return pd.DataFrame(out)


def trace_reference() -> str:
    """The reference page of the trace's columns (``docs/reference/trace.md``), generated
    from :data:`simcenter.model.records.TRACE_SPEC`."""
    lines = [
        "# Trace reference",
        "",
        "Generated from the trace's declaration (`simcenter.model.records.TRACE_SPEC`); a test keeps this page equal",
        "to the code. Regenerate with `simcenter schema --trace > docs/reference/trace.md`.",
        "",
        "A run asked for its trace keeps one row per inbound contact (its outcome) and one per callback attempt",
        "the center made (agents calling back customers they promised to call). `simulate(..., trace=True)` keeps",
        "the rows in memory and `results.trace()` returns them as a pandas DataFrame; `simulate(..., trace=PATH)`",
        "and `simcenter run --trace FILE` write the same columns to a CSV file or, for a `.parquet` name, a",
        "Parquet file, as the run goes. `simcenter.output.trace.read_trace(FILE)` reads such a file back in the",
        "types below.",
        "",
        "* Inbound rows (`direction = inbound`): every contact that arrived, open or closed, warm-up included.",
        "  Those offered (arriving while open) end `answered`, `abandoned` or `waiting_at_end`: per replication",
        "  and interval they add up to the `offered` metric; `lost_after_hours` and `deferred` to `after_hours`.",
        "* Callback rows (`direction = callback`): one per attempt, reached or not; per replication they add up",
        "  to the `callback_attempts` metric. A callback never attempted (its promise broke first) has no row.",
        "* Rows of the warm-up days (`warmup`) are in the trace; every metric leaves them out.",
        "* `talk_s + wrapup_s` of the rows with an agent, from when the agent took the contact (`arrival_s + wait_s`",
        "  inbound, `arrival_s` for a callback), is all the agents' busy time (the `busy_s` counter behind `occupancy`).",
        "",
        "| column | type | unit | meaning |",
        "|---|---|---|---|",
    ]
    for spec in TRACE_SPEC:
        lines.append(f"| `{spec.name}` | {spec.dtype} | {spec.unit} | {spec.meaning} |")
    lines += [
        "",
        f"**Memory.** In a DataFrame a row's columns take {row_bytes()} bytes (a category column one byte per row; the",
        f"index and pandas' own overhead come on top): a million rows take about {row_bytes() * 1_000_000 / 2**20:.0f} MB. A CSV",
        "file takes about 120 bytes per row, Parquet about 30. `simulate(..., trace=True)` refuses a run whose trace would",
        "not fit in half of the machine's memory; for runs of millions of contacts, write the trace to a Parquet file",
        "(`trace=PATH`) and read the columns you need (`pandas.read_parquet(path, columns=[...])`).",
        "",
    ]
    return "\n".join(lines)
