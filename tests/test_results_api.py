"""The Python face of a run: how results show themselves (repr, the notebook table), one
metric as a record, and the JSON named as the methods (the trace: tests/test_trace.py)."""

from __future__ import annotations

import html.parser
import io
import json
import math
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest

import simcenter
from simcenter.output.display import headline_metrics, number
from simcenter.output.metrics import METRICS, active_metrics, metric_words
from simcenter.output.results import MetricValue, Results
from simcenter.present.cli import main

ROOT = Path(__file__).parent.parent
SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")


from tests.runs import callbacks, example, plain  # noqa: F401,E402 (fixtures shared with the other results tests)


# -- repr and the notebook table ------------------------------------------------------------


def test_repr_is_a_few_lines_naming_the_run_and_its_headline_metrics(callbacks, plain):
    for s, r in (callbacks, plain):
        text = repr(r)
        lines = text.splitlines()
        assert 3 <= len(lines) <= 10 and all(len(line) <= 100 for line in lines), text
        assert repr(s.name) in lines[0] and f"{r.n_replications} replications" in lines[0] and f"seed {r.seed}" in lines[0]
        summary = r.summary().set_index("metric")
        for name in headline_metrics(s):
            row = summary.loc[name]
            line = next(line for line in lines if line.strip().startswith(metric_words(name)))
            assert number(row["mean"], row["unit"]) in line and number(row["ci_high"], row["unit"]) in line, line
        assert "nan" not in text.lower() and not SCIENTIFIC.search(text)
    assert "repeat rate" in repr(callbacks[1]) and "redials" in repr(callbacks[1])
    assert "repeat rate" not in repr(plain[1])  # no promises: no headline of theirs
    assert headline_metrics(plain[0]) == ["service_level", "asa_s", "abandon_rate"]
    one = simcenter.simulate(plain[0], replications=1, seed=2)
    assert "1 replication," in repr(one) and "[" not in repr(one) and "no intervals" in repr(one)


