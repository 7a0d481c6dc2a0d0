"""Progress on long work, and ``--quiet``.

Every command that can run for more than a few seconds shows its progress on standard
error (a tqdm bar on a terminal), ``--quiet`` silences it, and quiet or not the command
ends with one line on standard error naming what it wrote and where (``run`` without an
output file writes nothing but its table, so its standard error stays empty when quiet).

Which example commands run longer than 5 s, measured with ``/usr/bin/time`` on the two
shared cores of the development machine (other jobs running; each command with the
example's own settings, as the README gives it):

========================================  =======
``run scenarios/erlang_a.toml``            2.2 s
``run scenarios/multiskill.toml``          2.5 s
``run scenarios/baseline.toml``            2.9 s
``run scenarios/callback_conflict.toml``   3.8 s
``run scenarios/skill_chaining.toml``      4.4 s
``run scenarios/peak.toml``                6.4 s
``run scenarios/noncompliance.toml``       7.4 s
``run scenarios/spiral.toml``             22 s
``run scenarios/spiral_recovered.toml``   23 s
``run scenarios/word_of_mouth.toml``      31 s
``sweep scenarios/sweep_noncompliance``    4 to 11 s (as loaded)
``sweep scenarios/sweep_tradeoff``        20 s
``report`` of any of the above             1.9 to 2.6 s
``plot`` of any kind of any of the above   1.3 to 2.7 s
========================================  =======

(``staff`` and ``compare`` have tests of their own.) So ``run`` and ``sweep`` need progress
(a bar over replications and over runs); ``report`` stays under 5 s on the examples but
draws one figure after another, longer on a large sweep, so it shows a bar over them too;
``plot`` draws one figure and shows none. The tests below run each of those commands under a
pseudo-terminal, so that standard error is a terminal as at a desk, shortened with
``--set``/``replications`` where the shortening does not change what is shown (the bar
counts the replications or runs whatever their length), and see the bar; with
``--quiet`` they see only the last line. The callbacks behind the bars are checked in
process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
import threading
import tomllib
from pathlib import Path

import pytest

import simcenter
from simcenter import Scenario
from simcenter.cli import main
from simcenter.schema import toml_value

ROOT = Path(__file__).parent.parent


# -- the callbacks ------------------------------------------------------------------------


def _quick(name: str = "erlang_a", days: int = 1) -> Scenario:
    return Scenario.from_file(ROOT / "scenarios" / f"{name}.toml").replace({"simulation.days": days})


def test_simulate_calls_progress_after_each_replication():
    calls = []
    r = simcenter.simulate(_quick(), replications=3, seed=1, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert r.n_replications == 3


def test_a_precision_run_grows_its_total_replication_by_replication():
    from simcenter.experiment import simulate_to_precision

    calls = []
    results, _ = simulate_to_precision(_quick(), 0.005, ["service_level"], max_replications=7, seed=1,
                                       progress=lambda done, total: calls.append((done, total)))
    assert [done for done, _ in calls] == list(range(1, results.n_replications + 1))
    totals = [total for _, total in calls]
    assert totals[0] == 5 and totals == sorted(totals) and totals[-1] == results.n_replications
    assert all(done <= total for done, total in calls)


def test_a_sweep_calls_progress_from_zero_to_every_run(tmp_path):
    calls = []
    spec = {"base": str(ROOT / "scenarios/erlang_a.toml"), "replications": 2, "set": {"simulation.days": 1},
            "axes": {"agents.staffing": [13, 14, 15]}}
    simcenter.sweep(spec, executor="serial", progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 6) and calls[-1] == (6, 6)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_the_report_calls_progress_once_per_figure(tmp_path):
    from simcenter.present.report import applicable_kinds, html_report, load_results

    assert main(["run", str(ROOT / "scenarios/erlang_a.toml"), "--set", "simulation.days=1", "--replications", "2",
                 "--out", str(tmp_path / "run"), "--quiet"]) == 0
    saved = load_results(tmp_path / "run")
    drawn = []
    html_report(saved, progress=drawn.append)
    assert drawn == [1] * len(applicable_kinds(saved)) and drawn


# -- the commands on a terminal -----------------------------------------------------------


def _on_a_terminal(argv: list[str], cwd: Path, columns: int = 100) -> tuple[int, str, str]:
    """Run ``simcenter ARGV`` with standard error on a pseudo-terminal of ``columns`` (0: one
    nobody sized); return the exit code, standard output and what the terminal showed."""
    master, slave = os.openpty()
    if columns:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    out_path = cwd / f".stdout-{os.getpid()}-{len(argv)}"
    with open(out_path, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "simcenter", *argv], stdin=subprocess.DEVNULL, stdout=out, stderr=slave,
                                cwd=cwd, close_fds=True)
        os.close(slave)
        shown = bytearray()
        while True:  # read as it comes, so that the child never waits on a full terminal
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        code = proc.wait(timeout=600)
    os.close(master)
    text = out_path.read_text(encoding="utf-8")
    out_path.unlink()
    return code, text, shown.decode("utf-8", errors="replace")


def _lines(shown: str) -> list[str]:
    """What stays on the terminal: each line as its last carriage return left it."""
    return [line.rsplit("\r", 1)[-1] for line in shown.replace("\r\n", "\n").split("\n") if line.rsplit("\r", 1)[-1].strip()]


def _bar_reached(shown: str, total: int) -> bool:
    """The terminal showed a tqdm bar that reached ``total`` of ``total``."""
    return "%|" in shown and re.search(rf"\b{total}/{total}\b", shown) is not None


def _sweep_file(tmp_path: Path, example: str) -> Path:
    """The example sweep file with one replication of one day per point (every point kept)."""
    data = tomllib.loads((ROOT / "scenarios" / f"{example}.toml").read_text(encoding="utf-8"))
    data["base"] = str(ROOT / "scenarios" / data["base"])
    data["replications"] = 1
    data["set"] = {**data.get("set", {}), "simulation.days": 1, "simulation.warmup_days": 0}
    lines = [f"{key} = {toml_value(data[key])}" for key in ("base", "replications", "metrics") if key in data]
    for table in ("set", "axes"):
        lines += [f"[{table}]", *(f"{toml_value(k)} = {toml_value(v)}" for k, v in data[table].items())]
    path = tmp_path / f"{example}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _points(path: Path) -> int:
    from simcenter.run.sweep import load_sweep

    return len(load_sweep(path).points)


def _check_quiet(code: int, shown: str, final: str | None) -> None:
    """Quiet: no bar, no estimate; only warnings and, where files were written, the last line."""
    assert code == 0, shown
    assert "%|" not in shown and "\r" not in shown.replace("\r\n", "")
    lines = [line for line in _lines(shown) if not line.startswith("simcenter: warning: ")]
    if final is None:
        assert lines == []
    else:
        assert len(lines) == 1 and lines[0].startswith(final), lines


@contextlib.contextmanager
def _stderr_on_a_terminal(monkeypatch, columns: int = 100):
    """In this process, standard error on a pseudo-terminal of ``columns`` (0: one nobody
    sized); yields what the terminal shows, complete once the block ends."""
    master, slave = os.openpty()
    if columns:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    shown = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stream = open(slave, "w", encoding="utf-8", buffering=1)
    monkeypatch.setattr(sys, "stderr", stream)
    result: list[str] = []
    try:
        yield result
    finally:
        monkeypatch.setattr(sys, "stderr", sys.__stderr__)
        stream.close()
        reader.join(timeout=10)
        os.close(master)
        result.append(shown.decode("utf-8", errors="replace"))


def test_run_shows_a_bar_over_its_replications_and_quiet_only_the_last_line(tmp_path, monkeypatch, capsys):
    argv = ["run", str(ROOT / "scenarios/erlang_a.toml"), "--set", "simulation.days=1", "--replications", "4"]
    with _stderr_on_a_terminal(monkeypatch) as shown:
        assert main(argv) == 0
    assert _bar_reached(shown[0], 4) and "erlang_a: replications" in shown[0]
    out = capsys.readouterr().out
    assert out.startswith("scenario: erlang_a") and "%|" not in out  # the table on stdout, untouched
    with _stderr_on_a_terminal(monkeypatch, columns=0) as shown:
        assert main([*argv, "--out", str(tmp_path / "run"), "--quiet"]) == 0
    _check_quiet(0, shown[0], f"wrote {tmp_path / 'run'}{os.sep} (summary, by_day")
    assert capsys.readouterr().out.startswith("scenario: erlang_a")


def test_a_precision_run_grows_its_bar(monkeypatch, capsys):
    with _stderr_on_a_terminal(monkeypatch) as shown:
        assert main(["run", str(ROOT / "scenarios/erlang_a.toml"), "--set", "simulation.days=1", "--precision", "0.005",
                     "--max-replications", "7"]) == 0
    # the bar starts at the 5 replications before the first look and ends at the 7 run; tqdm redraws at
    # most every 0.1 s, so the steps between (6/6) show only when a replication takes longer than that
    assert re.search(r"\b0/5\b", shown[0]) and _bar_reached(shown[0], 7) and "replications to precision 0.005" in shown[0]


# the example commands measured above 5 s, and report (a bar over its figures), each under a
# pseudo-terminal: as they are but shorter (fewer days or replications; the bar is the same)
LONG_RUNS = {
    "noncompliance": ["--set", "simulation.days=1", "--set", "simulation.warmup_days=1", "--replications", "3"],
    "peak": ["--set", "simulation.days=1", "--replications", "3"],
    "spiral": ["--set", "simulation.days=5", "--set", "simulation.warmup_days=2", "--replications", "2"],
    "spiral_recovered": ["--set", "simulation.days=5", "--set", "simulation.warmup_days=2", "--replications", "2"],
    "word_of_mouth": ["--set", "simulation.days=5", "--set", "simulation.warmup_days=2", "--replications", "2"],
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(LONG_RUNS))
def test_each_long_example_run_shows_progress_and_quiet_silences_it(tmp_path, name):
    argv = ["run", str(ROOT / "scenarios" / f"{name}.toml"), *LONG_RUNS[name]]
    reps = int(LONG_RUNS[name][-1])
    code, out, shown = _on_a_terminal(argv, tmp_path)
    assert code == 0 and _bar_reached(shown, reps), shown
    assert out.startswith(f"scenario: {name}")
    _check_quiet(*_on_a_terminal([*argv, "--quiet"], tmp_path)[::2], final=None)


@pytest.mark.slow
@pytest.mark.parametrize("example", ["sweep_noncompliance", "sweep_tradeoff"])
def test_each_example_sweep_and_a_report_show_progress_and_quiet_silences_it(tmp_path, example):
    from simcenter.present.report import applicable_kinds, load_results

    spec = _sweep_file(tmp_path, example)
    runs = _points(spec)
    code, out, shown = _on_a_terminal(["sweep", str(spec), "--out", "loud"], tmp_path)
    assert code == 0 and _bar_reached(shown, runs), shown
    lines = _lines(shown)
    assert "about" in lines[0] and "contacts in all" in lines[0]  # the estimate, before the bar
    assert lines[-1].startswith(f"wrote loud{os.sep} (results, summary")
    code, out, shown = _on_a_terminal(["sweep", str(spec), "--out", "quiet", "--quiet"], tmp_path)
    _check_quiet(code, shown, f"wrote quiet{os.sep} (results, summary")
    assert out == ""

    if example != "sweep_tradeoff":
        return
    # its report: a bar over the figures; and plot, quiet
    figures = len(applicable_kinds(load_results(tmp_path / "loud")))
    code, out, shown = _on_a_terminal(["report", "loud", "-o", "report.html"], tmp_path)
    assert code == 0 and _bar_reached(shown, figures) and out == ""
    assert _lines(shown)[-1].startswith("wrote report.html (") and _lines(shown)[-1].endswith(" KB)")
    code, out, shown = _on_a_terminal(["report", "loud", "-o", "report.html", "--quiet"], tmp_path)
    _check_quiet(code, shown, "wrote report.html (")
    code, out, shown = _on_a_terminal(["plot", "loud", "--kind", "heatmap", "-o", "heatmap.png", "--quiet"], tmp_path)
    _check_quiet(code, shown, "wrote heatmap.png (heatmap, ")


def test_without_a_terminal_nothing_but_the_last_line(tmp_path, capsys):
    """Logs of batch jobs get no bar (no carriage returns), quiet or not."""
    assert main(["run", str(ROOT / "scenarios/erlang_a.toml"), "--set", "simulation.days=1", "--replications", "2",
                 "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"wrote {tmp_path / 'run'}{os.sep} (")
