"""Where results may be written: the rules that keep what the user owns safe.

Every result simcenter writes goes through this module.

* A **results directory** (``run --out DIR``, ``sweep --out DIR``) is used only when it is
  new, empty, or a simcenter results directory of the same kind: its ``manifest.json``
  says which kind (``run`` or ``sweep``), which files simcenter wrote there and the
  SHA-256 of each, the simcenter version and the time (UTC) they were last written.
  Inside it, only those files are ever replaced, and only while they hold what simcenter
  wrote: a file the user edited or replaced is refused, anything else the
  user put there stays. (While a file is replaced the manifest accepts its old and its new
  content, so a command killed half-way leaves a directory the next one accepts.)
  A new directory is created (with its parents) only when the results are written, never
  before the work that produces them has finished.
* A **result file** (``--trace``, ``--agent-trace``, ``plot -o``, ``report -o``, ``staff
  --out``) is written only into a directory that exists (nothing is created as a side
  effect), where no file is, or over a file simcenter wrote as the same kind of result,
  recognised by its signature: the header row of a CSV, a ``simcenter`` key in Parquet
  metadata, the ``Software`` text of a PNG, the creator of an SVG, the generator tag of
  an HTML report.
* **Nothing is written onto what the command reads** (a scenario, a sweep file and its
  base, the results a plot or report is drawn from), whatever path names it: the check
  compares devices and inodes, so a symlink or a hard link does not slip through.

Every check runs before the work starts, and again just before writing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from ._io import atomic_write_bytes
from .errors import SimcenterError

__all__ = ["Inputs", "FileKind", "check_file", "check_results_dir", "write_results_dir", "replace_results_files", "read_manifest",
           "retire_results_files", "MANIFEST"]

MANIFEST = "manifest.json"
#: The least free space a result needs beside what it is expected to take.
MIN_FREE_BYTES = 16 * 2**20
#: Hidden temporary names simcenter itself uses while writing (atomic writes, traces).
_OUR_TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.(?:tmp|partial)$")


def _show(path: Path | str) -> str:
    return repr(str(path))


class Inputs:
    """The files a command reads. No output may land on one of them."""

    def __init__(self, *paths: str | Path | None):
        self._ids: dict[tuple[int, int], str] = {}
        for path in paths:
            self.add(path)

    def add(self, path: str | Path | None) -> None:
        """Add a file, or every file of a directory (not its subdirectories' files)."""
        if path is None:
            return
        path = Path(path)
        try:
            st = path.stat()
        except OSError:
            return
        self._ids[(st.st_dev, st.st_ino)] = str(path)
        if path.is_dir():
            for child in path.iterdir():
                try:
                    if child.is_file():
                        cst = child.stat()
                        self._ids[(cst.st_dev, cst.st_ino)] = str(child)
                except OSError:
                    continue

    def reads(self, path: str | Path) -> str | None:
        """The input ``path`` is (by device and inode), or None."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        return self._ids.get((st.st_dev, st.st_ino))

    def check(self, path: str | Path, what: str) -> None:
        source = self.reads(path)
        if source is not None:
            same = "" if os.path.abspath(source) == os.path.abspath(path) else f" (the same file as {source!r})"
            raise SimcenterError(f"{what} {_show(path)} is a file this command reads{same}; "
                                 "simcenter never writes over its inputs: choose another name")


# -- result files ------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    """A kind of result file: the suffixes it may have and how simcenter recognises its own."""

    name: str  # in messages: "trace", "plot", ...
    suffixes: tuple  # allowed suffixes, lower case
    csv_header: tuple = ()  # the header row of its CSV form

    def is_ours(self, path: Path) -> bool:
        """Whether the file at ``path`` is a result of this kind simcenter wrote."""
        suffix = path.suffix.lower()
        try:
            if suffix == ".csv":
                with open(path, "rb") as fh:
                    first = fh.readline(65_536).rstrip(b"\r\n")
                return bool(self.csv_header) and first == ",".join(self.csv_header).encode()
            if suffix == ".parquet":
                import pyarrow.parquet as pq

                meta = pq.read_schema(path).metadata or {}
                return meta.get(b"simcenter") == self.name.encode()
            with open(path, "rb") as fh:
                head = fh.read(65_536)
        except Exception:  # unreadable or not of this format: not ours
            return False
        if suffix == ".png":
            return head.startswith(b"\x89PNG") and b"Software\x00simcenter" in head
        if suffix == ".svg":
            return b"<dc:title>simcenter" in head
        if suffix in (".html", ".htm"):
            return b'<meta name="generator" content="simcenter' in head
        return False


def _existing_ancestor(path: Path) -> Path:
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _check_room(directory: Path, what: str, path: Path, expected_bytes: float) -> None:
    if not os.access(directory, os.W_OK | os.X_OK):
        raise SimcenterError(f"{what} {_show(path)}: directory {str(directory)!r} is not writable")
    free = shutil.disk_usage(directory).free
    if free < MIN_FREE_BYTES + expected_bytes:
        raise SimcenterError(f"{what} {_show(path)}: only {free / 2**20:,.1f} MB free on its disk; "
                             f"about {(MIN_FREE_BYTES + expected_bytes) / 2**20:,.0f} MB are needed")


def check_file(path: str | Path, kind: FileKind, what: str, inputs: Inputs | None = None, expected_bytes: float = 0.0) -> Path:
    """Check that a result file of ``kind`` may be written at ``path``; nothing is created.

    ``what`` names the option in messages (``--trace``, ``-o``)."""
    path = Path(path)
    if not str(path) or path.name in ("", ".", ".."):
        raise SimcenterError(f"{what} {_show(path)}: give a file name")
    if inputs is not None:
        inputs.check(path, what)
    if os.path.lexists(path) and (path.is_symlink() or not path.is_file()):
        raise SimcenterError(f"{what} {_show(path)} exists and is not a regular file; refusing to replace it")
    if path.suffix.lower() not in kind.suffixes:
        raise SimcenterError(f"{what} {_show(path)}: a {kind.name} is written as {' or '.join(kind.suffixes)}; "
                             f"give a file name ending in one of them")
    parent = path.parent
    if not parent.is_dir():
        what_is = "is not a directory" if parent.exists() else "does not exist"
        raise SimcenterError(f"{what} {_show(path)}: directory {str(parent)!r} {what_is} (simcenter creates no directory for a file)")
    if os.path.lexists(path):
        if not kind.is_ours(path):
            raise SimcenterError(f"{what} {_show(path)} exists and is not a {kind.name} simcenter wrote; refusing to replace it "
                                 "(choose another name, or remove the file)")
    _check_room(parent, what, path, expected_bytes)
    return path


# -- results directories ---------------------------------------------------------------------


def read_manifest(directory: Path) -> dict | None:
    """The manifest of a simcenter results directory; None where there is none; a
    :class:`SimcenterError` when it is damaged."""
    from ._io import read_input_text

    path = Path(directory) / MANIFEST
    if not os.path.lexists(path):
        return None
    try:
        data = json.loads(read_input_text(path, limit=2**20))
    except (OSError, ValueError) as err:
        raise SimcenterError(f"{str(path)!r} is damaged ({str(err).splitlines()[0][:80]}); "
                             "the results there cannot be trusted: choose another directory") from None
    if not isinstance(data, dict) or data.get("kind", "sweep" if "fingerprint" in data else None) not in ("run", "sweep", "fit"):
        raise SimcenterError(f"{str(path)!r} is not a simcenter manifest; choose another directory")
    data.setdefault("kind", "sweep")
    hashes = data.get("sha256", {})
    files = data.get("files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files) or not isinstance(hashes, dict) or not all(
            isinstance(v, list) and all(isinstance(h, str) for h in v) for v in hashes.values()):
        raise SimcenterError(f"{str(path)!r} is damaged (its list of files is not a list of names); choose another directory")
    return data


def _sha256(path: Path) -> str | None:
    """The SHA-256 of the regular file at ``path``; None for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as fh:
        digest = hashlib.sha256()
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_unchanged(path: Path, manifest: dict, names, what: str) -> None:
    """Each of ``names`` in results directory ``path`` still holds what simcenter wrote."""
    hashes = manifest.get("sha256", {})
    for name in names:
        if name in hashes and os.path.lexists(path / name) and _sha256(path / name) not in hashes[name]:
            raise SimcenterError(f"{what} {_show(path)}: {name} there was changed since simcenter wrote it; refusing to replace it "
                                 "(move it away first if its new content may go)")


def _contents(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if not _OUR_TEMPORARY.match(p.name))


def check_results_dir(path: str | Path, kind: str, what: str, inputs: Inputs | None = None, names: tuple = (),
                      expected_bytes: float = 0.0) -> dict | None:
    """Check that results of ``kind`` ("run" or "sweep") may go into directory ``path``;
    nothing is created. ``names`` are the files the results will have there. Returns the
    directory's manifest (None for a new or empty directory)."""
    path = Path(path)
    if not str(path):
        raise SimcenterError(f"{what}: give a directory")
    if os.path.lexists(path) and (path.is_symlink() and not path.is_dir() or not path.is_dir()):
        raise SimcenterError(f"{what} {_show(path)} exists and is not a directory")
    manifest = None
    if path.is_dir():
        manifest = read_manifest(path)
        if manifest is None:
            if _contents(path):
                raise SimcenterError(f"{what} {_show(path)} is not empty and holds no simcenter results; "
                                     "simcenter never writes among files it did not make: choose a new or empty directory")
        elif manifest["kind"] != kind:
            raise SimcenterError(f"{what} {_show(path)} holds the results of a {manifest['kind']}, not of a {kind}; "
                                 "choose another directory")
        else:
            ours = set(manifest.get("files", [])) | {MANIFEST}
            for name in names:
                if os.path.lexists(path / name) and name not in ours:
                    raise SimcenterError(f"{what} {_show(path)}: {name} there was not written by simcenter; refusing to replace it")
            _check_unchanged(path, manifest, names, what)
        if inputs is not None:
            for name in (*names, MANIFEST):
                inputs.check(path / name, what)
        _check_room(path, what, path, expected_bytes)
    else:
        _check_room(_existing_ancestor(path), what, path, expected_bytes)
    return manifest


def write_results_dir(path: str | Path, kind: str, files: dict, what: str, inputs: Inputs | None = None, extra: dict | None = None) -> list[Path]:
    """Write ``files`` (name -> bytes) into results directory ``path``, after checking it
    again; the manifest, written first, lists them as simcenter's. Returns the paths."""
    path = Path(path)
    manifest = check_results_dir(path, kind, what, inputs, tuple(files))
    path.mkdir(parents=True, exist_ok=True)
    return replace_results_files(path, files, what, manifest or {"kind": kind, **(extra or {})})


def retire_results_files(path: str | Path, names, what: str) -> None:
    """Remove from results directory ``path`` the files of ``names`` that simcenter wrote there
    before and a new result no longer has (a fit without a backtest after one with), while they
    still hold what simcenter wrote; the manifest stops listing them. A file the user changed
    is refused, as a replacement would be."""
    path = Path(path)
    manifest = read_manifest(path) if path.is_dir() else None
    if manifest is None:
        return
    stale = [n for n in names if n in manifest.get("files", [])]
    if not stale:
        return
    _check_unchanged(path, manifest, stale, what)
    doc = {**manifest, "files": [f for f in manifest.get("files", []) if f not in stale],
           "sha256": {k: v for k, v in manifest.get("sha256", {}).items() if k not in stale}}
    atomic_write_bytes(path / MANIFEST, (json.dumps(doc, indent=2) + "\n").encode())
    for name in stale:
        (path / name).unlink(missing_ok=True)


def replace_results_files(path: Path, files: dict, what: str, manifest: dict | None = None) -> list[Path]:
    """Write ``files`` (name -> bytes) into the existing results directory ``path`` whose
    manifest is ``manifest`` (read from there when None), keeping the manifest's record of
    what each file holds: first it accepts the old and the new content, after the writes
    only the new."""
    from . import __version__

    path = Path(path)
    if manifest is None:
        manifest = read_manifest(path) or {}
    _check_unchanged(path, manifest, files, what)
    hashes = {name: list(value) for name, value in manifest.get("sha256", {}).items()}
    new = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    from datetime import datetime, timezone

    written = datetime.now(timezone.utc).isoformat(timespec="seconds")  # when these results were (last) written
    doc = {**manifest, "simcenter": __version__, "written": written, "files": sorted(set(manifest.get("files", [])) | set(files))}

    def write_manifest(accepted: dict) -> Path:
        return atomic_write_bytes(path / MANIFEST, (json.dumps({**doc, "sha256": accepted}, indent=2) + "\n").encode())

    write_manifest({**hashes, **{name: [*hashes.get(name, [])[-1:], new[name]] for name in files}})
    written = [path / name for name in files]
    for name, data in files.items():
        atomic_write_bytes(path / name, data)
    manifest.update(doc, sha256={**hashes, **{name: [new[name]] for name in files}})
    write_manifest(manifest["sha256"])
    return [path / MANIFEST, *written]
