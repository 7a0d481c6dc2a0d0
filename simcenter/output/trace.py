"""Per-contact records, written to disk as the run goes.

Only asked-for runs keep per-contact records (``simulate(..., trace=PATH)``, or
``simcenter run --trace PATH``): one row per contact outcome, buffered in small chunks and
appended to a CSV file or, for a ``.parquet`` path, to a Parquet file one row group at a
time, so memory stays flat however long the run. The columns are
:data:`simcenter.model.contact.TRACE_COLUMNS`:

``replication, contact_id, customer_id, origin, contact_type, arrival_s, day, interval,
warmup, outcome, wait_s, talk_s, wrapup_s, agent, queue, group``

``origin`` is ``first``, ``redial`` or ``next_day``; ``outcome`` is ``answered``,
``abandoned``, ``lost_after_hours``, ``deferred`` or ``waiting_at_end``; ``day`` and
``interval`` are those of arrival (day 0 is the first warm-up day); ``agent`` is -1 for
contacts no agent took; ``queue`` is the contact type's queue and ``group`` the agent group
of the agent who answered (``agents`` without ``[[agent_groups]]``; empty if no agent
took the contact). The file is written under a temporary name and renamed when the
run completes.

With ``workforce.enabled``, ``simulate(..., agent_trace=PATH)`` (``simcenter run
--agent-trace PATH``) writes one row per employed agent per day,
:data:`simcenter.model.workforce.AGENT_LOG_COLUMNS`: ``replication, day, agent, morale,
baseline, employed, present, quitting, occupancy, hired_day`` (morale at the end of the
day, before the night's recovery; ``day`` 0 is the first warm-up day; ``hired_day`` is
empty for the first roster).
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .._io import file_mode

from ..model.contact import TRACE_COLUMNS
from ..outputs import FileKind, check_file
from ..model.workforce import AGENT_LOG_COLUMNS

__all__ = ["TraceWriter", "TRACE_FILE", "AGENT_TRACE_FILE"]

#: Per-contact records (``--trace``), and each agent's day (``--agent-trace``).
TRACE_FILE = FileKind("trace", (".csv", ".parquet"), TRACE_COLUMNS)
AGENT_TRACE_FILE = FileKind("agent trace", (".csv", ".parquet"), AGENT_LOG_COLUMNS)

_TYPES = {
    "replication": pa.int32(),
    "contact_id": pa.int64(),
    "customer_id": pa.int64(),
    "origin": pa.string(),
    "contact_type": pa.string(),
    "arrival_s": pa.float64(),
    "day": pa.int32(),
    "interval": pa.int32(),
    "warmup": pa.bool_(),
    "outcome": pa.string(),
    "wait_s": pa.float64(),
    "talk_s": pa.float64(),
    "wrapup_s": pa.float64(),
    "agent": pa.int32(),
    "queue": pa.string(),
    "group": pa.string(),
    # per-agent daily log
    "morale": pa.float64(),
    "baseline": pa.float64(),
    "employed": pa.bool_(),
    "present": pa.bool_(),
    "quitting": pa.bool_(),
    "occupancy": pa.float64(),
    "hired_day": pa.float64(),
}


class TraceWriter:
    """A sink for trace rows; use as a context manager. ``kind`` is :data:`TRACE_FILE` or
    :data:`AGENT_TRACE_FILE`; the file may go only where :func:`simcenter.outputs.check_file`
    allows (its directory exists; no file there, or a trace simcenter wrote)."""

    def __init__(self, path: str | Path, chunk: int = 50_000, kind: FileKind = TRACE_FILE, inputs=None):
        self.path = Path(path)
        self.kind = kind
        self.inputs = inputs
        self.columns = kind.csv_header
        self.parquet = self.path.suffix.lower() == ".parquet"
        self.chunk = chunk
        self.rows: list[tuple] = []
        self.count = 0
        self._tmp: Path | None = None  # a new hidden file beside the result, made when the run starts
        self._fh = None
        self._csv = None
        self._pq = None

    def __enter__(self) -> "TraceWriter":
        check_file(self.path, self.kind, self.kind.name, self.inputs)
        # a name of its own, created exclusively (never a file or a link that was already there),
        # short enough beside a result whose name is as long as the system allows
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name[:64]}.", suffix=".partial", dir=self.path.parent or ".")
        self._tmp = Path(tmp)
        if self.parquet:
            schema = pa.schema([(c, _TYPES[c]) for c in self.columns], metadata={b"simcenter": self.kind.name.encode()})
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
        if self.parquet:
            columns = list(zip(*self.rows))
            table = pa.table({c: pa.array(col, type=_TYPES[c]) for c, col in zip(self.columns, columns)})
            self._pq.write_table(table)
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
