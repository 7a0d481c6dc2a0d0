"""Which command takes a file: a scenario (``run``, ``compare``, ``staff``) or a sweep file
(``sweep``). Both are TOML and ``validate`` takes either; a command given the other kind
says which kind it is and which command takes it, on one line, before anything runs. The
kind is told by the keys (:func:`simcenter.run.sweepfile.file_kind`), not by the name.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from ..errors import SimcenterError

__all__ = ["scenario_data", "refuse_scenario_file"]


def scenario_data(path: str | Path, command: str) -> dict:
    """The top level of the scenario file ``path`` that ``simcenter COMMAND`` was given;
    a sweep file is refused with the command that runs it."""
    from ..run.sweepfile import file_kind
    from ..schema import read_toml

    data = read_toml(Path(path), "scenario file")
    if file_kind(data) == "sweep":
        raise SimcenterError(f"{path} is a sweep file, not a scenario (simcenter {command} takes a scenario): "
                             f"run it with `simcenter sweep {shlex.quote(str(path))} --out DIR`")
    return data


def refuse_scenario_file(path: str | Path) -> None:
    """Refuse a scenario given to ``simcenter sweep``, naming the command that runs it."""
    from ..run.sweepfile import file_kind
    from ..schema import read_toml

    if file_kind(read_toml(Path(path), "sweep file")) == "scenario":
        raise SimcenterError(f"{path} is a scenario, not a sweep file: run it with `simcenter run {shlex.quote(str(path))}` "
                             "(a sweep file names a scenario as its base: docs/reference/sweep-files.md)")
