"""Reading the user's files safely, and writing results so that none is ever half-written.

Reading: a scenario, sweep or results file is read only if it is a regular file (a FIFO,
a device or a directory is refused before it is opened, so nothing can block or stream
forever) of at most a stated size, checked before reading. Text must be UTF-8; a leading
byte-order mark is accepted and dropped.

Writing: every file is written to a hidden temporary name in its target directory,
flushed to disk, given the permissions the user's umask asks for, and renamed over the
target (atomic on POSIX); on any exception, Ctrl-C and SIGTERM included (the command line
turns SIGTERM into an exception), the temporary file is removed.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text", "check_replaceable", "read_input_bytes", "read_input_text", "file_mode"]

#: The largest scenario or sweep file read (an empirical handling-time list of a million
#: samples is about 10 MB).
MAX_INPUT_BYTES = 32 * 2**20


def _describe_mode(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_input_bytes(path: str | Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ``OSError`` subclasses and
    ``ValueError`` carry a one-line reason that names no path (callers add it)."""
    path = Path(path)
    st = os.stat(path)  # follows symlinks: a link to a regular file is a regular file
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"is {_describe_mode(st.st_mode)}, not a file")
    if st.st_size > limit:
        raise ValueError(f"is {st.st_size / 2**20:,.1f} MB; at most {limit / 2**20:,.0f} MB are read")
    # O_NONBLOCK: should the file be swapped for a FIFO between the check and the open,
    # opening does not block; a read then finds it empty
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ValueError(f"is larger than {limit / 2**20:,.0f} MB")
    return data


def read_input_text(path: str | Path, limit: int = MAX_INPUT_BYTES) -> str:
    """A UTF-8 text file read as :func:`read_input_bytes` does; a leading byte-order mark
    is dropped. Undecodable bytes raise ``ValueError`` with the byte offset."""
    data = read_input_bytes(path, limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"is not UTF-8 text (byte {err.start} is {data[err.start:err.start + 1]!r})") from None
    return text[1:] if text.startswith("\ufeff") else text


def file_mode() -> int:
    """The permissions a new file gets under the user's umask (0o666 & ~umask), read at
    each call: a notebook may change its umask between two results."""
    try:  # Linux reports the umask without changing it
        with open("/proc/self/status", encoding="ascii") as fh:
            umask = next(int(line.split()[1], 8) for line in fh if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError):
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


def check_replaceable(path: Path) -> None:
    """Results replace only regular files: never a device, a pipe or a directory that
    happens to have the name (renaming over ``/dev/null`` would replace the device)."""
    from .errors import SimcenterError

    if os.path.lexists(path) and not (Path(path).is_file() and not Path(path).is_symlink()):
        raise SimcenterError(f"{str(path)!r} exists and is not a regular file; refusing to replace it")


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    path = Path(path)
    check_replaceable(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:64]}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), file_mode())
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))
