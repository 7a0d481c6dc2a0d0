"""Sweeps: the same table on every executor, nothing lost on interruption, clear refusals."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from simcenter import ScenarioError, SimcenterError
from simcenter.cli import main
from simcenter.sweep import load_sweep, sweep

ROOT = Path(__file__).parent.parent
DASK = Path(sys.executable).parent / "dask"

SMALL = {
    "base": str(ROOT / "scenarios/erlang_a.toml"),
    "replications": 3,
    "metrics": ["service_level", "asa_s", "offered", "occupancy"],
    "set": {"simulation.days": 1, "simulation.warmup_days": 0},
    "axes": {"agents.staffing": [12, 14], "patience.mean_s": {"start": 200.0, "stop": 400.0, "num": 2}},
}


def write_spec(tmp_path, spec=SMALL, name="sweep.toml"):
    from simcenter.schema import dumps_toml

    path = tmp_path / name
    path.write_text(dumps_toml(spec))
    return path


@pytest.fixture(scope="module")
def reference():
    return sweep(SMALL, executor="serial")


def test_table_shape(reference):
    table, summary = reference
    assert list(table.columns) == ["run_id", "replication", "seed", "agents.staffing", "patience.mean_s", "service_level", "asa_s", "offered", "occupancy"]
    assert len(table) == 4 * 3 and table.run_id.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert table["agents.staffing"].dtype.kind == "i"
    assert len(summary) == 4 * 4 and set(summary.columns) >= {"run_id", "metric", "mean", "ci_low", "ci_high"}
    # common random numbers: every point sees the same customers
    assert table.groupby("replication").offered.nunique().eq(1).all()


@pytest.mark.parametrize("executor, workers", [("process", 1), ("process", 2), ("dask-local", 2)])
def test_same_table_on_every_executor(reference, executor, workers):
    result = sweep(SMALL, executor=executor, workers=workers)
    pd.testing.assert_frame_equal(result.table, reference.table, check_exact=True)
    pd.testing.assert_frame_equal(result.summary, reference.summary, check_exact=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    """A real `dask scheduler` and two `dask worker` processes on loopback."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    logs = open(tmp_path / "dask.log", "w")
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], stdout=logs, stderr=logs, env=env)]
    time.sleep(2)
    for _ in range(2):
        procs.append(
            subprocess.Popen(
                [str(DASK), "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard", "--no-nanny"],
                stdout=logs, stderr=logs, env=env,
            )
        )
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(2, timeout=60)
    yield address, procs
    # the workers first: with their scheduler gone, they would wait to reconnect
    for group in (procs[1:], procs[:1]):
        for p in group:
            if p.poll() is None:
                p.terminate()
        for p in group:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    logs.close()


def test_same_table_on_a_real_dask_cluster(reference, dask_cluster):
    address, _ = dask_cluster
    result = sweep(SMALL, executor="dask", scheduler=address)
    pd.testing.assert_frame_equal(result.table, reference.table, check_exact=True)


@pytest.mark.slow  # kills worker processes: the full suite runs it
def test_a_killed_dask_worker_loses_no_row(dask_cluster, tmp_path):
    address, procs = dask_cluster
    spec = {**SMALL, "replications": 8, "set": {"simulation.days": 2, "simulation.warmup_days": 0}}
    expected = sweep(spec, executor="serial").table
    out = tmp_path / "out"
    box = {}
    runner = threading.Thread(target=lambda: box.update(result=sweep(spec, executor="dask", workers=2, scheduler=address, out=out)))
    runner.start()
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "parts").glob("*.parquet")) if (out / "parts").exists() else []) < 1:
        time.sleep(0.05)
    procs[1].send_signal(signal.SIGKILL)  # one worker dies mid-sweep
    runner.join(300)
    assert not runner.is_alive()
    pd.testing.assert_frame_equal(box["result"].table, expected, check_exact=True)


def test_sigkill_then_resume_gives_the_uninterrupted_table(tmp_path):
    spec = {**SMALL, "replications": 10}
    path = write_spec(tmp_path, spec)
    expected = sweep(spec, executor="serial").table
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "simcenter", "sweep", str(path), "--out", str(out), "--serial", "--quiet"], cwd=ROOT)
    parts = out / "parts"
    deadline = time.time() + 120
    while time.time() < deadline and len(list(parts.glob("part-*.parquet")) if parts.exists() else []) < 2:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = sorted(parts.glob("part-*.parquet"))
    assert 2 <= len(written) < 4 * 10  # interrupted halfway
    assert not (out / "results.parquet").exists()
    assert not list(out.rglob("*.tmp")) or all(p.name.startswith(".") for p in out.rglob("*.tmp"))
    assert main(["sweep", str(path), "--out", str(out), "--resume", "--workers", "2", "--quiet"]) == 0
    table = pd.read_parquet(out / "results.parquet")
    pd.testing.assert_frame_equal(table, expected, check_exact=True)
    assert not table.duplicated(["run_id", "replication"]).any()
    csv = pd.read_csv(out / "results.csv")
    assert len(csv) == len(table)


def test_resume_refuses_another_sweep_and_a_used_directory(tmp_path, capsys):
    path = write_spec(tmp_path)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--serial", "--quiet"]) == 0
    assert main(["sweep", str(path), "--out", str(out), "--serial", "--quiet"]) == 2
    assert "--resume" in capsys.readouterr().err
    changed = write_spec(tmp_path, {**SMALL, "replications": 4}, "changed.toml")
    assert main(["sweep", str(changed), "--out", str(out), "--resume", "--serial", "--quiet"]) == 2
    assert "different sweep" in capsys.readouterr().err
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert main(["sweep", str(path), "--out", str(other), "--serial", "--quiet"]) == 2
    assert "not empty" in capsys.readouterr().err


