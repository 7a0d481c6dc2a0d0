"""``simcenter compare``: intervals that stay within what each metric can take, sides named
by what differs, unused metrics left out, a warning when replications are too few, progress
and ``--quiet``.

The central check (:func:`test_compare_never_prints_an_interval_outside_a_metric_range`)
runs every metric of the registry: two scenarios that switch every mechanism on, compared
with two replications so that Student-t intervals are wide (12.7 standard errors each way),
the printed table and ``--json`` both read back and held to each metric's range. The same
runs' replications, taken apart, show that the raw t intervals do leave those ranges, so
the check would fail without the cut.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simcenter
from simcenter.cli import main
from simcenter.output.analysis import confidence_interval, paired_interval
from simcenter.output.metrics import METRICS, REGISTRY, RANGES, active_metrics, metric_range
from simcenter.present.comparecmd import MIN_PAIRS, few_replications, label_sides

ROOT = Path(__file__).parent.parent

#: Every mechanism on (promises, workforce, concessions, after-hours, redials, value), small
#: enough that two replications of each side take well under a second.
EVERYTHING = {
    "simulation.days": 3, "simulation.warmup_days": 1, "value.enabled": True, "arrivals.calls_per_day": 800.0,
    "agents.scale": 0.34, "workforce.headcount": 20, "policy.out_of_policy_prob": 0.05, "policy.override_prob": 0.3,
    "calendar.after_hours": "conceded", "promises.outages": [{"start_day": 2, "end_day": 4, "noncompliance": 0.6}],
}

def _rounding(unit: str) -> float:
    """Half the last digit ``compare`` prints for ``unit``: how far a printed number may lie
    from the exact one."""
    from simcenter.output.display import COUNT_UNITS, FINE_UNITS

    return 0.5e-4 if unit in FINE_UNITS else 0.05 if unit in COUNT_UNITS else 0.005


@pytest.fixture(scope="module")
def everything():
    s = simcenter.Scenario.from_file(ROOT / "scenarios/spiral.toml").replace(EVERYTHING)
    assert set(active_metrics(s)) == set(METRICS), "the scenario must switch every mechanism on"
    return s


def _number(cell: str) -> float:
    cell = cell.rstrip("*")
    return math.nan if cell == "-" else float(cell.replace(",", ""))


def _table(out: str) -> dict[str, dict]:
    """The rows of a printed compare table: metric -> {a, b, diff, low, high, significant, unit}."""
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("metric "))
    rows = {}
    for line in lines[head + 2:]:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) != 8:
            break
        name, a, b, diff, low, high, significant, unit = cells
        rows[name] = {"a": _number(a), "b": _number(b), "diff": _number(diff), "low": _number(low), "high": _number(high),
                      "low_cut": low.endswith("*"), "high_cut": high.endswith("*"), "significant": significant, "unit": unit}
    return rows


def _bounds(name: str, record: dict) -> tuple[float, float]:
    """What B - A of metric ``name`` can be, given the metric's range and each side's own
    interval (from ``--json``): the rule documented in ``paired_interval``."""
    lo, hi = metric_range(name)
    with np.errstate(invalid="ignore"):
        floor = np.nanmax([lo - hi, lo - _f(record["ci_high_a"]), _f(record["ci_low_b"]) - hi])
        ceiling = np.nanmin([hi - lo, _f(record["ci_high_b"]) - lo, hi - _f(record["ci_low_a"])])
    return float(floor), float(ceiling)


def _f(x) -> float:
    return math.nan if x is None else float(x)


def _check_json(doc: dict) -> set[str]:
    """Every record of ``compare --json`` within its metric's range; returns the metrics
    whose interval was cut."""
    cut = set()
    for r in doc["metrics"]:
        name = r["metric"]
        lo, hi = metric_range(name)
        for side in ("a", "b"):
            for key in (f"mean_{side}", f"ci_low_{side}", f"ci_high_{side}"):
                if r[key] is not None:
                    assert lo <= r[key] <= hi, (name, key, r[key], (lo, hi))
        if r["ci_low"] is None:
            assert r["ci_high"] is None and r["pairs"] < 2
            continue
        floor, ceiling = _bounds(name, r)
        assert lo - hi <= r["ci_low"] <= r["diff"] <= r["ci_high"] <= hi - lo, (name, r)
        assert floor - 1e-9 <= r["ci_low"] and r["ci_high"] <= ceiling + 1e-9, (name, r, floor, ceiling)
        if RANGES[name] == (0.0, 1.0):
            assert -1.0 <= r["ci_low"] <= r["ci_high"] <= 1.0
        if r["cut_low"] or r["cut_high"]:
            cut.add(name)
    return cut


def _check_printed(rows: dict, doc: dict) -> None:
    """Every printed row within its metric's range, up to the printed rounding."""
    records = {r["metric"]: r for r in doc["metrics"]}
    for name, row in rows.items():
        lo, hi = metric_range(name)
        tol = _rounding(row["unit"])
        for key in ("a", "b"):
            assert lo - tol <= row[key] <= hi + tol, (name, key, row)
        if math.isnan(row["low"]):
            continue
        floor, ceiling = _bounds(name, records[name])
        assert max(lo - hi, floor) - tol <= row["low"] <= row["diff"] + tol, (name, row, floor)
        assert row["diff"] - tol <= row["high"] <= min(hi - lo, ceiling) + tol, (name, row, ceiling)
        assert row["low_cut"] == records[name]["cut_low"] and row["high_cut"] == records[name]["cut_high"]


