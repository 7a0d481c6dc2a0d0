"""File output that never leaves a half-written file: write to a temporary file in the
same directory, flush it to disk, then rename it over the target (atomic on POSIX)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text", "check_replaceable"]


def check_replaceable(path: Path) -> None:
    """Results replace only regular files: never a device, a pipe or a directory that
    happens to have the name (renaming over ``/dev/null`` would replace the device)."""
    from .errors import SimcenterError

    if os.path.lexists(path) and not (Path(path).is_file() and not Path(path).is_symlink()):
        raise SimcenterError(f"{str(path)!r} exists and is not a regular file; refusing to replace it")


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    path = Path(path)
    check_replaceable(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
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
