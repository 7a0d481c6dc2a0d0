"""Plots and the HTML report, drawn from a small sweep and small runs, checked for content:
axes, series, labels with units, legends, and images inline in the report."""

import base64
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simcenter.cli import main
from simcenter.report import applicable_kinds, figure, load_results, required_agents_table
from simcenter.sweep import sweep
from simcenter.tradeoff import break_even, required_staffing

ROOT = Path(__file__).parent.parent

TRADEOFF = {
    "base": str(ROOT / "scenarios/erlang_a.toml"),
    "replications": 2,
    "metrics": ["service_level", "cost", "agent_hours", "repeat_rate"],
    "set": {"simulation.days": 1, "simulation.warmup_days": 2, "contact_types[0].promise_prob": 0.6,
            "promises.notice_delay.mean_h": 4.0},
    "axes": {
        "agents.staffing": [13, 15, 17, 19],
        "contact_types.general.noncompliance": [0.0, 0.3],
        "recovery.empowerment": [0.0, 1.0],
    },
}


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "out"
    sweep(TRADEOFF, executor="serial", out=out)
    return load_results(out)


@pytest.fixture(scope="module")
def spiral_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    assert main(["run", str(ROOT / "scenarios/spiral.toml"), "--set", "simulation.days=21", "--replications", "2", "--out", str(out)]) == 0
    return load_results(out)


def _lines(ax):
    return [l for l in ax.get_lines() if not l.get_label().startswith("_")]


def test_sweep_results_offer_every_sweep_kind(swept):
    assert swept.kind == "sweep" and swept.parameters == tuple(TRADEOFF["axes"])
    assert applicable_kinds(swept) == ["staffing-curve", "heatmap", "required-agents", "cost-frontier"]


def test_staffing_curve(swept):
    fig = figure(swept, "staffing-curve")
    (ax,) = fig.axes
    lines = _lines(ax)
    # one line per noncompliance rate, plus the target
    assert [l.get_label() for l in lines] == ["contact_types.general.noncompliance = 0", "contact_types.general.noncompliance = 0.3", "target 0.8"]
    assert ax.get_xlabel() == "agents.staffing (agents)" and ax.get_ylabel() == "service level (fraction)"
    assert len(ax.collections) == 2  # the 95% bands
    x, y = lines[0].get_data()
    assert list(x) == [13, 15, 17, 19] and np.all(np.diff(y) > 0)  # service level grows with agents
    # broken promises bring repeat contacts: lower service level at every staffing
    assert np.all(lines[1].get_data()[1] < y)


def test_heatmap(swept):
    fig = figure(swept, "heatmap", metric="cost", x="agents.staffing", y="contact_types.general.noncompliance")
    ax, bar = fig.axes
    assert ax.images[0].get_array().shape == (2, 4)
    assert ax.get_xlabel() == "agents.staffing (agents)" and ax.get_ylabel() == "contact_types.general.noncompliance (probability)"
    assert bar.get_ylabel() == "cost (currency)"
    assert len(ax.texts) == 8  # every cell labelled


def test_required_agents(swept):
    table = required_agents_table(swept)
    assert list(table.columns) == ["contact_types.general.noncompliance", "erlang", "adjusted", "simulated"]
    calm, broken = table.iloc[0], table.iloc[1]
    assert calm.erlang == broken.erlang == 13  # the formula cannot see failure demand
    assert broken.adjusted > calm.adjusted and broken.simulated > calm.simulated
    fig = figure(swept, "required-agents")
    (ax,) = fig.axes
    assert [l.get_label() for l in _lines(ax)] == ["Erlang (first contacts)", "Erlang adjusted for failure demand", "simulation"]
    assert ax.get_ylabel() == "agents needed (agents)"


