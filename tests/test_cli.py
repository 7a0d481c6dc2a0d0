"""The command line: commands, outputs, and bad input answered with one clear line and
exit code 2."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from simcenter import Scenario, ScenarioError
from simcenter.cli import main
from simcenter.scenario import scenario_json_schema

HERE = Path(__file__).parent
BAD = HERE / "bad_inputs"
ROOT = HERE.parent


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _expectation(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: FIELD'"
    return first.removeprefix("# expect: ").strip()


BAD_FILES = sorted(BAD.glob("*.toml"))
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.toml") if not p.name.startswith("sweep_"))


def test_corpus_is_large_enough():
    overrides = [l for l in (BAD / "overrides.txt").read_text().splitlines() if l and not l.startswith("#")]
    assert len(BAD_FILES) + len(overrides) >= 60


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_bad_file_gets_one_line_naming_the_field(capsys, path):
    expected = _expectation(path)
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert expected in lines[0], lines[0]
    # the Python API raises the same error
    with pytest.raises(ScenarioError) as info:
        Scenario.from_file(path)
    assert expected in str(info.value)


OVERRIDES = [l.split("\t") for l in (BAD / "overrides.txt").read_text().splitlines() if l and not l.startswith("#")]


@pytest.mark.parametrize("override, field", OVERRIDES, ids=[o for o, _ in OVERRIDES])
def test_bad_override_gets_one_line_naming_the_field(capsys, override, field):
    code, out, err = run_cli(capsys, "run", ROOT / "scenarios/erlang_a.toml", "--set", override, "--replications", "1")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and field in err, err


def test_missing_file_and_directory(capsys, tmp_path):
    code, _, err = run_cli(capsys, "validate", tmp_path / "nope.toml")
    assert code == 2 and "no such scenario file" in err
    code, _, err = run_cli(capsys, "validate", tmp_path)
    assert code == 2 and "cannot read" in err


def test_usage_errors_exit_2_in_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run"])
    assert info.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_real_process_prints_no_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "simcenter", "run", str(BAD / "staffing_negative.toml")], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "agents.staffing" in proc.stderr and "-2" in proc.stderr


def test_validate_accepts_the_example_scenarios(capsys):
    for path in SCENARIOS:
        code, out, _ = run_cli(capsys, "validate", path)
        assert code == 0 and "valid" in out


def test_run_prints_a_table(capsys):
    code, out, _ = run_cli(capsys, "run", ROOT / "scenarios/erlang_a.toml", "--set", "simulation.days=1", "--replications", "2")
    assert code == 0
    assert "service_level" in out and "ci_low" in out and "erlang_a" in out


def test_run_json_shape_and_overrides(capsys):
    code, out, _ = run_cli(
        capsys, "run", ROOT / "scenarios/erlang_a.toml", "--set", "simulation.days=1", "--set", "agents.staffing=16",
        "--replications", "3", "--seed", "42", "--json",
    )
    assert code == 0
    doc = json.loads(out)
    # the four keys of the format, plus the documented optional warm-up report
    assert set(doc) - {"warmup_report"} == {"scenario_name", "seed", "n_replications", "summary"}
    assert doc["seed"] == 42 and doc["n_replications"] == 3
    assert set(doc["summary"]["service_level"]) == {"mean", "ci_low", "ci_high", "unit"}
    assert doc["summary"]["service_level"]["unit"] == "fraction"
    # the override took effect: 16 agents answer faster than the file's 14
    code, out14, _ = run_cli(capsys, "run", ROOT / "scenarios/erlang_a.toml", "--set", "simulation.days=1", "--replications", "3", "--seed", "42", "--json")
    assert json.loads(out14)["summary"]["asa_s"]["mean"] > doc["summary"]["asa_s"]["mean"]


def test_run_out_writes_tables(capsys, tmp_path):
    out_dir = tmp_path / "results"
    code, _, _ = run_cli(capsys, "run", ROOT / "scenarios/baseline.toml", "--set", "simulation.days=2", "--replications", "2", "--out", out_dir)
    assert code == 0
    for name in ("summary", "by_day", "by_interval", "replications"):
        csv = pd.read_csv(out_dir / f"{name}.csv")
        parquet = pd.read_parquet(out_dir / f"{name}.parquet")
        assert len(csv) == len(parquet) > 0
        assert list(csv.columns) == list(parquet.columns)
    assert Scenario.from_file(out_dir / "scenario.toml").simulation.days == 2
    assert not list(out_dir.glob(".*tmp"))


def test_unwritable_out_fails_before_running(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run_cli(capsys, "run", ROOT / "scenarios/erlang_a.toml", "--out", blocker / "sub")
    assert code == 2 and "--out" in err


def test_trace_option(capsys, tmp_path):
    trace = tmp_path / "trace.csv"
    code, _, _ = run_cli(capsys, "run", ROOT / "scenarios/erlang_a.toml", "--set", "simulation.days=1", "--replications", "1", "--trace", trace)
    assert code == 0
    df = pd.read_csv(trace)
    assert len(df) > 4000 and set(df.outcome) <= {"answered", "abandoned", "waiting_at_end"}


def test_schema_is_json_schema_that_accepts_the_examples(capsys):
    jsonschema = pytest.importorskip("jsonschema")
    code, out, _ = run_cli(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema == json.loads(json.dumps(scenario_json_schema()))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in SCENARIOS:
        data = tomllib.loads(path.read_text())
        assert not list(validator.iter_errors(data)), path
    # and it refuses what validation refuses field by field
    bad = tomllib.loads((BAD / "unknown_key_typo.toml").read_text())
    assert list(validator.iter_errors(bad))
    assert "staffing" in schema["properties"]["agents"]["properties"]
    assert schema["properties"]["agents"]["properties"]["staffing"]["description"]


def test_erlang_command(capsys):
    code, out, _ = run_cli(capsys, "erlang", "--calls-per-hour", "200", "--aht", "180", "--target", "0.8/20")
    assert code == 0
    assert "fewest agents meeting the target: 14" in out and "0.8884" in out
    code, out, _ = run_cli(capsys, "erlang", "--calls-per-hour", "200", "--aht", "180", "--patience", "300", "--target", "0.8/20")
    assert code == 0 and "Erlang A" in out
    code, _, err = run_cli(capsys, "erlang", "--calls-per-hour", "200", "--aht", "180", "--target", "80%")
    assert code == 2 and "--target" in err
    code, _, err = run_cli(capsys, "erlang", "--calls-per-hour", "-3", "--aht", "180", "--target", "0.8/20")
    assert code == 2 and "--calls-per-hour" in err


def test_run_table_shows_the_mechanisms_in_use(capsys):
    code, out, _ = run_cli(capsys, "run", ROOT / "scenarios/erlang_a.toml", "--set", "simulation.days=1", "--replications", "2")
    assert code == 0 and "morale_mean" not in out and "repeat_rate" not in out and "left out here" in out
    code, out, _ = run_cli(capsys, "run", ROOT / "scenarios/noncompliance.toml", "--set", "simulation.days=1",
                           "--set", "simulation.warmup_days=0", "--replications", "2")
    assert code == 0 and "repeat_rate" in out and "deferred" in out and "morale_mean" not in out
    code, out, _ = run_cli(capsys, "run", ROOT / "scenarios/spiral.toml", "--set", "simulation.days=1",
                           "--set", "simulation.warmup_days=0", "--replications", "2", "--json")
    assert "morale_mean" in json.loads(out)["summary"] and "overrides" in json.loads(out)["summary"]


def test_bench_refuses_an_unknown_case(capsys):
    code, _, err = run_cli(capsys, "bench", "plainn")
    assert code == 2 and "plain, noncompliance, spiral, sweep, multiskill" in err


# -- a scenario where a sweep file belongs, and the other way round -------------------------

SWEEP_FILES = sorted((ROOT / "scenarios").glob("sweep_*.toml"))


@pytest.mark.parametrize("command", ["run", "staff", "compare"])
def test_a_sweep_file_given_for_a_scenario_names_the_command_that_takes_it(capsys, command):
    for path in SWEEP_FILES:
        extra = ["--target", "0.8/20"] if command == "staff" else []
        code, out, err = run_cli(capsys, command, path, *extra)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
        assert f"{path} is a sweep file, not a scenario" in err and f"`simcenter sweep {path} --out DIR`" in err


def test_a_scenario_given_to_sweep_names_the_command_that_takes_it(capsys, tmp_path):
    for path in SCENARIOS:
        code, out, err = run_cli(capsys, "sweep", path, "--out", tmp_path / "out")
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert f"{path} is a scenario, not a sweep file" in err and f"`simcenter run {path}`" in err
    assert not (tmp_path / "out").exists()


def test_validate_takes_both_kinds(capsys):
    for path in SWEEP_FILES:
        code, out, _ = run_cli(capsys, "validate", path)
        assert code == 0 and "valid sweep" in out


def test_the_kind_of_a_file_is_told_by_its_keys(tmp_path, capsys):
    from simcenter.run.sweepfile import file_kind

    assert file_kind(tomllib.loads((ROOT / "scenarios/sweep_tradeoff.toml").read_text())) == "sweep"
    assert all(file_kind(tomllib.loads(p.read_text())) == "scenario" for p in SCENARIOS)
    assert file_kind({"base": "x.toml"}) == "sweep"  # an unfinished sweep file is still one
    assert file_kind({"name": "only a name"}) is None
    # a file with both is neither for sure: its own validation names the stray key
    mixed = tmp_path / "mixed.toml"
    mixed.write_text((ROOT / "scenarios/erlang_a.toml").read_text() + '\nbase = "erlang_a.toml"\n')
    code, _, err = run_cli(capsys, "run", mixed)
    assert code == 2 and "base: unknown key" in err