def _raw_outside(a, b, seed: int) -> set[str]:
    """The metrics whose plain Student-t intervals, from the replications of ``a`` and ``b``
    run apart, go past what B - A or either side can take."""
    ra = simcenter.simulate(a, replications=2, seed=seed).replications()
    rb = simcenter.simulate(b, replications=2, seed=seed).replications()
    outside = set()
    for name in METRICS:
        lo, hi = metric_range(name)
        _, low, high = confidence_interval(rb[name].to_numpy() - ra[name].to_numpy())
        _, low_a, high_a = confidence_interval(ra[name].to_numpy())
        _, low_b, high_b = confidence_interval(rb[name].to_numpy())
        if low < lo - hi or high > hi - lo or low < lo - high_a or high > high_b - lo or low < low_b - hi or high > hi - low_a:
            outside.add(name)
    return outside


def test_compare_never_prints_an_interval_outside_a_metric_range(everything, tmp_path, capsys):
    """Every metric, printed and in JSON: each side's mean and interval within the metric's
    range, and each difference's interval within what B - A can take ([-1, 1] for a
    fraction or a level; for any metric no further than the two sides' intervals allow),
    around its estimate. Two comparisons: one file changed by --a/--b (a center starved of
    agents against the same center, so shares run to their bounds), and two files."""
    path = tmp_path / "everything.toml"
    path.write_text(everything.to_toml())
    other = tmp_path / "recovered.toml"
    other.write_text(everything.replace({"agents.scale": 0.6, "recovery.empowerment": 1.0}).to_toml())
    seed = 7
    cut, shown = set(), set()
    for argv in (["compare", str(path), "--a", "agents.scale=0.34", "--b", "agents.scale=0.15"], ["compare", str(path), str(other)]):
        argv += ["--replications", "2", "--seed", str(seed)]
        assert main(argv + ["--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert [r["metric"] for r in doc["metrics"]] == list(METRICS) and all(r["used"] for r in doc["metrics"])
        cut |= _check_json(doc)
        assert main(argv) == 0
        out = capsys.readouterr().out
        rows = _table(out)
        assert list(rows) == list(METRICS), "every metric is shown: both scenarios use every mechanism"
        assert "left out" not in out
        _check_printed(rows, doc)
        shown |= set(rows)
        if any(r["cut_low"] or r["cut_high"] for r in doc["metrics"]):
            assert "* moved to what B - A can take" in out
    assert shown == set(METRICS)
    # the check has teeth: the plain t intervals of these runs leave the ranges, and
    # exactly those were cut
    starved = everything.replace({"agents.scale": 0.15})
    outside = _raw_outside(everything, starved, seed)
    assert outside, "two replications of a starved center must give t intervals past the ranges"
    assert any(RANGES[m] == (0.0, 1.0) for m in outside) and any(RANGES[m][1] == math.inf for m in outside)
    assert outside <= cut


_FINITE = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def _paired_values(draw):
    """A metric and its values in n paired replications: within the metric's range, with
    undefined (NaN) replications, ties and values at the bounds."""
    metric = draw(st.sampled_from(REGISTRY))
    lo, hi = metric.range
    n = draw(st.integers(2, 8))
    scale = 1.0 if hi == 1.0 else draw(st.sampled_from([1.0, 50.0, 1e4]))
    low = lo if math.isfinite(lo) else -scale
    high = hi if math.isfinite(hi) else scale

    def value():
        return draw(st.one_of(st.just(low), st.just(high), st.floats(low, high, allow_nan=False), st.just(math.nan)))

    a = [value() for _ in range(n)]
    b = [value() for _ in range(n)] if draw(st.booleans()) else [x + draw(st.sampled_from([0.0, (high - low) / 10])) if
                                                                  not math.isnan(x) and x + (high - low) / 10 <= high else x for x in a]
    return metric.name, np.array(a), np.array(b)


@settings(max_examples=400, deadline=None)
@given(_paired_values())
def test_paired_interval_stays_within_what_the_difference_can_take(case):
    """For any metric and any values it can take: each side within its range, the
    difference's interval within [lo - hi, hi - lo] and what the sides allow, holding its
    estimate; moved only where the t interval went past, and never changing whether it
    holds 0."""
    name, a, b = case
    lo, hi = metric_range(name)
    p = paired_interval(name, a, b)
    for value in (p.mean_a, p.ci_low_a, p.ci_high_a, p.mean_b, p.ci_low_b, p.ci_high_b):
        assert math.isnan(value) or lo <= value <= hi
    diff, low, high = confidence_interval(b - a)
    assert p.pairs == int(np.sum(~np.isnan(b - a)))
    if math.isnan(low):
        assert math.isnan(p.ci_low) and math.isnan(p.ci_high) and not (p.cut_low or p.cut_high)
        return
    assert lo - hi <= p.ci_low <= p.diff <= p.ci_high <= hi - lo
    floor, ceiling = _bounds(name, p._asdict())
    assert p.ci_low >= min(floor, p.diff) - 1e-12 and p.ci_high <= max(ceiling, p.diff) + 1e-12
    assert p.cut_low == (low < p.ci_low) and p.cut_high == (high > p.ci_high)
    assert (p.ci_low if p.cut_low else low) == p.ci_low and (p.ci_high if p.cut_high else high) == p.ci_high
    assert (low <= 0 <= high) == (p.ci_low <= 0 <= p.ci_high)


def test_numbers_are_printed_without_a_minus_on_zero():
    from simcenter.present.comparecmd import _cell

    assert _cell(-0.00001, "fraction") == "0.0000" and _cell(-0.0001, "fraction") == "-0.0001"
    assert _cell(-0.001, "ratio") == "-0.0010" and _cell(-0.004, "contacts") == "0.0" and _cell(math.nan, "s") == "-"
    assert _cell(-1234.5, "currency") == "-1,234.50"


def test_a_fraction_difference_is_cut_to_one():
    """Two replications of a share that moves from near 0 to near 1: the t interval runs
    past 1; the printed one stops at 1 and says so."""
    p = paired_interval("service_level", [0.0, 0.0, 0.3], [0.9, 1.0, 1.0])
    _, _, high = confidence_interval(np.array([0.9, 1.0, 0.7]))
    assert high > 1 and p.ci_high == 1.0 and p.cut_high and not p.cut_low


# -- labels ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    return simcenter.Scenario.from_file(ROOT / "scenarios/erlang_a.toml").replace({"simulation.days": 1})


def test_two_files_are_named_by_their_stems_or_paths(small, tmp_path):
    for folder in ("old", "new"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "center.toml").write_text(small.to_toml())
    (tmp_path / "steady.toml").write_text(small.to_toml())
    a, b = small, small.replace({"agents.staffing": 15})
    side_a, side_b = label_sides(str(tmp_path / "steady.toml"), str(tmp_path / "old/center.toml"), {}, {}, a, b)
    assert (side_a.label, side_b.label) == ("steady", "center")
    side_a, side_b = label_sides(str(tmp_path / "old/center.toml"), str(tmp_path / "new/center.toml"), {}, {"agents.staffing": 15}, a, b)
    assert side_a.label == "old/center" and side_b.label == "new/center with agents.staffing=15"
    assert side_b.words == "new/center with agents on duty 15"
    # the same file twice is one file: named by what the overrides change
    side_a, side_b = label_sides(str(tmp_path / "steady.toml"), str(tmp_path / "steady.toml"), {}, {"agents.staffing": 15}, a, b)
    assert (side_a.label, side_b.label) == ("agents.staffing=14", "agents.staffing=15")


def test_one_file_is_named_by_the_overrides_each_side_has(small):
    a, b = small.replace({"agents.scale": 1.2}), small.replace({"agents.scale": 1.4})
    side_a, side_b = label_sides("x.toml", None, {"agents.scale": 1.2}, {"agents.scale": 1.4}, a, b)
    assert (side_a.label, side_b.label) == ("agents.scale=1.2", "agents.scale=1.4")
    assert (side_a.words, side_b.words) == ("staffing scale 1.2", "staffing scale 1.4")
    # a key changed on one side only: the other side shows the file's value
    b = small.replace({"callbacks.priority": "deadline", "agents.staffing": 16})
    side_a, side_b = label_sides("x.toml", None, {}, {"callbacks.priority": "deadline", "agents.staffing": 16}, small, b)
    assert side_a.label == "callbacks.priority=inbound_first, agents.staffing=14"
    assert side_b.label == "callbacks.priority=deadline, agents.staffing=16"
    # long labels: the columns use the keys' last parts, or else A and B
    assert (side_a.column(side_b, "A"), side_b.column(side_a, "B")) == ("A", "B")
    long_a = small.replace({"contact_types.general.handle_time.mean_s": 170.0})
    long_b = small.replace({"contact_types.general.handle_time.mean_s": 190.0})
    side_a, side_b = label_sides("x.toml", None, {"contact_types.general.handle_time.mean_s": 170.0},
                                 {"contact_types.general.handle_time.mean_s": 190.0}, long_a, long_b)
    assert side_a.label == "contact_types.general.handle_time.mean_s=170"
    assert (side_a.column(side_b, "A"), side_b.column(side_a, "B")) == ("mean_s=170", "mean_s=190")
    assert side_a.words == "mean handling time of general 170"


def test_the_table_and_json_name_the_sides(capsys):
    erlang = str(ROOT / "scenarios/erlang_a.toml")
    argv = ["compare", erlang, "--set", "simulation.days=1", "--a", "agents.scale=1.2", "--b", "agents.scale=1.4", "--replications", "2",
            "--metrics", "service_level,asa_s"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("A: agents.scale=1.2 (staffing scale 1.2)\nB: agents.scale=1.4 (staffing scale 1.4)\n")
    header = next(line for line in out.splitlines() if line.startswith("metric "))
    assert re.split(r"\s{2,}", header) == ["metric", "agents.scale=1.2", "agents.scale=1.4", "B - A", "ci_low", "ci_high",
                                          "significant", "unit"]
    assert main(argv + ["--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["a"]["label"] == "agents.scale=1.2" and doc["b"]["overrides"] == {"agents.scale": 1.4}
    assert doc["both"] == {"simulation.days": 1} and doc["replications"] == 2 and doc["difference"] == "b - a"
    assert main(["compare", erlang, str(ROOT / "scenarios/skill_chaining.toml"), "--set", "simulation.days=1", "--replications", "2",
                 "--metrics", "offered", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["a"]["label"], doc["b"]["label"]) == ("erlang_a", "skill_chaining")


# -- what the table shows ------------------------------------------------------------


def test_metrics_of_mechanisms_neither_side_uses_are_left_out(capsys):
    """erlang_a uses no optional mechanism; multiskill adds after-hours and redials: the
    table shows their union and counts the rest; --json keeps every metric."""
    argv = ["compare", str(ROOT / "scenarios/erlang_a.toml"), str(ROOT / "scenarios/multiskill.toml"), "--set", "simulation.days=1",
            "--replications", "5"]
    a = simcenter.Scenario.from_file(ROOT / "scenarios/erlang_a.toml")
    b = simcenter.Scenario.from_file(ROOT / "scenarios/multiskill.toml")
    used = [m for m in METRICS if m in set(active_metrics(a)) | set(active_metrics(b))]
    assert set(active_metrics(a)) < set(used) < set(METRICS)
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert list(_table(out)) == used
    assert f"({len(METRICS) - len(used)} metrics of mechanisms neither scenario uses are left out here; --json has all)" in out
    assert main(argv + ["--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["metric"] for r in doc["metrics"]] == list(METRICS)
    assert [r["metric"] for r in doc["metrics"] if r["used"]] == used
    # metrics asked for by name are shown, used or not, and nothing is said left out
    assert main(argv + ["--metrics", "service_level,morale_mean"]) == 0
    out = capsys.readouterr().out
    assert list(_table(out)) == ["service_level", "morale_mean"] and "left out" not in out


# -- too few replications -------------------------------------------------------------


def test_too_few_replications_are_warned_about(capsys):
    argv = ["compare", str(ROOT / "scenarios/erlang_a.toml"), "--set", "simulation.days=1", "--b", "agents.staffing=15",
            "--metrics", "service_level,asa_s"]
    assert main(argv + ["--replications", "3"]) == 0
    err = capsys.readouterr().err.splitlines()
    warnings = [line for line in err if line.startswith("simcenter: warning:")]
    assert len(warnings) == 1
    assert "only 3 paired replications" in warnings[0] and "2 degrees of freedom" in warnings[0]
    assert "4.30" in warnings[0] and "--replications 10" in warnings[0]
    assert main(argv + ["--replications", str(MIN_PAIRS)]) == 0
    assert "warning" not in capsys.readouterr().err


def test_a_metric_defined_in_few_replications_is_warned_about():
    """Enough replications, but a ratio with something to divide in only 2 of them: its
    interval rests on 2 pairs, and the warning names it and asks for enough replications
    to expect 5."""
    import pandas as pd

    table = pd.DataFrame({"metric": ["service_level", "aht_repeat_s", "value_per_recovery"], "pairs": [20, 2, 0]})
    text = few_replications(20, table, ["service_level", "aht_repeat_s", "value_per_recovery"])
    assert text.startswith("aht_repeat_s has a value on both sides in only 2 of the 20 replications")
    assert "--replications 50" in text
    assert few_replications(20, table, ["service_level"]) is None
    assert "only 4 paired replications" in few_replications(4, table, ["service_level"])


# -- progress and --quiet -------------------------------------------------------------


def test_progress_counts_the_replications_of_both_sides_and_quiet_silences_it(capsys, monkeypatch):
    monkeypatch.setattr("simcenter.present.progress._is_terminal", lambda: True)
    argv = ["compare", str(ROOT / "scenarios/erlang_a.toml"), "--set", "simulation.days=1", "--b", "agents.staffing=15",
            "--replications", "5", "--metrics", "service_level"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "compare" in err and "10/10" in err and "replication" in err
    assert err.rstrip().splitlines()[-1].startswith("compared agents.staffing=14 (A) and agents.staffing=15 (B) over 5 paired replications")
    assert main(argv + ["--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [captured.err.splitlines()[-1]]
    assert captured.err.startswith("compared agents.staffing=14 (A) and agents.staffing=15 (B) over 5 paired replications")
    assert "service_level" in captured.out


def test_compare_reports_its_progress_to_a_callback(small):
    calls = []
    simcenter.compare(small, small.replace({"agents.staffing": 15}), replications=3, metrics=["asa_s"],
                      progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 6) for i in range(1, 7)]
