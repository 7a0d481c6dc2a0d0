"""Plots and the HTML report, drawn from small sweeps and small runs, checked for content:
axes, series, labels in words with units once, legends clear of the data, titles that say
how the swept parameters a plot does not draw were fixed, captions, and images inline in
the report."""

import base64
import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simcenter.cli import main
from simcenter.errors import SimcenterError
from simcenter.present.figures import describe, view
from simcenter.present.words import parameter_label, parameter_unit_words, setting_words, value_words
from simcenter.report import applicable_kinds, figure, load_results, required_agents_table
from simcenter.scenario import Scenario
from simcenter.sweep import sweep
from simcenter.tradeoff import break_even, required_staffing

ROOT = Path(__file__).parent.parent

#: Three swept parameters: the staffing, the noncompliance rate and a recovery policy.
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

#: Four, over a center whose arrivals follow a daily profile: a staffing scale, and one
#: parameter whose base value (empowerment 0.2) is swept but not the lowest, one whose base
#: value (training 0.5) is not swept.
FOUR = {
    "base": str(ROOT / "scenarios/noncompliance.toml"),
    "replications": 2,
    "metrics": ["service_level", "cost", "repeat_rate"],
    "set": {"simulation.days": 1, "simulation.warmup_days": 0, "arrivals.calls_per_day": 800.0},
    "axes": {
        "agents.scale": [0.4, 0.6],
        "contact_types.order_status.noncompliance": [0.0, 0.3],
        "recovery.empowerment": [0.0, 0.2, 1.0],
        "recovery.training": [0.0, 1.0],
    },
}


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "out"
    sweep(TRADEOFF, executor="serial", out=out)
    return load_results(out)


@pytest.fixture(scope="module")
def four(tmp_path_factory):
    out = tmp_path_factory.mktemp("four") / "out"
    sweep(FOUR, executor="serial", out=out)
    return load_results(out)


@pytest.fixture(scope="module")
def spiral_run(tmp_path_factory):
    """A workforce run with 2 replications where its scenario file says 3: the captions must
    tell the replications that ran."""
    out = tmp_path_factory.mktemp("run") / "out"
    assert main(["run", str(ROOT / "scenarios/spiral.toml"), "--set", "simulation.days=21", "--replications", "2", "--out", str(out)]) == 0
    return load_results(out)


@pytest.fixture(scope="module")
def eroding_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demand") / "out"
    assert main(["run", str(ROOT / "scenarios/word_of_mouth.toml"), "--set", "simulation.days=14", "--set", "simulation.warmup_days=0",
                 "--replications", "2", "--out", str(out)]) == 0
    return load_results(out)


def _lines(ax):
    return [l for l in ax.get_lines() if not l.get_label().startswith("_")]


def _legend_texts(ax):
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def _title_lines(fig) -> list[str]:
    return fig.get_suptitle().split("\n")


def _rows(r, metric, **at):
    rows = r.summary[r.summary.metric == metric]
    for key, value in at.items():
        rows = rows[np.isclose(rows[key], value)]
    return rows


# -- each kind ---------------------------------------------------------------------------------


def test_sweep_results_offer_every_sweep_kind(swept):
    assert swept.kind == "sweep" and swept.parameters == tuple(TRADEOFF["axes"])
    assert applicable_kinds(swept) == ["staffing-curve", "heatmap", "required-agents", "cost-frontier"]


def test_staffing_curve(swept):
    fig = figure(swept, "staffing-curve")
    (ax,) = fig.axes
    lines = _lines(ax)
    # one line per noncompliance rate, plus the target; the legend's title names the parameter
    assert [l.get_label() for l in lines] == ["0", "0.3", "target 0.8"]
    assert ax.get_legend().get_title().get_text() == "noncompliance of general"
    assert _legend_texts(ax)[-1] == "95% confidence band"
    assert ax.get_xlabel() == "agents on duty" and ax.get_ylabel() == "service level (fraction)"
    assert len(ax.collections) == 2  # the 95% bands
    x, y = lines[0].get_data()
    assert list(x) == [13, 15, 17, 19] and np.all(np.diff(y) > 0)  # service level grows with agents
    # broken promises bring repeat contacts: lower service level at every staffing
    assert np.all(lines[1].get_data()[1] < y)
    # drawn at the base scenario's empowerment (0), not averaged over the two
    rows = _rows(swept, "service_level", **{"contact_types.general.noncompliance": 0.3, "recovery.empowerment": 0.0})
    assert np.allclose(lines[1].get_data()[1], rows.sort_values("agents.staffing")["mean"])