@pytest.mark.parametrize(
    "change, field",
    [
        ({"axes": {"agents.stafing": [1, 2]}}, "agents.stafing"),
        ({"axes": {"agents.staffing": []}}, "axes.agents.staffing"),
        ({"axes": {}}, "axes"),
        ({"replications": 0}, "replications"),
        ({"metrics": ["service_levels"]}, "metrics"),
        ({"lhs": {"n": 4, "ranges": {"agents.scale": [1.0, 1.2]}}}, "axes"),
        ({"bogus": 1}, "bogus"),
        ({"axes": {"patience.mean_s": {"start": 1.0, "stop": 2.0}}}, "axes.patience.mean_s"),
    ],
)
def test_bad_sweep_files_name_the_field(change, field):
    with pytest.raises((ScenarioError, SimcenterError)) as info:
        load_sweep({**SMALL, **change})
    assert field in str(info.value)


def test_latin_hypercube_covers_every_stratum():
    spec = {k: v for k, v in SMALL.items() if k != "axes"} | {"lhs": {"n": 8, "ranges": {"agents.scale": [1.0, 1.4], "patience.mean_s": [100.0, 500.0]}}}
    points = [values for values, _ in load_sweep(spec).points]
    assert len(points) == 8
    for key, (lo, hi) in (("agents.scale", (1.0, 1.4)), ("patience.mean_s", (100.0, 500.0))):
        strata = sorted(int((p[key] - lo) / (hi - lo) * 8) for p in points)
        assert strata == list(range(8))
    assert points == [values for values, _ in load_sweep(spec).points]  # seeded


def test_example_sweep_files_are_valid():
    spec = load_sweep(ROOT / "scenarios/sweep_noncompliance.toml")
    assert len(spec.points) == 6 and spec.replications == 3
    spec = load_sweep(ROOT / "scenarios/sweep_tradeoff.toml")
    assert len(spec.points) == 54 and spec.parameters == ("agents.scale", "contact_types.order_status.noncompliance", "recovery.empowerment")


PRECISE = {
    **{k: v for k, v in SMALL.items() if k != "replications"},
    "precision": {"target": 0.1, "metrics": ["asa_s"], "min_replications": 3, "max_replications": 20},
}


@pytest.fixture(scope="module")
def precise():
    return sweep(PRECISE, executor="serial")


def test_precision_sweep_stops_each_point_when_precise(precise):
    table, summary = precise
    counts = table.groupby("run_id").size()
    asa = summary[summary.metric == "asa_s"].set_index("run_id")
    assert (asa.replications == counts).all() and (summary.groupby("run_id").replications.nunique() == 1).all()
    stopped_early = counts < 20
    # every point either reached the target or used its maximum (both happen here)
    assert ((asa.rel_half_width <= 0.1) | ~stopped_early).all()
    assert stopped_early.any() and not stopped_early.all() and counts.min() > 3
    assert counts.nunique() > 1  # each point gets the replications it needs
    # the precision is the interval's: half-width over mean
    row = asa.iloc[0]
    assert row.rel_half_width == pytest.approx((row.ci_high - row.ci_low) / 2 / row["mean"])
    # replications are numbered 0..n-1 per point, with no gap
    assert all(sorted(g.replication) == list(range(len(g))) for _, g in table.groupby("run_id"))


@pytest.mark.slow  # kills worker processes: the full suite runs it
def test_precision_sweep_is_the_same_on_the_pool_and_after_a_loss(precise, tmp_path):
    pool = sweep(PRECISE, executor="process", workers=2)
    pd.testing.assert_frame_equal(pool.table, precise.table, check_exact=True)
    out = tmp_path / "out"
    sweep(PRECISE, executor="serial", out=out)
    parts = sorted((out / "parts").glob("part-*.parquet"))
    for part in parts[1::2]:  # lose every other chunk, from every round
        part.unlink()
    (out / "results.parquet").unlink()
    resumed = sweep(PRECISE, executor="serial", out=out, resume=True)
    pd.testing.assert_frame_equal(resumed.table, precise.table, check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "summary.parquet"), precise.summary, check_exact=True)


@pytest.mark.parametrize(
    "precision, field",
    [
        ({"target": 0.0, "metrics": ["asa_s"]}, "precision.target"),
        ({"target": 0.05, "metrics": ["aht_s"]}, "precision.metrics"),
        ({"target": 0.05, "metrics": []}, "precision.metrics"),
        ({"target": 0.05, "metrics": ["asa_s"], "min_replications": 1}, "precision.min_replications"),
        ({"target": 0.05, "metrics": ["asa_s"], "min_replications": 9, "max_replications": 8}, "precision.min_replications"),
        ({"target": 0.05, "metrics": ["asa_s"], "max_reps": 8}, "precision.max_reps"),
    ],
)
def test_bad_precision_names_the_field(precision, field):
    with pytest.raises(ScenarioError) as info:
        load_sweep({**PRECISE, "precision": precision})
    assert field in str(info.value)
    with pytest.raises(ScenarioError, match="not both"):
        load_sweep({**PRECISE, "replications": 3})
