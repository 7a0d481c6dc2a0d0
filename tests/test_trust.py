"""Trust: what simcenter promises about the user's files and processes, tested as users
meet it. Killing a sweep leaves no process; no command writes onto what it reads; result
files follow the umask; a closed pipe is not an error; names and byte-order marks that
editors produce are read; a damaged resume is named and repaired; sweep axes over the seed
and the replications are honoured; a Dask start that fails leaves nothing behind.
(The hostile corpus, `tests/test_hostile_inputs.py` and `tests/test_hostile_runs.py`,
covers the one-line refusals.)"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import simcenter

from simcenter import Scenario, simulate
from simcenter.cli import main
from simcenter.report import load_results

from .hostile_harness import session_processes

ROOT = Path(__file__).parent.parent
HOSTILE = ROOT / "tests" / "hostile"
PY = [sys.executable, "-m", "simcenter"]


def _sweep_file(where: Path, body: str, name: str = "s.toml") -> Path:
    """A sweep file ``name`` over a copy of tests/hostile/small.toml, both in ``where``."""
    shutil.copy(HOSTILE / "small.toml", where / "scenario.toml")
    (where / name).write_text('base = "scenario.toml"\n' + body, encoding="utf-8")
    return where / name


def _long_sweep(where: Path) -> Path:
    return _sweep_file(where, 'replications = 4\n[set]\n"simulation.days" = 3\n'
                              '[axes]\n"agents.staffing" = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16]\n', "long.toml")


@pytest.mark.parametrize("executor", [["--workers", "2"], ["--dask-local", "2"]], ids=["pool", "dask-local"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_a_sweep_leaves_no_process(tmp_path, sig, executor):
    """The command, its pool workers, the fork server, the Dask scheduler, nannies and
    workers: none is left 10 s after the command is killed, whatever the signal."""
    spec = _long_sweep(tmp_path)
    proc = subprocess.Popen([*PY, "sweep", str(spec), "--out", "out", *executor, "--quiet"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((tmp_path / "out" / "parts").glob("part-*.parquet")):
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    assert len(session_processes(proc.pid)) >= 3, "the workers should be running"  # command + at least two workers
    proc.send_signal(sig)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while (left := session_processes(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{len(left)} processes left 10 s after {sig.name}"
    if sig == signal.SIGTERM:
        assert proc.returncode == 128 + signal.SIGTERM and proc.stderr.read().decode() == "simcenter: interrupted (SIGTERM)\n"


# -- no command writes onto what it reads --------------------------------------------------


def _named_input(where: Path, target: str, link: str, how: str) -> str:
    """A path naming the input ``target``: itself, ./itself, its absolute path, a symbolic
    or a hard link with the output's suffix."""
    if how == "same":
        return target
    if how == "dot":
        return f"./{target}"
    if how == "absolute":
        return str(where / target)
    (os.symlink if how == "symlink" else os.link)(where / target, where / link)
    return link


COMMANDS = {
    "run --trace": (["run", "scenario.toml", "--trace", "{}"], "scenario.toml", "t.csv"),
    "run --agent-trace": (["run", "people.toml", "--agent-trace", "{}"], "people.toml", "a.csv"),
    "staff --out": (["staff", "scenario.toml", "--target", "0.8/20", "--out", "{}"], "scenario.toml", "plan.csv"),
    "plot -o": (["plot", "runs", "--kind", "intraday", "-o", "{}"], "runs/summary.csv", "p.png"),
    "report -o": (["report", "runs", "-o", "{}"], "runs/summary.csv", "r.html"),
    "run --out (the input's directory)": (["run", "d/scenario.toml", "--out", "{}"], "d", "o"),
    "sweep --out (the sweep's directory)": (["sweep", "d/sweep.toml", "--out", "{}", "--serial", "--quiet"], "d", "o"),
}