def test_cost_frontier_and_break_even(swept):
    table = required_staffing(swept.summary[swept.summary["agents.staffing"] > 0], "agents.staffing", 0.8)
    assert set(table.columns) >= {"contact_types.general.noncompliance", "recovery.empowerment", "agents.staffing", "cost"}
    assert len(table) == 4
    fig = figure(swept, "cost-frontier")
    left, right = fig.axes
    assert len(_lines(left)) == 2 and left.get_ylabel() == "needed: agents.staffing (agents)"
    assert right.get_ylabel() == "cost (currency)"
    labels = [l.get_label() for l in _lines(right)]
    assert labels[:2] == ["recovery.empowerment = 0", "recovery.empowerment = 1"]
    # the crossings drawn are those break_even finds
    crossings = break_even(table, "contact_types.general.noncompliance", "recovery.empowerment")
    assert ("break-even" in labels) == (len(crossings) > 0)


def test_break_even_finds_the_crossing():
    table = pd.DataFrame({"x": [0.0, 0.1, 0.2, 0.0, 0.1, 0.2], "policy": ["a"] * 3 + ["b"] * 3, "cost": [100, 150, 200, 130, 140, 150]})
    found = break_even(table, "x", "policy")
    assert len(found) == 1
    assert found.x.iloc[0] == pytest.approx(0.075) and found.cost.iloc[0] == pytest.approx(137.5)
    assert found.cheaper_beyond.iloc[0] == "b"


def test_intraday_and_trajectories(spiral_run):
    assert applicable_kinds(spiral_run) == ["intraday", "trajectories"]
    fig = figure(spiral_run, "intraday")
    top, bottom, twin = fig.axes
    assert len(top.patches) == len(spiral_run.scenario.open_intervals)  # a bar per interval
    assert top.get_ylabel() == "offered (contacts per interval)" and twin.get_ylabel() == "agents on duty (agents)"
    assert bottom.get_ylabel() == "service level (fraction)" and "target 0.8" in [l.get_label() for l in _lines(bottom)]
    fig = figure(spiral_run, "trajectories")
    morale, headcount = fig.axes
    assert morale.get_ylabel() == "morale_mean (level 0-1)".replace("_", " ") and headcount.get_ylabel() == "headcount (agents)"
    x, y = _lines(morale)[0].get_data()
    assert len(x) == 21 and x[-1] == pytest.approx(20 / 7) and np.all((0 <= y) & (y <= 1))
    assert headcount.get_xlabel() == "weeks after warm-up (weeks)"


def test_a_kind_that_does_not_apply_is_refused(swept, spiral_run, capsys, tmp_path):
    assert main(["plot", str(swept.path), "--kind", "intraday", "-o", str(tmp_path / "x.png")]) == 2
    assert "these can draw: staffing-curve" in capsys.readouterr().err
    assert main(["plot", str(spiral_run.path), "--kind", "heatmapp", "-o", str(tmp_path / "x.png")]) == 2
    assert main(["plot", str(swept.path), "--kind", "heatmap", "-o", str(tmp_path / "x.pdf")]) == 2
    assert main(["plot", str(tmp_path), "--kind", "heatmap", "-o", str(tmp_path / "x.png")]) == 2


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml")])
def test_plot_command_writes_png_and_svg(swept, tmp_path, suffix, magic):
    out = tmp_path / f"curve{suffix}"
    assert main(["plot", str(swept.path), "--kind", "staffing-curve", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(magic)


def test_report_is_self_contained(swept, spiral_run, tmp_path):
    for results in (swept, spiral_run):
        out = tmp_path / f"{results.kind}.html"
        assert main(["report", str(results.path), "-o", str(out)]) == 0
        page = out.read_text()
        images = re.findall(r'<img alt="[^"]+" data-kind="([^"]+)" src="data:image/png;base64,([^"]+)">', page)
        assert [kind for kind, _ in images] == applicable_kinds(results)
        assert all(base64.b64decode(data).startswith(b"\x89PNG") for _, data in images)
        assert not re.search(r'(src|href)="(http|//)', page)  # nothing fetched from a network
        assert "<table" in page and results.scenario.name in page
