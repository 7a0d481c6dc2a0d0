"""Reliability: hostile sweep files, a fuzzed scenario loader, interrupted runs, full disks,
overload without abandonment, and what simcenter never does with a user's files."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simcenter import Scenario, ScenarioError, simulate
from simcenter.cli import main
from simcenter.errors import OverloadWarning
from simcenter.scenario import parse_override

from .strategies import mangle

ROOT = Path(__file__).parent.parent
BAD_SWEEPS = sorted((ROOT / "tests/bad_inputs/sweeps").glob("*.toml"))


def _expectation(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.match(r"# expect: (\S+)", first)
    assert match, f"{path.name} must start with '# expect: FIELD'"
    return match.group(1)


def test_sweep_corpus_is_there():
    assert len(BAD_SWEEPS) >= 10


@pytest.mark.parametrize("path", BAD_SWEEPS, ids=[p.stem for p in BAD_SWEEPS])
def test_bad_sweep_file_gets_one_line_naming_the_field(path, tmp_path, capsys):
    code = main(["sweep", str(path), "--out", str(tmp_path / "out"), "--serial", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert _expectation(path) in err
    assert not (tmp_path / "out" / "results.csv").exists()


def test_results_of_another_sweep_are_refused(tmp_path, capsys):
    good = ROOT / "tests/bad_inputs/sweeps/good/small.toml"
    other = ROOT / "tests/bad_inputs/sweeps/good/other.toml"
    out = tmp_path / "out"
    assert main(["sweep", str(good), "--out", str(out), "--serial", "--quiet"]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["sweep", str(other), "--out", str(out), "--resume", "--serial", "--quiet"]) == 2
    assert "different sweep" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # nothing touched


# -- fuzzing the loader -------------------------------------------------------------------

FUZZ = settings(max_examples=int(os.environ.get("SIMCENTER_FUZZ_EXAMPLES", "400")), deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
KEYS = ["simulation.days", "simulation.seed", "agents.staffing", "arrivals.calls_per_hour", "patience.dist", "patience.mean_s",
        "calendar.open", "calendar.close", "contact_types[0].share", "contact_types[0].handle_time.dist", "contact_types.general.wrapup_s",
        "service_level.target_s", "recovery.empowerment", "workforce.enabled", "shifts", "bogus", "simulation", "agents"]
SCALARS = st.one_of(st.integers(-10**13, 10**13), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                    st.text(max_size=12), st.lists(st.integers(-5, 50), max_size=4), st.none())
VALID = (ROOT / "scenarios/erlang_a.toml").read_text(encoding="utf-8")


def _loads_cleanly(text: str) -> None:
    try:
        Scenario.from_toml(text, source="fuzz.toml")
    except ScenarioError as err:
        assert "\n" not in str(err) and str(err)
    # anything else (a traceback) fails the test


@FUZZ
@given(st.text(max_size=300))
def test_random_text_is_a_clean_error(text):
    _loads_cleanly(text)


@FUZZ
@given(st.data())
def test_mangled_scenarios_are_valid_or_a_clean_error(data):
    _loads_cleanly(mangle(data, VALID, ["days", "mean_s", "staffing", "x"], ["-1", "1e12", "nan", "inf", "true", '"08:00"', "[]", "{}"]))


@FUZZ
@given(st.sampled_from(KEYS), SCALARS)
def test_random_overrides_are_valid_or_a_clean_error(key, value):
    base = Scenario.from_toml(VALID)
    try:
        changed = base.replace({key: value})
    except ScenarioError as err:
        assert key.split(".")[0].split("[")[0] in str(err) or err.field
        return
    assert Scenario.from_toml(changed.to_toml()) == changed


@FUZZ
@given(st.text(max_size=60))
def test_random_override_text_is_a_clean_error(text):
    try:
        key, value = parse_override(text)
    except ScenarioError:
        return
    try:
        Scenario.from_toml(VALID).replace({key: value})
    except ScenarioError:
        pass


# -- overload without abandonment ----------------------------------------------------------


def test_overload_without_abandonment_warns_and_stays_bounded(capsys):
    s = Scenario.from_toml(VALID).replace({"patience.dist": "none", "agents.staffing": 9, "simulation.days": 1})
    with pytest.warns(OverloadWarning, match="from 00:00"):
        r = simulate(s, replications=1)
    assert r.summary().set_index("metric").loc["service_level", "mean"] < 0.2
    path = ROOT / "scenarios/erlang_a.toml"
    assert main(["run", str(path), "--set", "patience.dist=none", "--set", "agents.staffing=9", "--set", "simulation.days=1",
                 "--replications", "1"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("simcenter: warning: ") and err.count("\n") == 1
    # a pile-up that would exhaust memory is refused before anything runs
    with pytest.raises(ScenarioError, match="agents.staffing.*waiting at once"):
        s.replace({"arrivals.calls_per_hour": 1e6, "agents.staffing": 1})


# -- interrupted and failing output --------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupted_run_leaves_no_half_written_file(tmp_path, sig):
    out = tmp_path / "out"
    trace = tmp_path / "trace.csv"
    proc = subprocess.Popen([sys.executable, "-m", "simcenter", "run", str(ROOT / "scenarios/baseline.toml"), "--out", str(out),
                             "--trace", str(trace), "--replications", "4"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:  # the trace as it is written, under a hidden name; renamed when the run ends
        partial = list(tmp_path.glob(".trace.csv.*.partial"))
        if partial and partial[0].stat().st_size > 100_000:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and err.strip() == "simcenter: interrupted"
    elif sig == signal.SIGTERM:  # handled as Ctrl-C is, and said so
        assert proc.returncode == 143 and err.strip() == "simcenter: interrupted (SIGTERM)"
    else:
        assert proc.returncode == -signal.SIGKILL
    # the run was stopped before its tables and its trace: none is there, half-written or not,
    # and (unless SIGKILL, which no process can handle) no hidden temporary file either
    assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")]
    assert not trace.exists()
    if sig != signal.SIGKILL:
        assert sorted(p.name for p in tmp_path.iterdir()) == (["out"] if out.exists() else [])
    # and the same command afterwards writes complete tables
    assert main(["run", str(ROOT / "scenarios/erlang_a.toml"), "--set", "simulation.days=1", "--replications", "2", "--out", str(out)]) == 0
    assert len(pd.read_csv(out / "replications.csv")) == 2


def test_sigint_during_a_sweep_then_resume(tmp_path):
    spec = ROOT / "tests/bad_inputs/sweeps/good/small.toml"
    expected = tmp_path / "expected"
    assert main(["sweep", str(spec), "--out", str(expected), "--serial", "--quiet"]) == 0
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "simcenter", "sweep", str(spec), "--out", str(out), "--serial", "--quiet"],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and len(list((out / "parts").glob("part-*.parquet")) if (out / "parts").exists() else []) < 2:
        time.sleep(0.01)
    assert proc.poll() is None, "the sweep ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err
    assert not (out / "results.parquet").exists()
    assert main(["sweep", str(spec), "--out", str(out), "--resume", "--serial", "--quiet"]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), pd.read_parquet(expected / "results.parquet"))


def test_full_disk_is_refused_before_the_run(tmp_path, capsys, monkeypatch):
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda p: real(p)._replace(free=1_000_000))
    assert main(["run", str(ROOT / "scenarios/erlang_a.toml"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "MB free on its disk" in err and err.count("\n") == 1


def test_a_write_failure_mid_run_is_one_line(tmp_path, capsys, monkeypatch):
    import errno

    import simcenter._io

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(simcenter._io.os, "fsync", full)  # the disk fills up as results are written
    code = main(["run", str(ROOT / "scenarios/erlang_a.toml"), "--set", "simulation.days=1", "--replications", "1", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and err == "simcenter: error: No space left on device\n"
    assert not [p for p in (tmp_path / "out").iterdir()]  # no half-written file, no temporary left


@pytest.mark.parametrize("flag", ["--trace", "--out"])
def test_devices_and_directories_are_never_replaced(tmp_path, capsys, flag):
    target = "/dev/null" if flag == "--trace" else str(tmp_path)
    (tmp_path / "summary.csv").mkdir()  # a directory where a table would go
    code = main(["run", str(ROOT / "scenarios/erlang_a.toml"), "--set", "simulation.days=1", "--replications", "1", flag, target])
    err = capsys.readouterr().err
    # a device is not a file; a directory of other things is not a results directory
    assert code == 2 and ("not a regular file" if flag == "--trace" else "holds no simcenter results") in err
    assert Path("/dev/null").is_char_device() and (tmp_path / "summary.csv").is_dir()


def test_unwritable_directory_is_refused_before_the_run(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        assert main(["run", str(ROOT / "scenarios/erlang_a.toml"), "--out", str(locked / "out")]) == 2
        assert "--out" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)


# -- safety --------------------------------------------------------------------------------


def test_user_files_are_data_never_code():
    """No eval, exec or unpickling anywhere in the package: scenario and sweep files are
    read with tomllib and validated field by field."""
    for path in (ROOT / "simcenter").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\beval\(", r"\bexec\(", r"pickle\.load", r"yaml\.load\(", r"__import__\("):
            assert not re.search(pattern, text), f"{path.name} uses {pattern}"


def test_a_sweep_writes_only_inside_its_directory(tmp_path):
    spec = ROOT / "tests/bad_inputs/sweeps/good/small.toml"
    out = tmp_path / "a" / "out"
    outside = set(tmp_path.rglob("*"))
    assert main(["sweep", str(spec), "--out", str(out), "--serial", "--quiet"]) == 0
    new = set(tmp_path.rglob("*")) - outside
    assert new and all(p == out.parent or p.is_relative_to(out) for p in new)
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"manifest.json", "sweep.json", "results.csv", "results.parquet", "summary.csv", "summary.parquet"} <= names
    assert all(n in {"manifest.json", "sweep.json", "results.csv", "results.parquet", "summary.csv", "summary.parquet"}
               or re.fullmatch(r"parts/part-\d{6}\.parquet", n) for n in names)