def test_a_staffing_curve_of_another_metric_draws_no_target(swept):
    fig = figure(swept, "staffing-curve", metric="cost")
    (ax,) = fig.axes
    assert ax.get_ylabel() == "cost (currency)" and not any(l.get_label().startswith("target") for l in _lines(ax))


def test_heatmap(swept):
    fig = figure(swept, "heatmap", metric="cost", x="agents.staffing", y="contact_types.general.noncompliance")
    ax, bar = fig.axes
    image = ax.images[0].get_array()
    assert image.shape == (2, 4)
    assert ax.get_xlabel() == "agents on duty" and ax.get_ylabel() == "noncompliance of general"
    assert bar.get_ylabel() == "cost (currency)"
    assert len(ax.texts) == 8  # every cell labelled
    # each cell is the sweep point at empowerment 0, not the mean over empowerment 0 and 1
    rows = _rows(swept, "cost", **{"recovery.empowerment": 0.0})
    expected = rows.pivot(index="contact_types.general.noncompliance", columns="agents.staffing", values="mean").to_numpy()
    assert np.allclose(image, expected)
    mixed = _rows(swept, "cost").groupby(["contact_types.general.noncompliance", "agents.staffing"])["mean"].mean().unstack()
    assert not np.allclose(image, mixed.to_numpy())  # the two rules differ here, so the check above can fail


def test_required_agents(swept):
    table = required_agents_table(swept)
    assert list(table.columns) == ["contact_types.general.noncompliance", "erlang", "adjusted", "simulated"]
    calm, broken = table.iloc[0], table.iloc[1]
    assert calm.erlang == broken.erlang == 13  # the formula cannot see failure demand
    assert broken.adjusted > calm.adjusted and broken.simulated > calm.simulated
    fig = figure(swept, "required-agents")
    (ax,) = fig.axes
    assert [l.get_label() for l in _lines(ax)] == ["Erlang A on first contacts", "Erlang A adjusted for failure demand", "simulation"]
    # a constant arrival rate: every interval needs the same, and the label says so
    assert ax.get_ylabel() == "agents needed in each interval"
    assert "80% answered within 20 s" in _title_lines(fig)[0]


def test_required_agents_counts_the_busiest_interval(four):
    """A daily profile: the formulas' count is that of the interval with the highest arrival
    rate, named on the axis; the simulation's, the found scale's plan in that interval."""
    s = four.scenario
    profile = np.asarray(s.arrivals.profile, dtype=float)
    peak = np.flatnonzero(profile == profile.max())
    m = s.simulation.interval_minutes
    start, end = s.calendar.open_minute + peak.min() * m, s.calendar.open_minute + (peak.max() + 1) * m
    span = f"{start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"
    fig = figure(four, "required-agents")
    assert fig.axes[0].get_ylabel() == f"agents needed, busiest interval {span}"
    heading, caption = describe(four, "required-agents")
    assert span in caption and "busiest interval" in caption
    table = required_agents_table(four)
    plan = s.staffing_by_interval()
    for row in table.itertuples(index=False):
        at = {"contact_types.order_status.noncompliance": row[0], "recovery.empowerment": 0.2, "recovery.training": 0.0}
        sl = _rows(four, "service_level", **at)
        scale = sl[sl["mean"] >= 0.8]["agents.scale"].min()
        expected = max(int(round(v * scale)) for v in plan) if scale == scale else np.nan
        assert row.simulated == expected or (np.isnan(expected) and np.isnan(row.simulated))
        assert row.erlang <= row.adjusted


def test_cost_frontier_and_break_even(swept):
    table = required_staffing(swept.summary, "agents.staffing", 0.8)
    assert set(table.columns) >= {"contact_types.general.noncompliance", "recovery.empowerment", "agents.staffing", "cost"}
    assert len(table) == 4
    fig = figure(swept, "cost-frontier")
    left, right = fig.axes
    assert len(_lines(left)) == 2 and left.get_ylabel() == "agents on duty"
    assert right.get_ylabel() == "cost (currency)"
    labels = [l.get_label() for l in _lines(right)]
    assert labels[:2] == ["0", "1"]
    (legend,) = fig.legends
    assert legend.get_title().get_text() == "recovery empowerment"
    # the crossings drawn are those break_even finds
    crossings = break_even(table, "contact_types.general.noncompliance", "recovery.empowerment")
    assert ("break-even: the cheaper policy changes" in labels) == (len(crossings) > 0)
    circles = [l for l in right.get_lines() if l.get_label().startswith("_") and l.get_markersize() == 13 and len(l.get_xdata())]
    assert sorted(float(l.get_xdata()[0]) for l in circles) == sorted(crossings["contact_types.general.noncompliance"])