@pytest.mark.parametrize("how", ["same", "dot", "absolute", "symlink", "hardlink"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_no_command_writes_onto_its_input(tmp_path, capsys, monkeypatch, command, how):
    args, target, link = COMMANDS[command]
    if how == "hardlink" and target == "d":
        pytest.skip("a directory has no hard link")
    monkeypatch.chdir(tmp_path)
    shutil.copy(HOSTILE / "small.toml", tmp_path / "scenario.toml")
    shutil.copy(HOSTILE / "workforce.toml", tmp_path / "people.toml")
    (tmp_path / "d").mkdir()
    shutil.copy(HOSTILE / "small.toml", tmp_path / "d" / "scenario.toml")
    shutil.copy(HOSTILE / "sweep.toml", tmp_path / "d" / "sweep.toml")
    if command.startswith(("plot", "report")):
        assert main(["run", "scenario.toml", "--out", "runs"]) == 0
        capsys.readouterr()
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()}
    name = _named_input(tmp_path, target, link, how)
    code = main([a.replace("{}", name) for a in args])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert {p: p.read_bytes() for p in before} == before  # every input byte for byte as it was
    assert not (tmp_path / "o").exists() or (tmp_path / "o").is_symlink()


def test_a_trace_never_writes_through_what_waits_under_a_temporary_name(tmp_path, capsys, monkeypatch):
    """The trace is written under a hidden name of its own, created exclusively: a file or a
    link already there under any such name (even one pointing at the scenario) is left alone."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(HOSTILE / "small.toml", "scenario.toml")
    Path("notes.txt").write_text("precious\n")
    for name in (".trace.csv.partial", ".t.parquet.partial"):
        os.symlink("notes.txt", name)
    os.symlink("scenario.toml", ".agents.csv.partial")
    before = {p: p.read_bytes() for p in (Path("notes.txt"), Path("scenario.toml"))}
    assert main(["run", "scenario.toml", "--trace", "trace.csv"]) == 0
    assert main(["run", "scenario.toml", "--trace", "t.parquet"]) == 0
    assert {p: p.read_bytes() for p in before} == before
    assert pd.read_csv("trace.csv").shape[0] > 1000 and pd.read_parquet("t.parquet").shape[0] > 1000
    assert all(Path(n).is_symlink() for n in (".trace.csv.partial", ".t.parquet.partial", ".agents.csv.partial"))
    long = "a" * 250 + ".csv"  # as long as a name may be: the temporary name beside it still fits
    assert main(["run", "scenario.toml", "--trace", long]) == 0
    assert Path(long).stat().st_size > 1000
    capsys.readouterr()


# -- the user's environment ----------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_result_files_follow_the_umask(tmp_path, capsys, umask):
    shutil.copy(HOSTILE / "small.toml", tmp_path / "scenario.toml")
    old = os.umask(umask)
    try:
        assert main(["run", str(tmp_path / "scenario.toml"), "--out", str(tmp_path / "runs"), "--trace", str(tmp_path / "t.parquet")]) == 0
        assert main(["staff", str(tmp_path / "scenario.toml"), "--target", "0.8/20", "--out", str(tmp_path / "plan.csv")]) == 0
        assert main(["plot", str(tmp_path / "runs"), "--kind", "intraday", "-o", str(tmp_path / "p.svg")]) == 0
        assert main(["report", str(tmp_path / "runs"), "-o", str(tmp_path / "r.html")]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != tmp_path / "scenario.toml"]
    assert len(written) > 10
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path
    assert (tmp_path / "runs").stat().st_mode & 0o777 == 0o777 & ~umask


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`simcenter run X | head -1`: the reader is gone, the command ends with exit 0 and
    says nothing."""
    shutil.copy(HOSTILE / "small.toml", tmp_path / "scenario.toml")
    cmd = f"{sys.executable} -m simcenter run scenario.toml 2>err.txt | head -1; echo ${{PIPESTATUS[0]}} > code.txt"
    proc = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.stdout.startswith("scenario: small")
    assert (tmp_path / "code.txt").read_text().strip() == "0"
    assert (tmp_path / "err.txt").read_text() == ""


def test_names_and_byte_order_marks_editors_produce_are_read(tmp_path, capsys):
    long_name = tmp_path / ("planning scenario for the winter peak " * 6 + ".toml")
    long_name.write_bytes(b"\xef\xbb\xbf" + (HOSTILE / "small.toml").read_bytes())  # a BOM, as some editors write
    assert main(["validate", str(long_name)]) == 0
    assert main(["run", str(long_name), "--out", str(tmp_path / "runs")]) == 0
    assert "small" in capsys.readouterr().out


@pytest.mark.parametrize("name", ['quote " and backslash \\', "line\u2028separator", "é\u0301 ✓"])
def test_results_of_any_name_are_valid_toml(tmp_path, capsys, name):
    data = tomllib.loads((HOSTILE / "small.toml").read_text(encoding="utf-8"))
    data["name"] = name
    scenario = Scenario.from_dict(data)
    simulate(scenario, replications=2).write(tmp_path / "runs")
    written = tomllib.loads((tmp_path / "runs" / "scenario.toml").read_text(encoding="utf-8"))
    assert written["name"] == name
    assert load_results(tmp_path / "runs").scenario == scenario


@pytest.mark.parametrize("name", ["tab\there", "bell\x07 and del\x7f", "escape\x1b[31m"])
def test_names_with_control_characters_are_refused_before_anything_is_written(name):
    data = tomllib.loads((HOSTILE / "small.toml").read_text(encoding="utf-8"))
    data["name"] = name
    with pytest.raises(simcenter.ScenarioError, match="without control characters"):
        Scenario.from_dict(data)


# -- resume survives damage ----------------------------------------------------------------


def test_resume_names_each_damaged_part_and_redoes_its_runs(tmp_path, capsys):
    spec = _sweep_file(tmp_path, 'replications = 3\nmetrics = ["service_level", "asa_s"]\n[axes]\n"agents.staffing" = [6, 7, 8, 9]\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "good"), "--serial", "--quiet"]) == 0
    shutil.copytree(tmp_path / "good", tmp_path / "out")
    parts = sorted((tmp_path / "out" / "parts").glob("part-*.parquet"))
    assert len(parts) >= 4
    os.truncate(parts[0], parts[0].stat().st_size // 2)  # cut short
    os.truncate(parts[1], 0)  # empty
    data = bytearray(parts[2].read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte flipped: the rows' checksum no longer matches
    parts[2].write_bytes(bytes(data))
    (tmp_path / "out" / "parts" / "notes.txt").write_text("mine\n")  # stray files are left alone
    os.mkfifo(tmp_path / "out" / "parts" / "part-999999.parquet")
    capsys.readouterr()
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--resume", "--serial", "--quiet"]) == 0
    err = capsys.readouterr().err.splitlines()
    for name in (parts[0].name, parts[1].name, "notes.txt", "part-999999.parquet"):
        assert sum(name in line for line in err) == 1, (name, err)
    # one warning per damaged or stray part, then (quiet or not) the line saying what was written
    assert all(line.startswith("simcenter: warning: ") for line in err[:-1]) and err[-1].startswith(f"wrote {tmp_path / 'out'}/")
    assert (tmp_path / "out" / "parts" / "notes.txt").read_text() == "mine\n"
    for table in ("results.parquet", "summary.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / table), pd.read_parquet(tmp_path / "good" / table))


# -- what the sweep file asks is what runs ---------------------------------------------------


def test_axes_over_the_seed_and_the_replications_are_honoured(tmp_path, capsys):
    spec = _sweep_file(tmp_path, 'metrics = ["offered", "service_level"]\n[axes]\n"simulation.seed" = [11, 12]\n'
                             '"simulation.replications" = [2, 3]\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--serial", "--quiet"]) == 0
    results = pd.read_parquet(tmp_path / "out" / "results.parquet")
    base = Scenario.from_file(tmp_path / "scenario.toml")
    for (seed, reps), rows in results.groupby(["simulation.seed", "simulation.replications"]):
        assert len(rows) == reps  # each point ran the replications its axis gave
        alone = simulate(base.replace({"simulation.seed": int(seed)}), replications=int(reps)).replications()
        assert sorted(rows.offered) == sorted(alone.offered)  # and with the seed its axis gave


def test_a_dask_start_that_fails_leaves_no_output(tmp_path, capsys, monkeypatch):
    import distributed

    def refuse(*args, **kwargs):
        raise OSError("no free port")

    monkeypatch.setattr(distributed, "LocalCluster", refuse)
    shutil.copy(HOSTILE / "small.toml", tmp_path / "scenario.toml")
    shutil.copy(HOSTILE / "sweep.toml", tmp_path / "sweep.toml")
    code = main(["sweep", str(tmp_path / "sweep.toml"), "--out", str(tmp_path / "out"), "--dask-local", "2", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "Dask" in err, err
    assert not (tmp_path / "out").exists()
