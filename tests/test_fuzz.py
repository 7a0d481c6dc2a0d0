"""Fuzzing what users hand to simcenter besides scenarios: sweep files (random text, valid
files mangled line by line, random structures) and results directories (a run's and a
sweep's, with a file cut, flipped, emptied, replaced, removed or its JSON edited), given to
`load_results`, the plots, the report and `sweep --resume`.

Every input ends in a result or a one-line error: never a traceback. A resume that is
accepted gives exactly the table of the undamaged sweep. Examples per test:
SIMCENTER_FUZZ_EXAMPLES (by default 400 for sweep files, 100 for results directories,
which take longer each; a full run with 2,000 fuzzes 10,000 inputs)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simcenter import ScenarioError, SimcenterError
from simcenter.cli import main
from simcenter.report import applicable_kinds, figure, html_report, load_results
from simcenter.sweep import load_sweep

from .strategies import mangle

matplotlib.use("Agg")

ROOT = Path(__file__).parent.parent
HOSTILE = ROOT / "tests" / "hostile"

def _fuzz(default: int):
    return settings(max_examples=int(os.environ.get("SIMCENTER_FUZZ_EXAMPLES", default)), deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])


FUZZ, FUZZ_RESULTS = _fuzz(400), _fuzz(100)
SWEEP = """base = "scenario.toml"
replications = 2
seed = 3
metrics = ["service_level", "asa_s", "offered"]
[set]
"simulation.days" = 1
[axes]
"agents.staffing" = [7, 8]
"arrivals.calls_per_hour" = { start = 100.0, stop = 120.0, num = 2 }
"""
SWEEP_KEYS = ["base", "replications", "seed", "metrics", "set", "axes", "lhs", "precision", "workers", "lhs.n", "lhs.ranges",
              "precision.target", "precision.metrics", "precision.min_replications", "precision.max_replications"]
PARAMS = ["agents.staffing", "arrivals.calls_per_hour", "simulation.seed", "simulation.replications", "patience.mean_s",
          "patience.redial_prob", "simulation.days", "contact_types[0].share", "bogus.key", "", "agents"]
JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True), st.text(max_size=12),
              st.sampled_from(PARAMS)),
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.sampled_from(PARAMS + ["start", "stop", "num", "step"]),
                                                                         inner, max_size=4)),
    max_leaves=12,
)


def _one_line(err: Exception) -> None:
    text = str(err)
    assert text and "\n" not in text, repr(text)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("fuzz")
    shutil.copy(HOSTILE / "small.toml", where / "scenario.toml")
    return where


def _load_text(folder: Path, text: str | bytes) -> None:
    path = folder / "fuzzed.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        load_sweep(path)
    except (ScenarioError, SimcenterError) as err:
        _one_line(err)


@FUZZ
@given(text=st.one_of(st.text(max_size=300), st.binary(max_size=200)))
def test_random_sweep_files_are_valid_or_a_clean_error(folder, text):
    _load_text(folder, text)


@FUZZ
@given(data=st.data())
def test_mangled_sweep_files_are_valid_or_a_clean_error(folder, data):
    text = mangle(data, SWEEP, [*SWEEP_KEYS, *(f'"{p}"' for p in PARAMS)],
                  ["-1", "0", "1e308", "nan", "inf", "true", '"x"', "[]", "{}", "[1, 1]", "[[1]]",
                   "{ start = 1, stop = 5, num = 3 }", "{ start = 0, stop = 1e300, step = 1e-300 }",
                   "{ start = 1, stop = 2 }", "[7, 8.5]", '["a", 2]', "9" * 30],
                  ["-3", "0", "2.5", "1e12", "true", "[]", "[1e400]", "{}", "nan"])
    _load_text(folder, text)


@FUZZ
@given(data=st.dictionaries(st.sampled_from(SWEEP_KEYS), JSONISH, max_size=6))
def test_random_sweep_structures_are_valid_or_a_clean_error(folder, data):
    from simcenter import Scenario

    base = Scenario.from_file(folder / "scenario.toml")
    try:
        load_sweep({**data, "base": base}, source="fuzz")
    except (ScenarioError, SimcenterError) as err:
        _one_line(err)


# -- results directories ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    """Undamaged results: a run with agents as people, a sweep (with its tables as read)."""
    where = tmp_path_factory.mktemp("results")
    shutil.copy(HOSTILE / "small.toml", where / "scenario.toml")
    shutil.copy(HOSTILE / "workforce.toml", where / "people.toml")
    (where / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    assert main(["run", str(where / "people.toml"), "--out", str(where / "run"), "--replications", "2"]) == 0
    assert main(["sweep", str(where / "sweep.toml"), "--out", str(where / "sweep"), "--serial", "--quiet"]) == 0
    return {"where": where, "table": pd.read_parquet(where / "sweep" / "results.parquet")}


def _damage(path: Path, how: str, data) -> None:
    if how == "truncate":
        os.truncate(path, data.draw(st.integers(0, max(0, path.stat().st_size - 1))))
    elif how == "flip":
        raw = bytearray(path.read_bytes())
        if raw:
            at = data.draw(st.integers(0, len(raw) - 1))
            raw[at] ^= data.draw(st.integers(1, 255))
            path.write_bytes(bytes(raw))
    elif how == "random":
        path.write_bytes(data.draw(st.binary(max_size=300)))
    elif how == "delete":
        path.unlink()
    elif how == "directory":
        path.unlink()
        path.mkdir()
    elif how == "fifo":
        path.unlink()
        os.mkfifo(path)
    elif how == "json" and path.suffix == ".json":
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return
        if isinstance(doc, dict) and doc:
            key = data.draw(st.sampled_from(sorted(doc)))
            doc[key] = data.draw(JSONISH)
            path.write_text(json.dumps(doc), encoding="utf-8")
    elif how == "csv" and path.suffix == ".csv":
        lines = path.read_text(encoding="utf-8").splitlines()
        i = data.draw(st.integers(0, len(lines) - 1))
        cells = lines[i].split(",")
        j = data.draw(st.integers(0, len(cells) - 1))
        cells[j] = data.draw(st.sampled_from(["", "nan", "inf", "-1e400", "x", "1e300", "7.5", "general", "asa_s", "99999"]))
        lines[i] = ",".join(cells)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


DAMAGE = st.sampled_from(["truncate", "flip", "random", "delete", "directory", "fifo", "json", "csv"])


def _draw_everything(path: Path, data) -> None:
    """Load the results; draw one of the plots they can draw; now and then the whole report."""
    import matplotlib.pyplot as plt

    try:
        r = load_results(path)
        kinds = applicable_kinds(r)
        if kinds:
            plt.close(figure(r, data.draw(st.sampled_from(kinds))))
        if data.draw(st.integers(0, 9)) == 0:  # the whole report, now and then (it draws every plot)
            html_report(r)
    except SimcenterError as err:
        _one_line(err)
    finally:
        plt.close("all")


@pytest.mark.slow  # statistical or property-based: the full suite runs it
@FUZZ_RESULTS
@given(data=st.data(), which=st.sampled_from(["run", "sweep"]), how=DAMAGE)
def test_damaged_results_are_read_or_refused_in_one_line(results, data, which, how):
    source = results["where"] / which
    files = sorted(str(p.relative_to(source)) for p in source.rglob("*") if p.is_file())
    name = data.draw(st.sampled_from(files))
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / which
        shutil.copytree(source, copy)
        _damage(copy / name, how, data)
        _draw_everything(copy, data)


@FUZZ_RESULTS
@given(data=st.data(), how=DAMAGE)
def test_a_damaged_sweep_resumes_to_the_same_table_or_is_refused(results, data, how, capsys):
    source = results["where"] / "sweep"
    files = sorted(str(p.relative_to(source)) for p in source.rglob("*") if p.is_file())
    name = data.draw(st.sampled_from(files))
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "sweep"
        shutil.copytree(source, copy)
        _damage(copy / name, how, data)
        os.environ["SIMCENTER_DEBUG"] = "1"  # a bug is a traceback here, not a one-line "internal error"
        try:
            capsys.readouterr()
            code = main(["sweep", str(results["where"] / "sweep.toml"), "--out", str(copy), "--resume", "--serial", "--quiet"])
        finally:
            del os.environ["SIMCENTER_DEBUG"]
        err = capsys.readouterr().err
        assert "Traceback" not in err
        if code == 0:  # accepted: every damaged part named, its runs redone, the same table; then the line saying so
            *warnings, last = err.splitlines()
            assert all(line.startswith("simcenter: warning: ") for line in warnings) and last.startswith(f"wrote {copy}/"), err
            pd.testing.assert_frame_equal(pd.read_parquet(copy / "results.parquet"), results["table"])
        else:
            assert code == 2 and err.count("\n") == 1 and err.startswith("simcenter: error: "), (code, err)