def test_the_cost_frontier_keeps_equal_lines_visible(swept):
    """Without broken promises the recovery policy changes nothing: both policies need the
    same staffing and cost the same. Both lines must still show, and no break-even is
    marked where they merely start equal."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    table = required_staffing(swept.summary, "agents.staffing", 0.8)
    at_zero = table[table["contact_types.general.noncompliance"] == 0.0]
    assert at_zero["agents.staffing"].nunique() == 1 and at_zero["cost"].nunique() == 1  # the case this test is about
    fig = figure(swept, "cost-frontier")
    FigureCanvasAgg(fig).draw()
    left, right = fig.axes
    for ax in (left, right):
        a, b = _lines(ax)[:2]
        pa = ax.transData.transform(np.column_stack(a.get_data()))[0]
        pb = ax.transData.transform(np.column_stack(b.get_data()))[0]
        assert np.hypot(*(pa - pb)) >= 5.0  # pixels apart: both markers show
    circles = [l for l in right.get_lines() if l.get_markersize() == 13 and len(l.get_xdata())]
    assert not any(float(l.get_xdata()[0]) == 0.0 for l in circles)


def test_break_even_finds_the_crossing():
    table = pd.DataFrame({"x": [0.0, 0.1, 0.2, 0.0, 0.1, 0.2], "policy": ["a"] * 3 + ["b"] * 3, "cost": [100, 150, 200, 130, 140, 150]})
    found = break_even(table, "x", "policy")
    assert len(found) == 1
    assert found.x.iloc[0] == pytest.approx(0.075) and found.cost.iloc[0] == pytest.approx(137.5)
    assert found.cheaper_beyond.iloc[0] == "b"


@pytest.mark.parametrize("b, crossings", [
    ([100, 140, 150, 160], []),                      # start equal, then b dearer all along: the cheaper never changes
    ([110, 150, 210, 260], []),                      # touch at one point and part on the same side
    ([110, 150, 190, 240], [(0.1, 150.0, "b")]),     # equal at one point between two sides: there
    ([110, 150, 200, 240], [(0.1, 150.0, "b")]),     # equal over a stretch between two sides: where they first meet
    ([90, 140, 210, 260], [(0.15, 175.0, "a")]),     # cross between swept points: interpolated
])
def test_break_even_only_where_the_cheaper_policy_changes(b, crossings):
    a = [100, 150, 200, 250]
    table = pd.DataFrame({"x": [0.0, 0.1, 0.2, 0.3] * 2, "policy": ["a"] * 4 + ["b"] * 4, "cost": a + b})
    found = break_even(table, "x", "policy")
    assert [(pytest.approx(r.x), pytest.approx(r.cost), r.cheaper_beyond) for r in found.itertuples()] == crossings


def test_intraday_and_trajectories(spiral_run):
    assert applicable_kinds(spiral_run) == ["intraday", "trajectories"]
    fig = figure(spiral_run, "intraday")
    top, bottom, twin = fig.axes
    assert len(top.patches) == len(spiral_run.scenario.open_intervals)  # a bar per interval
    assert top.get_ylabel() == "contacts offered per 30-minute interval" and twin.get_ylabel() == "agents on duty"
    assert top.get_ylim()[0] == 0 and twin.get_ylim()[0] == 0  # both axes from zero
    assert bottom.get_ylabel() == "service level (fraction)" and "target 0.8" in [l.get_label() for l in _lines(bottom)]
    fig = figure(spiral_run, "trajectories")
    morale, headcount = fig.axes
    assert morale.get_ylabel() == "mean morale (level 0-1)" and headcount.get_ylabel() == "headcount (agents)"
    x, y = _lines(morale)[0].get_data()
    assert len(x) == 21 and x[-1] == pytest.approx(20 / 7) and np.all((0 <= y) & (y <= 1))
    assert headcount.get_xlabel() == "weeks after warm-up"


# -- what every kind shares ----------------------------------------------------------------------

_NOTE = re.compile(r"^at [^;()]+ = [^;()]+ \(of [^;()]+\)(; [^;()]+ = [^;()]+ \(of [^;()]+\))*$")


def _base(r, key):
    return {"recovery.empowerment": r.scenario.recovery.empowerment, "recovery.training": r.scenario.recovery.training}.get(key)


@pytest.mark.parametrize("results", ["swept", "four"])
def test_every_kind_says_how_it_fixed_the_swept_parameters_it_does_not_draw(results, request):
    """The issue's test: every plot kind drawn from a sweep of three (and of four) swept
    parameters fixes each one it does not draw at one value, the base scenario's where the
    sweep has it, else the lowest; says so on the title's second line in one pattern for
    every kind; and draws exactly that slice."""
    r = request.getfixturevalue(results)
    notes = {}
    for kind in applicable_kinds(r):
        fig = figure(r, kind)
        v = view(r, kind)
        undrawn = [p for p in r.parameters if p not in v.drawn]
        lines = _title_lines(fig)
        note = " ".join(lines[1:])
        if not undrawn:
            assert len(lines) == 1 and not v.fixed, kind
            continue
        assert _NOTE.match(note), (kind, note)
        expected = []
        for p in undrawn:
            values = sorted(r.summary[p].unique())
            base = _base(r, p)
            value = base if base is not None and any(np.isclose(base, values)) else values[0]
            among = ", ".join(value_words(x) for x in values)
            expected.append(f"{setting_words(p, value)} (of {among})")
            assert np.allclose(v.summary[p], value), (kind, p)  # the slice drawn is that one
        assert note == "at " + "; ".join(expected), kind
        caption = " ".join(describe(r, kind)[1].split())
        assert all(e in caption for e in expected), (kind, caption)  # the caption says it too
        notes[kind] = (tuple(undrawn), note)
    # the same wording wherever the same parameters are left undrawn
    by_undrawn = {}
    for undrawn, note in notes.values():
        by_undrawn.setdefault(undrawn, set()).add(note)
    assert all(len(n) == 1 for n in by_undrawn.values()) and notes
    if results == "four":  # every kind leaves something undrawn here: all four say it
        assert set(notes) == set(applicable_kinds(r))
        assert notes["cost-frontier"][1] == "at recovery training = 0 (of 0, 1)"
        assert "recovery empowerment = 0.2 (of 0, 0.2, 1)" in notes["staffing-curve"][1]  # the base's, not the lowest
        assert "recovery training = 0 (of 0, 1)" in notes["heatmap"][1]  # the base's (0.5) is not swept: the lowest


def test_at_chooses_the_slice(swept, four, tmp_path, capsys):
    fig = figure(swept, "staffing-curve", at=["recovery.empowerment=1"])
    assert _title_lines(fig)[1] == "at recovery empowerment = 1 (of 0, 1)"
    y = _lines(fig.axes[0])[1].get_data()[1]
    rows = _rows(swept, "service_level", **{"contact_types.general.noncompliance": 0.3, "recovery.empowerment": 1.0})
    assert np.allclose(y, rows.sort_values("agents.staffing")["mean"])
    fig = figure(four, "heatmap", at={"recovery.empowerment": 1.0, "agents.scale": 0.6}, x="contact_types.order_status.noncompliance",
                 y="recovery.training")
    assert " ".join(_title_lines(fig)[1:]) == ("at staffing scale = 0.6 × the plan (of 0.4, 0.6); recovery empowerment = 1 (of 0, 0.2, 1)")
    out = tmp_path / "p.png"
    assert main(["plot", str(swept.path), "--kind", "heatmap", "-o", str(out), "--at", "recovery.empowerment=1"]) == 0
    assert capsys.readouterr().err.startswith(f"wrote {out} (heatmap, ")  # plot's last line, on stderr
    for at, message in [
        ("recovery.empowerment=0.5", "the sweep has no such value; its values: 0, 1"),
        ("recovery.training=1", "'recovery.training' is not a swept parameter; swept: agents.staffing, "),
        ("agents.staffing=13", "this plot draws agents.staffing"),
        ("recovery.empowerment", "give KEY=VALUE"),
    ]:
        assert main(["plot", str(swept.path), "--kind", "staffing-curve", "-o", str(out), "--at", at]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, err
    with pytest.raises(SimcenterError, match="given twice"):
        figure(swept, "staffing-curve", at=["recovery.empowerment=1", "recovery.empowerment=0"])
    with pytest.raises(SimcenterError, match="--y does not apply to --kind required-agents"):
        figure(swept, "required-agents", y="recovery.empowerment")
    with pytest.raises(SimcenterError, match="--x and --y are both"):
        figure(swept, "heatmap", x="agents.staffing", y="agents.staffing")


def test_at_is_refused_for_a_run(spiral_run, tmp_path, capsys):
    assert main(["plot", str(spiral_run.path), "--kind", "intraday", "-o", str(tmp_path / "p.png"), "--at", "agents.scale=1"]) == 2
    assert "--at applies to a sweep's results only" in capsys.readouterr().err


def _every_figure(swept, four, spiral_run, eroding_run):
    for r in (swept, four, spiral_run, eroding_run):
        for kind in applicable_kinds(r):
            yield kind, figure(r, kind)


def _texts(fig) -> list[str]:
    texts = [fig.get_suptitle()]
    for ax in fig.axes:
        texts += [ax.get_xlabel(), ax.get_ylabel(), ax.get_title()]
        texts += _legend_texts(ax) + ([ax.get_legend().get_title().get_text()] if ax.get_legend() else [])
    for legend in fig.legends:
        texts += [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
    return [t for t in texts if t]


def _doubled_unit(text: str) -> str | None:
    for words, unit in re.findall(r"([^()]*)\(([^()]+)\)", text):
        if re.search(rf"(^|\W){re.escape(unit.strip())}(\W|$)", words):
            return unit
    return None


def test_labels_are_words_with_their_units_once(swept, four, spiral_run, eroding_run):
    kinds = set()
    for kind, fig in _every_figure(swept, four, spiral_run, eroding_run):
        kinds.add(kind)
        for text in _texts(fig):
            assert "_" not in text, (kind, text)
            assert not re.search(r"[A-Za-z]\.[A-Za-z]", text), (kind, text)  # no dotted key
            assert _doubled_unit(text) is None, (kind, text)
    assert kinds == {"staffing-curve", "heatmap", "required-agents", "cost-frontier", "intraday", "trajectories", "demand"}


def test_every_parameter_is_named_with_its_unit_once():
    import dataclasses as dc

    from simcenter.schema import Table, TableList

    def keys(section, prefix):
        for f in dc.fields(section):
            kind = f.metadata.get("kind")
            if isinstance(kind, TableList):
                yield from keys(kind.section, f"{prefix}{f.name}.0.")
            elif isinstance(kind, Table):
                yield from keys(kind.section, f"{prefix}{f.name}.")
            else:
                yield prefix + f.name

    seen = list(keys(Scenario, ""))
    assert len(seen) > 100
    for key in seen:
        label = parameter_label(key)
        assert "_" not in label and not re.search(r"[A-Za-z]\.[A-Za-z]", label), (key, label)
        assert _doubled_unit(label) is None, (key, label)
        unit = parameter_unit_words(key)
        assert not unit or f"({unit})" in label or f" {unit} " in f" {label} ", (key, label)  # a unit is given once
    assert parameter_label("agents.scale") == "staffing scale (× the plan)"
    assert parameter_label("contact_types.order_status.noncompliance") == "noncompliance of order status"
    assert parameter_label("patience.mean_s") == "mean patience (s)"


def test_no_legend_covers_data(swept, four, spiral_run, eroding_run):
    """Drawn with Agg, every legend's box meets no axes (so none of their data) and no
    point of any line, band, bar or label, and not the title."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for kind, fig in _every_figure(swept, four, spiral_run, eroding_run):
        FigureCanvasAgg(fig).draw()
        renderer = fig.canvas.get_renderer()
        legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + list(fig.legends)
        assert legends or kind == "heatmap", kind
        for legend in legends:
            box = legend.get_window_extent(renderer)
            assert not box.overlaps(fig._suptitle.get_window_extent(renderer)), kind
            for ax in fig.axes:
                assert not box.overlaps(ax.get_window_extent(renderer)), kind
                points = [line.get_transform().transform(np.column_stack(line.get_data()).astype(float)) for line in ax.get_lines()
                          if len(line.get_xdata())]
                points += [c.get_transform().transform(p.vertices) for c in ax.collections for p in c.get_paths()]
                points += [np.array(p.get_window_extent(renderer).get_points()) for p in ax.patches]
                points += [np.array(t.get_window_extent(renderer).get_points()) for t in ax.texts]
                for xy in points:
                    xy = xy[np.isfinite(xy).all(axis=1)]
                    inside = (xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1)
                    assert not inside.any(), kind


