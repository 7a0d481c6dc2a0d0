"""A center's contact log: one row per contact, as an ACD or CRM exports it.

A planner's own data is the start of a fitted scenario. The contact log has one row per
contact attempt (a call, a callback) with who called (``customer_id``), when
(``arrival``), on which line (``contact_type``), how long they waited (``wait_s``, or the
time the wait ended, ``wait_end``), whether an agent answered (``outcome``), and how long the
agent talked and wrapped up (``talk_s``, ``wrapup_s``). The column names are simcenter's;
a log whose columns are named otherwise is read through a mapping (``columns={"arrival":
"call_start"}``, or ``--columns arrival=call_start`` on the command line). Timestamps are
the center's local time; a log whose timestamps carry UTC offsets needs the center's time
zone (``timezone="Europe/Madrid"``), so that intervals fall on the local clock.

The log is read in chunks of rows (CSV with pandas, Parquet one record batch at a time)
and kept as a few compact numpy columns, so a log of millions of rows fits in bounded
memory. Every row is checked as it is read: the first bad row stops the reading with one
line naming the column, the row and what is allowed (:class:`LogError`).

The columns (:data:`LOG_COLUMNS`) are documented, with units, in
``docs/reference/contact-log.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SimcenterError

__all__ = ["LOG_COLUMNS", "REQUIRED", "LogError", "ContactLog", "read_contact_log", "parse_columns", "source_columns"]

#: simcenter's column names, what each holds (with its unit) and whether a log must have it.
LOG_COLUMNS = {
    "contact_id": ("identifier of the contact (text); optional, checked for duplicates", False),
    "customer_id": ("identifier of the customer (text): the same customer's contacts share it", True),
    "arrival": ("when the contact reached the center: a timestamp, local time (ISO 8601, or --time-format)", True),
    "contact_type": ("the contact's type or queue (text); optional: absent, every contact is of one type, `all`", False),
    "outcome": ("`answered` or `abandoned`", True),
    "wait_s": ("seconds waited in queue until answered or abandoned (>= 0); or give `wait_end`", False),
    "wait_end": ("when the wait ended (answer or abandonment), a timestamp; instead of `wait_s`", False),
    "talk_s": ("seconds of talk, answered contacts (>= 0; empty for abandoned ones)", True),
    "wrapup_s": ("seconds of after-contact work, answered contacts (>= 0); optional: absent, wrap-up is not fitted", False),
    "agent_id": ("identifier of the agent who answered (text); optional: the staffing per interval is read from it", False),
    "direction": ("`inbound` or `callback` (a call the center made back); optional: absent, all inbound", False),
    "case_id": ("a promise or case reference (text); optional: contacts of a customer on one case are repeats of it", False),
}
REQUIRED = tuple(k for k, (_, needed) in LOG_COLUMNS.items() if needed)
OUTCOMES = ("answered", "abandoned")
DIRECTIONS = ("inbound", "callback")
CHUNK_ROWS = 250_000
#: The longest duration and the largest counts read: a contact of more than 30 days, or more
#: agents or contacts in an interval than a scenario can hold, is a mistake in the data.
MAX_DURATION_S = 30 * 86_400.0
_COUNTS = ("offered", "answered", "abandoned", "answered_within_target", "agents")
_LIMITS = {"offered": 10_000_000, "answered": 10_000_000, "abandoned": 10_000_000, "answered_within_target": 10_000_000,
           "agents": 100_000}
MAX_TYPES, MAX_TYPE_NAME = 100, 60
_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")


class LogError(SimcenterError):
    """A contact log or interval report that cannot be read: a missing column, a bad value
    in a row, an empty file. One line naming the file, the column and the first bad row;
    exit code 2 on the command line."""


@dataclass
class ContactLog:
    """A contact log in compact columns, in order of arrival. Times are seconds on the
    center's local clock since 1970-01-01 00:00 (so ``arrival // 86400`` is the local
    date); durations are seconds."""

    arrival: np.ndarray  # float64
    customer: np.ndarray  # uint64 hash of the identifier
    ctype: np.ndarray  # int16 index into type_names
    type_names: list
    answered: np.ndarray  # bool
    wait: np.ndarray  # float64
    talk: np.ndarray  # float64, NaN where abandoned
    wrapup: np.ndarray | None = None  # float64, NaN where abandoned; None: not in the log
    agent: np.ndarray | None = None  # int32 index, -1 where none; None: not in the log
    callback: np.ndarray | None = None  # bool; None: all inbound
    case: np.ndarray | None = None  # uint64 hash, 0 where none; None: not in the log
    source: str = "contact log"
    has: dict = field(default_factory=dict)  # optional column -> the user's name for it

    def __len__(self) -> int:
        return int(self.arrival.size)

    @property
    def inbound(self) -> np.ndarray:
        return np.ones(len(self), bool) if self.callback is None else ~self.callback

    @property
    def first_day(self) -> int:
        return int(self.arrival.min() // 86_400)

    @property
    def last_day(self) -> int:
        return int(self.arrival.max() // 86_400)

    @property
    def end(self) -> float:
        """The end of the last day of the log (a contact's history is seen up to here)."""
        return (self.last_day + 1) * 86_400.0

    def sorted(self) -> "ContactLog":
        return self.take(np.argsort(self.arrival, kind="stable"))

    def take(self, rows: np.ndarray) -> "ContactLog":
        """The log of these rows (indices or a mask), in that order."""
        pick = lambda a: None if a is None else a[rows]  # noqa: E731
        return ContactLog(self.arrival[rows], self.customer[rows], self.ctype[rows], self.type_names, self.answered[rows],
                          self.wait[rows], self.talk[rows], pick(self.wrapup), pick(self.agent), pick(self.callback),
                          pick(self.case), self.source, dict(self.has))


def parse_columns(text: str | dict | None, what: str = "--columns") -> dict:
    """A mapping from simcenter's column names to the log's: ``"arrival=call_start,
    wait_s=queue_s"`` or a dict. Unknown simcenter names are refused."""
    if text is None:
        return {}
    if isinstance(text, dict):
        pairs = list(text.items())
    else:
        pairs = []
        for item in str(text).split(","):
            if not item.strip():
                continue
            if "=" not in item:
                raise LogError(f"{what}: {item.strip()!r} is not NAME=COLUMN (e.g. arrival=call_start)")
            key, value = item.split("=", 1)
            pairs.append((key.strip(), value.strip()))
    out: dict = {}
    for key, value in pairs:
        if key in out and out[key] != value:
            raise LogError(f"{what}: {key!r} is mapped twice ({out[key]!r} and {value!r}); map each name once")
        if key not in LOG_COLUMNS and key not in _INTERVAL_NAMES:
            allowed = ", ".join([*LOG_COLUMNS, *_INTERVAL_NAMES])
            raise LogError(f"{what}: {key!r} is not a column simcenter reads; allowed: {allowed}")
        if not isinstance(value, str) or not value:
            raise LogError(f"{what}: {key} must name a column of the file (text), got {value!r}")
        out[key] = value
    targets = list(out.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        names = [k for k, v in out.items() if v == twice[0]]
        raise LogError(f"{what}: column {twice[0]!r} is given for both {names[0]} and {names[1]}; a column holds one thing")
    return out


#: The interval report's column names (simcenter.estimate.intervals); listed here so one
#: mapping option serves both kinds of file.
_INTERVAL_NAMES = ("interval_start", "queue", "offered", "answered", "abandoned", "answered_within_target", "aht_s", "agents")


def source_columns(path: Path) -> list[str]:
    """The column names of a CSV or Parquet file, read from its header only."""
    kind = file_kind(path)
    try:
        if kind == "parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        return _csv_header(path)
    except pd.errors.EmptyDataError:
        raise LogError(f"{str(path)!r} is empty: no header row and no rows") from None
    except (OSError, ValueError, UnicodeDecodeError, EOFError, *csv_error()) as err:
        raise LogError(f"{str(path)!r} cannot be read as {kind.upper()}: {str(err).splitlines()[0][:120] if str(err) else type(err).__name__}") from None


def _csv_header(path: Path) -> list[str]:
    import csv
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
        row = next(csv.reader(fh), None)
    if row is None:
        raise pd.errors.EmptyDataError("no header")
    return [c.strip() for c in row]


def file_kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz", ".txt")):
        return "csv"
    if name.endswith(".parquet"):
        return "parquet"
    hint = " (a scenario file: `simcenter run` takes it)" if name.endswith(".toml") else ""
    raise LogError(f"{str(path)!r} is not a CSV or Parquet file{hint}; a contact log or interval report is .csv or .parquet")


def csv_error():
    import csv
    import zlib

    return (csv.Error, zlib.error)


def chunks(path: Path, wanted: list[str], chunk_rows: int = CHUNK_ROWS):
    """(first row number, DataFrame of strings or typed values) for each chunk of rows."""
    kind = file_kind(path)
    row = 1
    try:
        if kind == "parquet":
            import pyarrow.parquet as pq

            with pq.ParquetFile(path) as pf:
                for batch in pf.iter_batches(batch_size=chunk_rows, columns=wanted):
                    frame = batch.to_pandas()
                    yield row, frame
                    row += len(frame)
        else:
            reader = pd.read_csv(path, usecols=wanted, dtype=str, keep_default_na=False, chunksize=chunk_rows)
            with reader:
                for frame in reader:
                    yield row, frame
                    row += len(frame)
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError, *csv_error()) as err:
        text = str(err).splitlines()[0][:160] if str(err) else type(err).__name__
        raise LogError(f"{str(path)!r}: cannot read rows from row {row} on: {text}") from None


class Columns:
    """Reads the values of one column of a chunk, naming the first bad row."""

    def __init__(self, source: str, mapping: dict, time_format: str | None, timezone: str | None):
        self.source, self.mapping = source, mapping
        self.time_format, self.timezone = time_format, timezone

    def name(self, key: str) -> str:
        return self.mapping.get(key, key)

    def _where(self, key: str) -> str:
        user = self.name(key)
        return f"column {user!r}" + (f" ({key})" if user != key else "")

    def fail(self, key: str, row: int, message: str) -> LogError:
        return LogError(f"{self.source}: {self._where(key)}, row {row}: {message}")

    def text(self, frame, key: str, row0: int, allow_empty: bool = False) -> pd.Series:
        raw = frame[self.name(key)]
        s = raw.astype(object).where(raw.notna().to_numpy(), "").astype(str).str.strip()
        if not allow_empty:
            bad = (s == "") | (s.str.lower() == "nan") | (s.str.lower() == "<na>")
            if bad.any():
                raise self.fail(key, row0 + int(np.argmax(bad.to_numpy())), "is empty; every row needs a value")
        return s

    def number(self, frame, key: str, row0: int, needed: np.ndarray | None = None) -> np.ndarray:
        """Seconds, >= 0; NaN where empty and not ``needed``."""
        raw = frame[self.name(key)]
        if pd.api.types.is_numeric_dtype(raw):
            values, blank = np.array(raw.to_numpy(dtype=float, na_value=np.nan)), raw.isna().to_numpy()
        else:
            text = raw.astype(object).where(raw.notna().to_numpy(), "").astype(str).str.strip()
            blank = ((text == "") | (text.str.lower().isin(("nan", "<na>", "none")))).to_numpy()
            values = np.array(pd.to_numeric(text.where(~blank, None), errors="coerce").to_numpy(dtype=float))
            bad = np.isnan(values) & ~blank
            if bad.any():
                i = int(np.argmax(bad))
                raise self.fail(key, row0 + i, f"{text.iloc[i]!r} is not a number of seconds")
        need = blank if needed is None else blank & needed
        if need.any():
            raise self.fail(key, row0 + int(np.argmax(need)), "is empty" + ("" if needed is None else " for an answered contact"))
        what = "a count" if key in _COUNTS else "a number of seconds"
        bad = ~np.isfinite(values) & ~blank
        if bad.any():
            raise self.fail(key, row0 + int(np.argmax(bad)), f"{float(values[np.argmax(bad)])} is not a finite number ({what})")
        neg = values < 0
        if neg.any():
            raise self.fail(key, row0 + int(np.argmax(neg)), f"{values[np.argmax(neg)]:g} is negative; it must be >= 0 ({what})")
        top = _LIMITS.get(key, MAX_DURATION_S)
        big = values > top
        if big.any():
            raise self.fail(key, row0 + int(np.argmax(big)), f"{values[np.argmax(big)]:g} is above {top:,.0f}, the most simcenter "
                                                             f"takes ({what})")
        return values

    def times(self, frame, key: str, row0: int) -> np.ndarray:
        """Local wall-clock seconds since 1970-01-01 (timestamps from 1900 to 2199)."""
        stamps = self._stamps(frame, key, row0)
        year = stamps.dt.year.to_numpy()
        out = (year < 1900) | (year > 2199)
        if out.any():
            i = int(np.argmax(out))
            raise self.fail(key, row0 + i, f"{str(frame[self.name(key)].iloc[i])!r} is not between the years 1900 and 2199")
        seconds = stamps.astype("datetime64[us]").to_numpy().astype(np.int64) / 1e6
        if seconds.size > 1 and key == "arrival" and not (seconds % 86_400).any():
            raise self.fail(key, row0, f"{str(frame[self.name(key)].iloc[0])!r}: every timestamp is at midnight; the column holds "
                                       "dates, and arrivals need their time of day")
        return seconds

    def _stamps(self, frame, key: str, row0: int) -> pd.Series:
        raw = frame[self.name(key)]
        if pd.api.types.is_datetime64_any_dtype(raw):
            stamps = raw
            if getattr(stamps.dt, "tz", None) is not None:
                stamps = self._local(stamps, key, row0, str(raw.iloc[0]))
            bad = stamps.isna().to_numpy()
            if bad.any():
                raise self.fail(key, row0 + int(np.argmax(bad)), "is empty; every row needs a timestamp")
        else:
            text = raw.astype(object).where(raw.notna().to_numpy(), "").astype(str).str.strip()
            empty = (text == "").to_numpy()
            if empty.any():
                raise self.fail(key, row0 + int(np.argmax(empty)), "is empty; every row needs a timestamp")
            has = text.str.contains(_OFFSET).to_numpy()
            aware = bool(has[0])
            if (has != aware).any():
                i = int(np.argmax(has != aware))
                raise self.fail(key, row0 + i, f"{text.iloc[i]!r} {'has no' if aware else 'has a'} UTC offset, unlike row {row0}: "
                                               "give every timestamp with an offset, or none")
            fmt = self.time_format or "ISO8601"
            try:
                stamps = pd.to_datetime(text, format=fmt, errors="coerce", utc=aware)
            except (ValueError, TypeError):
                stamps = pd.Series(pd.NaT, index=text.index)
            bad = stamps.isna().to_numpy()
            if bad.any():
                i = int(np.argmax(bad))
                expect = f"the format {self.time_format!r}" if self.time_format else "ISO 8601, e.g. 2026-11-24 08:31:05 (or give --time-format)"
                raise self.fail(key, row0 + i, f"{text.iloc[i]!r} is not a timestamp in {expect}")
            if aware:
                stamps = self._local(stamps, key, row0, text.iloc[0])
        return stamps

    def _local(self, stamps: pd.Series, key: str, row0: int, example: str) -> pd.Series:
        if self.timezone is None:
            raise self.fail(key, row0, f"{example!r} carries a UTC offset; give the center's time zone (--timezone, e.g. "
                                       "Europe/Madrid) so that intervals fall on its local clock")
        return stamps.dt.tz_convert(self.timezone).dt.tz_localize(None)

    def choice(self, frame, key: str, row0: int, allowed: tuple) -> np.ndarray:
        s = self.text(frame, key, row0).str.lower()
        ok = s.isin(allowed).to_numpy()
        if not ok.all():
            i = int(np.argmax(~ok))
            raise self.fail(key, row0 + i, f"{s.iloc[i]!r} is not one of {', '.join(allowed)}")
        return s.to_numpy()


def _hash(s: pd.Series) -> np.ndarray:
    return pd.util.hash_array(s.to_numpy(dtype=object)).astype(np.uint64)


def check_timezone(timezone: str | None) -> None:
    if timezone is None:
        return
    try:
        pd.Timestamp("2026-01-01", tz=timezone)
    except Exception:
        raise LogError(f"--timezone {timezone!r} is not a time zone name (e.g. Europe/Madrid, America/New_York, UTC)") from None


def frame_chunks(frame: pd.DataFrame, wanted: list[str], chunk_rows: int = CHUNK_ROWS):
    """The chunks of an in-memory table, as :func:`chunks` gives those of a file."""
    for start in range(0, len(frame), chunk_rows):
        yield start + 1, frame.iloc[start:start + chunk_rows][wanted]


def open_table(data, what: str) -> tuple[str, list, object]:
    """(source name, columns, chunk reader) of a file path or a pandas DataFrame."""
    if isinstance(data, pd.DataFrame):
        cols = [str(c) for c in data.columns]
        twice = sorted({c for c in cols if cols.count(c) > 1})
        if twice:
            raise LogError(f"{what} (DataFrame): column {twice[0]!r} appears more than once; name each column once")
        frame = data.rename(columns=str)
        return f"{what} (DataFrame)", cols, lambda wanted, rows=CHUNK_ROWS: frame_chunks(frame, wanted, rows)
    if not isinstance(data, (str, Path)):
        raise LogError(f"a {what} is a file path or a pandas DataFrame, got {type(data).__name__}")
    path = Path(data)
    if not path.exists():
        raise LogError(f"{what} {str(path)!r} does not exist")
    if not path.is_file():
        raise LogError(f"{what} {str(path)!r} is not a regular file")
    cols = source_columns(path)
    twice = sorted({c for c in cols if cols.count(c) > 1})
    if twice:
        raise LogError(f"{what} {str(path)!r}: column {twice[0]!r} appears more than once; name each column once")
    return f"{what} {str(path)!r}", cols, lambda wanted, rows=CHUNK_ROWS: chunks(path, wanted, rows)


def read_contact_log(data, columns: dict | None = None, timezone: str | None = None,
                     time_format: str | None = None, chunk_rows: int = CHUNK_ROWS) -> ContactLog:
    """Read a contact log (a CSV or Parquet path, or a DataFrame) into a
    :class:`ContactLog`, checking every row."""
    mapping = parse_columns(columns)
    check_timezone(timezone)
    source, present, read = open_table(data, "contact log")
    col = Columns(source, mapping, time_format, timezone)
    missing = [k for k in REQUIRED if col.name(k) not in present]
    if col.name("wait_s") not in present and col.name("wait_end") not in present:
        missing.append("wait_s")
    if missing:
        key = missing[0]
        found = ", ".join(present[:20]) + (" ..." if len(present) > 20 else "")
        also = " (or wait_end)" if key == "wait_s" else ""
        hint = f"; map yours with --columns {key}=YOUR_COLUMN" if mapping.get(key) is None else ""
        raise LogError(f"{source}: no column {col.name(key)!r}{also} ({LOG_COLUMNS[key][0]}); columns found: {found}{hint}")
    optional = {k: col.name(k) for k in LOG_COLUMNS if k not in REQUIRED and col.name(k) in present}
    wanted = sorted({col.name(k) for k in REQUIRED} | set(optional.values()))
    parts: dict[str, list] = {k: [] for k in ("arrival", "customer", "ctype", "answered", "wait", "talk", "wrapup", "agent", "callback", "case", "cid")}
    type_index: dict[str, int] = {}
    agent_index: dict[str, int] = {}
    rows = 0
    for row0, frame in read(wanted, chunk_rows):
        n = len(frame)
        if n == 0:
            continue
        rows += n
        arrival = col.times(frame, "arrival", row0)
        outcome = col.choice(frame, "outcome", row0, OUTCOMES)
        answered = outcome == "answered"
        if "wait_s" in optional:
            wait = col.number(frame, "wait_s", row0, needed=np.ones(n, bool))
        else:
            wait = col.times(frame, "wait_end", row0) - arrival
            neg = wait < 0
            if neg.any():
                raise col.fail("wait_end", row0 + int(np.argmax(neg)), "is before the arrival; a wait cannot be negative")
        talk = col.number(frame, "talk_s", row0, needed=answered)
        talk[~answered] = np.nan
        parts["arrival"].append(arrival)
        parts["answered"].append(answered)
        parts["wait"].append(wait)
        parts["talk"].append(talk)
        parts["customer"].append(_hash(col.text(frame, "customer_id", row0)))
        if "contact_type" in optional:
            names = col.text(frame, "contact_type", row0)
            for name in names.unique():
                if len(name) > MAX_TYPE_NAME:
                    raise col.fail("contact_type", row0 + int(np.argmax((names == name).to_numpy())),
                                   f"{name[:40]!r}... is {len(name)} characters long; a contact type's name has at most {MAX_TYPE_NAME}")
                type_index.setdefault(name, len(type_index))
                if len(type_index) > MAX_TYPES:
                    raise col.fail("contact_type", row0 + int(np.argmax((names == name).to_numpy())),
                                   f"more than {MAX_TYPES} contact types; a scenario holds at most {MAX_TYPES}")
            parts["ctype"].append(names.map(type_index).to_numpy(dtype=np.int16))
        else:
            type_index.setdefault("all", 0)
            parts["ctype"].append(np.zeros(n, np.int16))
        if "wrapup_s" in optional:
            w = col.number(frame, "wrapup_s", row0, needed=answered)
            w[~answered] = np.nan
            parts["wrapup"].append(w)
        if "agent_id" in optional:
            names = col.text(frame, "agent_id", row0, allow_empty=True)
            for name in names[names != ""].unique():
                agent_index.setdefault(name, len(agent_index))
            codes = names.map(agent_index).fillna(-1).to_numpy(dtype=np.int32)
            parts["agent"].append(codes)
        if "direction" in optional:
            parts["callback"].append(col.choice(frame, "direction", row0, DIRECTIONS) == "callback")
        if "case_id" in optional:
            cases = col.text(frame, "case_id", row0, allow_empty=True)
            h = _hash(cases)
            h[(cases == "").to_numpy()] = 0
            parts["case"].append(h)
        if "contact_id" in optional:
            parts["cid"].append(_hash(col.text(frame, "contact_id", row0)))
    if rows == 0:
        raise LogError(f"{source} has a header but no rows")
    if parts["cid"]:
        ids = np.concatenate(parts["cid"])
        uniq, first, counts = np.unique(ids, return_index=True, return_counts=True)
        if (counts > 1).any():
            dup = uniq[counts > 1][0]
            rows_of = np.flatnonzero(ids == dup)[:2] + 1
            raise LogError(f"{source}: column {col.name('contact_id')!r} (contact_id), row {rows_of[1]}: the same contact id as row {rows_of[0]}; "
                           "each contact appears once")
    cat = lambda k: np.concatenate(parts[k]) if parts[k] else None  # noqa: E731
    log = ContactLog(cat("arrival"), cat("customer"), cat("ctype"), list(type_index), cat("answered"), cat("wait"), cat("talk"),
                     cat("wrapup"), cat("agent"), cat("callback"), cat("case"), source, optional)
    return log.sorted()