class _Table(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.tags = [], None, []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        assert self.tags and self.tags[-1] == tag, f"</{tag}> closes <{self.tags[-1] if self.tags else None}>"
        self.tags.pop()
        if tag in ("td", "th"):
            self.rows[-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def test_repr_html_is_a_table_of_the_metrics_the_scenario_uses(callbacks, plain):
    for s, r in (callbacks, plain):
        page = r._repr_html_()
        parser = _Table()
        parser.feed(page)
        parser.close()
        assert not parser.tags, "every tag closed"
        header, *rows = parser.rows
        assert header == ["metric", "mean", "95% interval", "unit"]
        summary = r.summary().set_index("metric")
        expected = [m for m in active_metrics(s) if math.isfinite(summary.loc[m, "mean"])]
        assert [row[0] for row in rows] == [metric_words(m) for m in expected]
        for (words, mean, interval, unit), name in zip(rows, expected):
            assert unit == METRICS[name][1] and mean == number(summary.loc[name, "mean"], unit)
            low, high = (number(summary.loc[name, c], unit) for c in ("ci_low", "ci_high"))
            assert interval == f"{low} to {high}"
        assert len(rows) < len(METRICS)  # metrics of mechanisms not used are left out
        assert "nan" not in page.lower() and not SCIENTIFIC.search(page)
    # a metric undefined in the run is left out: on the first day no broken promise has brought a repeat back yet
    s = example("noncompliance", **{"simulation.days": 1, "simulation.warmup_days": 0})
    r = simcenter.simulate(s, replications=2, seed=1)
    undefined = [m for m in active_metrics(s) if not math.isfinite(r.metric(m).mean)]
    assert "recovery_rate" in undefined
    page = r._repr_html_()
    assert all(f">{metric_words(m)}<" not in page for m in undefined) and f">{metric_words('repeat_rate')}<" in page
    assert "nan" not in page.lower()


def test_repr_html_escapes_what_the_user_wrote():
    s = example("erlang_a", **{"simulation.days": 1}).replace({"name": "<b>A & B</b>"})
    page = simcenter.simulate(s, replications=2, seed=1)._repr_html_()
    assert "<b>" not in page and "&lt;b&gt;A &amp; B&lt;/b&gt;" in page


def test_every_mechanism_has_one_headline_of_its_own():
    from simcenter.output.display import GROUP_HEADLINES
    from simcenter.output.metrics import GROUPS, METRIC_GROUPS

    assert set(GROUP_HEADLINES) == set(GROUPS)
    assert all(metric in METRIC_GROUPS[group] for group, metric in GROUP_HEADLINES.items())


def test_numbers_are_written_as_the_run_table_writes_them():
    assert number(0.812345, "fraction") == "0.8123"
    assert number(12345.678, "contacts") == "12,345.7"
    assert number(1.5e12, "currency") == "1,500,000,000,000.00"
    assert number(-1e-9, "fraction") == "0.0000"  # never "-0.0000"
    assert number(float("nan"), "s") == "-" and number(None, "s") == "-"
    assert not SCIENTIFIC.search(number(1e-30, "s") + number(9.9e25, "h"))


# -- one metric, as a record ----------------------------------------------------------------


def test_metric_is_a_named_record_equal_to_the_summary(plain):
    _, r = plain
    summary = r.summary().set_index("metric")
    for name in ("service_level", "asa_s", "offered", "agent_hours"):
        m = r.metric(name)
        assert isinstance(m, MetricValue) and m.name == name and m.unit == METRICS[name][1] and m.confidence == 0.95
        assert (m.mean, m.ci_low, m.ci_high) == tuple(summary.loc[name, ["mean", "ci_low", "ci_high"]])
    m = r.metric("service_level")
    with pytest.raises(AttributeError):
        m.mean = 1.0  # frozen
    assert str(m) == f"service_level {number(m.mean, 'fraction')} (95% interval {number(m.ci_low, 'fraction')} to " \
                     f"{number(m.ci_high, 'fraction')})"
    wide = r.metric("service_level", confidence=0.99)
    assert wide.ci_low <= m.ci_low and wide.ci_high >= m.ci_high and wide.mean == m.mean


def test_an_unknown_metric_is_refused_naming_the_metrics_there_are(plain):
    _, r = plain
    with pytest.raises(KeyError) as err:
        r.metric("service_levle")
    message = str(err.value)
    assert "service_levle" in message and all(name in message for name in METRICS)
    with pytest.raises(KeyError, match="per queue"):
        simcenter.simulate(example("multiskill", **{"simulation.days": 1}), replications=2).metric("service_level[nowhere]")


# -- the JSON, named as the methods ---------------------------------------------------------


def test_json_keys_are_the_names_of_the_methods_that_give_the_same_data(plain):
    _, r = plain
    doc = r.to_json()
    assert set(doc) == {"scenario_name", "seed", "n_replications", "summary"}
    assert doc["scenario_name"] == r.scenario_name == r.scenario.name
    assert doc["seed"] == r.seed and doc["n_replications"] == r.n_replications
    table = r.summary()
    assert list(doc["summary"]) == table.metric.tolist()
    for row in table.itertuples():
        got = doc["summary"][row.metric]
        assert got["unit"] == row.unit
        for key in ("mean", "ci_low", "ci_high"):
            value = getattr(row, key)
            assert got[key] == (value if math.isfinite(value) else None)


def test_json_of_skill_groups_and_of_the_command_line():
    s = example("multiskill", **{"simulation.days": 1})
    r = simcenter.simulate(s, replications=2, seed=3)
    doc = r.to_json()
    assert set(doc) == {"scenario_name", "seed", "n_replications", "summary", "by_queue", "by_group"}
    for key, label in (("by_queue", "queue"), ("by_group", "group")):
        table = getattr(r, key)()
        for row in table.itertuples():
            entry = doc[key][getattr(row, label)][row.metric]
            assert entry["unit"] == row.unit and (entry["mean"] is None or entry["mean"] == row.mean)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["run", str(ROOT / "scenarios/multiskill.toml"), "--set", "simulation.days=1", "--replications", "2",
                     "--seed", "3", "--json"]) == 0
    cli = json.loads(out.getvalue())
    # every key is a Results method or attribute; precision (only with --precision) is the run's, not the results'
    assert all(hasattr(Results, key) or hasattr(r, key) for key in cli)
    assert cli["warmup_report"] == r.warmup_report()
    assert {k: v for k, v in cli.items() if k != "warmup_report"} == json.loads(json.dumps(doc))