def test_captions_say_what_each_figure_shows(swept, four, spiral_run, eroding_run):
    for r in (swept, four, spiral_run, eroding_run):
        for kind in applicable_kinds(r):
            heading, caption = describe(r, kind)
            assert heading and heading != kind and "-" not in heading.replace("-minute", "") and heading[0].isupper(), heading
            assert "_" not in heading + caption and not re.search(r"[A-Za-z]\.[A-Za-z]", heading + caption), (kind, caption)
            assert "2 replications" in caption, (kind, caption)  # what ran: the spiral's file says 3
            if r.kind == "sweep":
                days = r.scenario.simulation
                assert f"{days.days} simulated day" in caption, caption
    _, caption = describe(swept, "staffing-curve")
    assert "95% confidence intervals over the replications" in caption and "target, 80% answered within 20 s" in caption
    _, caption = describe(spiral_run, "intraday")
    open_days = spiral_run.by_interval["day"].nunique()
    assert f"the {open_days} open days of the 21 simulated days after" in caption and "both axes start from zero" in caption
    assert describe(swept, "heatmap")[0] == "Service level over agents on duty and noncompliance of general"


def test_a_kind_that_does_not_apply_is_refused(swept, spiral_run, capsys, tmp_path):
    assert main(["plot", str(swept.path), "--kind", "intraday", "-o", str(tmp_path / "x.png")]) == 2
    assert "these can draw: staffing-curve" in capsys.readouterr().err
    assert main(["plot", str(spiral_run.path), "--kind", "heatmapp", "-o", str(tmp_path / "x.png")]) == 2
    assert main(["plot", str(swept.path), "--kind", "heatmap", "-o", str(tmp_path / "x.pdf")]) == 2
    assert main(["plot", str(tmp_path), "--kind", "heatmap", "-o", str(tmp_path / "x.png")]) == 2


def test_plot_functions_refuse_rows_that_several_points_share(swept):
    from simcenter import plots

    with pytest.raises(SimcenterError, match="fix the other swept parameters"):
        plots.heatmap(swept.summary, "agents.staffing", "contact_types.general.noncompliance", "cost")
    with pytest.raises(SimcenterError, match="fix the other swept parameters"):
        plots.staffing_curves(swept.summary, "agents.staffing", "contact_types.general.noncompliance")


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


def test_a_sweep_that_is_not_a_grid_is_drawn_only_where_no_slice_is_needed(swept, tmp_path, capsys):
    """A Latin hypercube (here: a grid with a point missing) has no slice at one value of a
    parameter holding a full grid of the others, nor a staffing search at every
    combination: those kinds are refused in one line, and the report leaves them out."""
    holed = dataclasses.replace(swept, summary=swept.summary[swept.summary.run_id != 0])
    assert applicable_kinds(holed) == []
    with pytest.raises(SimcenterError, match="needs a grid sweep"):
        figure(holed, "staffing-curve")
    with pytest.raises(SimcenterError, match="needs a grid sweep"):
        figure(holed, "cost-frontier")
    two = holed.summary[holed.summary["recovery.empowerment"] == 0.0].drop(columns="recovery.empowerment")
    two = dataclasses.replace(holed, summary=two, parameters=swept.parameters[:2])
    assert applicable_kinds(two) == ["staffing-curve", "heatmap"]  # each draws every swept parameter
    assert np.ma.getmaskarray(figure(two, "heatmap").axes[0].images[0].get_array()).sum() == 1  # the missing point, left empty


def test_a_target_no_swept_staffing_meets_is_drawn_and_reported(swept):
    """Where no staffing in the sweep meets the target, the staffing needed and its cost are
    unknown: the figures are drawn without those points and the report still renders."""
    from simcenter.present.report import html_report

    for kind in ("required-agents", "cost-frontier"):
        figure(swept, kind, target=0.9999)
    assert "<html" in html_report(swept, target=0.9999)


def test_a_metric_without_a_value_or_for_another_kind_is_refused(swept, spiral_run):
    """A metric with no value at any point would draw empty axes; --metric on a kind that
    draws its own metrics would be silently ignored. Both are refused in one line."""
    empty = swept.summary.assign(mean=lambda d: d["mean"].where(d.metric != "repeat_rate"))
    with pytest.raises(SimcenterError, match="repeat_rate: it has no value at any point"):
        figure(dataclasses.replace(swept, summary=empty), "heatmap", metric="repeat_rate")
    with pytest.raises(SimcenterError, match="--metric does not apply to --kind intraday"):
        figure(spiral_run, "intraday", metric="asa_s")


def test_swept_values_are_never_written_in_scientific_notation():
    from simcenter.present.words import value_words

    assert [value_words(v) for v in (1e6, 1e-5, 0.15, 13)] == ["1,000,000", "0.00001", "0.15", "13"]
