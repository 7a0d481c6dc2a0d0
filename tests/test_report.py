"""The HTML report's content, read as text and as tables: numbers as the ``run`` table
formats them (never in scientific notation, never NaN), each with its unit and 95%
interval; the metrics of unused mechanisms left out and said so; the sweep table with its
swept parameters in words; each figure with a heading and a caption saying what it rests
on; the scenario as it ran with its overrides, seed and replications marked; a table of
contents whose links all land. (How the page looks in a browser: test_report_browser.py.)
"""

import html
import json
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from simcenter.cli import main
from simcenter.output.metrics import METRICS, active_metrics
from simcenter.present.numbers import format_number
from simcenter.present.words import metric_words, parameter_words
from simcenter.report import applicable_kinds, html_report, load_results
from simcenter.sweep import sweep

ROOT = Path(__file__).parent.parent

#: A three-axis sweep (every sweep figure applies), short days, promises that no point sees
#: kept or broken within the horizon (promise_keep_rate has no value anywhere).
SWEEP = {
    "base": str(ROOT / "scenarios/erlang_a.toml"),
    "replications": 2,
    "metrics": ["service_level", "asa_s", "cost", "agent_hours", "repeat_rate", "promise_keep_rate", "morale_mean"],
    "set": {"simulation.days": 1, "simulation.warmup_days": 1, "calendar.open": "08:00", "calendar.close": "12:00",
            "contact_types[0].promise_prob": 0.6, "promises.notice_delay.mean_h": 4.0},
    "axes": {"agents.staffing": [13, 16, 19], "contact_types.general.noncompliance": [0.0, 0.3], "recovery.empowerment": [0.0, 1.0]},
}


class Tables(HTMLParser):
    """Every table of a page: its label, header cells and rows, each cell's text."""

    def __init__(self, page: str):
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list | None = None
        self._row: list | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"label": attrs.get("aria-label", ""), "id": attrs.get("id"), "head": [], "rows": []})
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" | ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self.tables[-1]
            if table["head"]:
                table["rows"].append(self._row)
            else:
                table["head"] = self._row
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def named(self, label: str) -> dict:
        """The first table whose label starts with ``label``."""
        found = [t for t in self.tables if t["label"].startswith(label)]
        assert found, f"no table labelled {label!r}; tables: {[t['label'] for t in self.tables]}"
        return found[0]


def _rows(table: dict) -> list:
    return table["rows"]


def visible_text(page: str) -> str:
    """The page's text as a reader sees it: no script, style, tags or image data."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"</?(p|div|td|th|tr|li|dt|dd|h\d|br|section|header|nav|figure|figcaption|pre|table|ul|ol)\b[^>]*>", " ", page)
    page = re.sub(r"<[^>]+>", "", page)  # inline tags (code, small, mark...) join their text
    return re.sub(r"\s+", " ", html.unescape(page))


def all_text(page: str) -> str:
    """Everything but the images' data, the style and the script: text and attributes."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r'src="data:image/png;base64,[^"]*"', "", page)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    args = ["run", str(ROOT / "scenarios/erlang_a.toml"), "--set", "simulation.days=2", "--set", "agents.staffing=12",
            "--replications", "3", "--seed", "7", "--out", str(out)]
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(args) == 0
    r = load_results(out)
    return r, html_report(r), printed.getvalue()


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "out"
    sweep(SWEEP, executor="serial", out=out)
    r = load_results(out)
    return r, html_report(r)


@pytest.fixture(scope="module")
def groups(tmp_path_factory):
    out = tmp_path_factory.mktemp("groups") / "out"
    assert main(["run", str(ROOT / "scenarios/multiskill.toml"), "--set", "simulation.days=1", "--set", "simulation.warmup_days=0",
                 "--replications", "2", "--out", str(out)]) == 0
    r = load_results(out)
    return r, html_report(r)


@pytest.fixture(params=["run", "swept", "groups"])
def report(request):
    return request.getfixturevalue(request.param)[:2]


def test_no_scientific_notation_and_no_nan_anywhere(report):
    r, page = report
    text = all_text(page)
    assert not re.search(r"\d[eE][+-]?\d", text), re.search(r".{40}\d[eE][+-]?\d.{20}", text).group(0)
    assert not re.search(r"\bnan\b|\binf\b", text, re.I), re.search(r".{40}(\bnan\b|\binf\b).{20}", text, re.I).group(0)


def test_run_summary_is_the_run_table_in_words_with_units_and_intervals(run):
    r, page, printed = run
    table = Tables(page).named("The run's metrics")
    assert table["head"] == ["Metric", "Mean", "95% interval", "Unit"]
    rows = {row[0]: row for row in _rows(table)}
    means = r.summary.set_index("metric")["mean"]
    shown = [m for m in active_metrics(r.scenario) if means.notna()[m]]
    assert len(rows) == len(shown)
    cli = {line.split()[0]: line.split() for line in printed.splitlines() if line.split() and line.split()[0] in METRICS}
    for m in shown:
        words = metric_words(m)
        row = next(v for k, v in rows.items() if k == words or k.startswith(words + " "))
        unit = METRICS[m][1]
        assert row[3] == ("%" if unit == "fraction" else unit)
        low, high = row[2].split(" to ")
        if unit == "fraction":  # as a percentage: the run table's fraction times 100
            assert [row[1], low, high] == [f"{float(x) * 100:.2f}%" for x in cli[m][1:4]]
        else:  # exactly as the run table prints it
            assert [row[1], low, high] == cli[m][1:4]


def test_unused_mechanisms_are_left_out_and_counted(run):
    r, page, _ = run
    text = visible_text(page)
    unused = [m for m in METRICS if m not in active_metrics(r.scenario)]
    assert unused
    cells = [row[0] for row in _rows(Tables(page).named("The run's metrics"))]
    for m in unused:
        assert not any(c == metric_words(m) or c.startswith(metric_words(m) + " ") for c in cells), m
    assert f"{len(unused)} metrics of mechanisms this scenario does not use are left out" in text


def test_metrics_without_a_value_are_left_out_and_named(swept):
    r, page = swept
    summary = r.summary
    assert summary[summary.metric == "promise_keep_rate"]["mean"].isna().all()  # the premise
    text = visible_text(page)
    assert "1 metric has no value at any point and is left out (promise keep rate" in text
    head = Tables(page).named("Results by point")["head"]
    assert not any("morale" in h or "promise keep rate" in h for h in head)  # unused (workforce off) or without a value
    assert "1 metric of mechanisms this scenario does not use is left out" in text


def test_sweep_table_names_parameters_in_words_with_keys_units_and_intervals(swept):
    r, page = swept
    tables = Tables(page)
    table = tables.named("Results by point")
    head = table["head"]
    assert head[0] == "Point"
    for i, p in enumerate(r.parameters, 1):  # the words, then the dotted key
        assert head[i].startswith(parameter_words(p)) and head[i].endswith(p), head[i]
    shown = ["service_level", "asa_s", "cost", "agent_hours", "repeat_rate"]
    assert head[1 + len(r.parameters):] == [f"{metric_words(m)} | {'%' if METRICS[m][1] == 'fraction' else METRICS[m][1]}"
                                            for m in shown]
    rows = _rows(table)
    assert len(rows) == r.summary.run_id.nunique() == 12
    by = r.summary.set_index(["run_id", "metric"])
    for row in rows:
        point = int(row[0]) - 1
        for m, cell in zip(shown, row[1 + len(r.parameters):]):
            mean, low, high = by.loc[(point, m), ["mean", "ci_low", "ci_high"]]
            unit = METRICS[m][1]
            show = (lambda x: f"{x * 100:,.2f}%") if unit == "fraction" else (lambda x: format_number(x, unit))
            assert cell == f"{show(mean)} | {show(low)} to {show(high)}"
    # sortable and paged by the page's own script; nothing fetched
    assert 'class="data js-table"' in page and "<button type=\"button\" class=\"sort\">" in page
    assert not re.search(r'(src|href)="(?!data:|#)', page)


def test_every_figure_has_a_heading_and_a_caption_saying_what_it_rests_on(report):
    r, page = report
    figures = re.findall(r'<figure id="fig-([\w-]+)"><h3>([^<]+)</h3><img alt="([^"]+)" data-kind="([\w-]+)" '
                         r'src="data:image/png;base64,[^"]+"><figcaption>([^<]+)</figcaption></figure>', page)
    assert [f[0] for f in figures] == applicable_kinds(r) == [f[3] for f in figures]
    reps = r.about["replications"]
    for kind, heading, alt, _, caption in figures:
        assert heading == alt and heading != kind  # in words, not the command line's kind
        assert "replication" in caption and ("95%" in caption or "No intervals are drawn" in caption)
        if r.kind == "run":  # the replications run; the intraday figure also its intervals (the others are per day or week)
            assert f"{reps} replications" in caption
            assert kind != "intraday" or f"{r.scenario.simulation.interval_minutes}-minute interval" in caption


def test_table_of_contents_links_land_on_ids(report):
    _, page = report
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    links = re.findall(r'href="#([^"]+)"', toc)
    assert {"summary", "figures", "scenario", "about"} <= set(links)
    assert all(link in ids for link in links), [link for link in links if link not in ids]
    assert all(link in ids for link in re.findall(r'href="#([^"]+)"', page))


def test_run_scenario_shows_overrides_seed_and_replications_as_run(run):
    r, page, _ = run
    assert r.about["overrides"] == {"simulation.days": 2, "agents.staffing": 12}
    scenario = page[page.index('<section id="scenario">'):]
    changes = _rows(Tables(scenario).named("Changes given with --set"))
    assert [row[1:] for row in changes] == [["simulation.days", "2"], ["agents.staffing", "12"]]
    marked = re.findall(r"<mark>([^<]+)</mark>\s*<span class=\"comment\"># ([^<]+)</span>", scenario)
    assert ("days = 2", "--set simulation.days=2") in marked
    assert ("staffing = 12", "--set agents.staffing=12") in marked
    assert ("replications = 10", "this run used 3 replications") in marked  # the file said 10; --replications 3
    assert ("seed = 20261122", "this run used seed 7") in marked
    text = visible_text(scenario)
    assert "Seed 7 (given with --seed" in text and "Replications 3 (given with --replications" in text


def test_sweep_scenario_shows_set_axes_and_replications(swept):
    r, page = swept
    scenario = page[page.index('<section id="scenario">'):]
    tables = Tables(scenario)
    fixed = {row[1]: row[2] for row in _rows(tables.named("Changes applied to every point"))}
    assert fixed == {"calendar.close": "12:00", "calendar.open": "08:00", "contact_types[0].promise_prob": "0.6",
                     "promises.notice_delay.mean_h": "4", "simulation.days": "1", "simulation.warmup_days": "1"}
    axes = {row[1]: row[2] for row in _rows(tables.named("Swept parameters"))}
    assert axes == {"agents.staffing": "13, 16, 19", "contact_types.general.noncompliance": "0, 0.3", "recovery.empowerment": "0, 1"}
    marked = {html.unescape(line): html.unescape(note)
              for line, note in re.findall(r"<mark>([^<]+)</mark>\s*<span class=\"comment\"># ([^<]+)</span>", scenario)}
    assert marked["promise_prob = 0.6"] == marked["open = \"08:00\""] == "[set] of the sweep file"
    assert marked["noncompliance = 0.0"].startswith("swept") and marked["empowerment = 0.0"].startswith("swept")
    text = visible_text(scenario)
    assert "Replications per point 2" in text and "Seed 20261122 (every point the same" in text


def test_precision_sweep_shows_the_replications_each_point_got(tmp_path):
    spec = {"base": str(ROOT / "scenarios/erlang_a.toml"), "metrics": ["service_level", "asa_s"],
            "precision": {"target": 0.02, "metrics": ["service_level"], "min_replications": 2, "max_replications": 6},
            "set": {"simulation.days": 1, "simulation.warmup_days": 0, "calendar.open": "08:00", "calendar.close": "10:00"},
            "axes": {"agents.staffing": [13, 25]}}
    sweep(spec, executor="serial", out=tmp_path / "out")
    r = load_results(tmp_path / "out")
    counts = r.summary.groupby("run_id")["replications"].max()
    assert counts.min() < counts.max()  # the premise: the target added replications at one point only
    page = html_report(r)
    table = Tables(page).named("Results by point")
    column = table["head"].index("Replications")
    assert [int(row[column]) for row in _rows(table)] == counts.tolist()
    assert f"Replications per point {counts.min()} to {counts.max()} (a precision target" in visible_text(page)


def test_several_queues_and_groups_have_their_tables(groups):
    r, page = groups
    tables = Tables(page)
    queues = tables.named("Per queue")
    assert queues["head"][2:] == list(dict.fromkeys(r.by_queue.queue)) == [c.name for c in r.scenario.contact_types]
    assert queues["head"][:2] == ["Metric", "Unit"]
    service = next(row for row in _rows(queues) if row[0] == "service level")
    assert service[1] == "%" and all(re.fullmatch(r"\d+\.\d\d% \| \d+\.\d\d% to \d+\.\d\d%", c) for c in service[2:])
    group_table = tables.named("Per agent group")
    assert group_table["head"][2:] == [g.name for g in r.scenario.agent_groups]
    assert any(row[0].startswith("busy time") and row[1] == "h" for row in _rows(group_table))
    flow = _rows(tables.named("Share of busy time by queue"))
    for row in flow:  # each group's shares add up to 100% (rounded)
        shares = [int(c[:-1]) for c in row[1:] if c.endswith("%")]
        assert 98 <= sum(shares) <= 102, row


def test_results_without_the_newer_records_say_so(run, tmp_path):
    """Results written before simcenter recorded the date and the overrides still report,
    saying what is not recorded instead of guessing."""
    import shutil

    r, _, _ = run
    copy = tmp_path / "old"
    shutil.copytree(r.path, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    del manifest["written"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    doc = json.loads((copy / "run.json").read_text())
    del doc["overrides"]
    (copy / "run.json").write_text(json.dumps(doc))
    text = visible_text(html_report(load_results(copy)))
    assert "Results written not recorded" in text
    assert "do not record which values were changed from the scenario file" in text


def test_progress_is_called_once_per_figure(swept):
    r, _ = swept
    calls = []
    html_report(r, progress=calls.append)
    assert calls == [1] * len(applicable_kinds(r)) and len(calls) == 4


def test_versions_and_dates_are_stated(run):
    import simcenter

    r, page, _ = run
    text = visible_text(page)
    written = json.loads((r.path / "manifest.json").read_text())["written"]
    assert re.search(rf"Results written {written[:10]} \d\d:\d\d UTC by simcenter {re.escape(simcenter.__version__)}", text)
    assert re.search(rf"Report made \d{{4}}-\d\d-\d\d \d\d:\d\d UTC by simcenter {re.escape(simcenter.__version__)}", text)


def test_wide_tables_are_printed_in_parts_that_repeat_the_leading_columns(swept):
    from simcenter.present.htmlpage import Cell, Column, table

    columns = [Column("Point", lead=True)] + [Column(f"metric {i}") for i in range(40)]
    rows = [[Cell("1", 1)] + [Cell(f"{1234567.5 + i:,.1f}<br><small>1,000,000.0 to 2,000,000.0</small>", float(i)) for i in range(40)]]
    html = table("t", columns, rows, "Forty metrics")
    printed = html[html.index('class="print-only"'):]
    parts = Tables(printed).tables
    assert len(parts) > 1 and all(t["head"][0] == "Point" for t in parts)
    assert [h for t in parts for h in t["head"][1:]] == [f"metric {i}" for i in range(40)]  # each column once, in order
    narrow = table("n", columns[:3], [r[:3] for r in rows], "Two metrics")  # fits the sheet: no second copy
    assert "print-only" not in narrow


def _leaves(data, prefix=""):
    """Every (dotted key, value) of plain scenario data; list elements by name, or index."""
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _leaves(value, path + ".")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, element in enumerate(value):
                yield from _leaves(element, f"{path}.{element.get('name', i)}.")
                yield from _leaves(element, f"{path}[{i}].")
        else:
            yield path, value


@pytest.mark.parametrize("name", ["multiskill", "noncompliance", "spiral", "word_of_mouth", "peak"])
def test_every_key_of_a_scenario_is_marked_on_its_own_line(name):
    """The scenario section marks the line of any changed key, in tables, lists of named
    tables (by name or index) and inline tables alike."""
    from simcenter import Scenario
    from simcenter.present.ranscenario import _marked_toml

    s = Scenario.from_file(ROOT / "scenarios" / f"{name}.toml")
    text = s.to_toml()
    keys = list(_leaves(s.to_dict()))
    assert len(keys) > 100
    for key, value in keys:
        marked = re.findall(r"<mark>([^<]*)</mark>", _marked_toml(text, {key: "changed"}))
        assert len(marked) == 1, key
        line = html.unescape(marked[0])
        line_key = line.split("=")[0].strip()
        parts = re.sub(r"\[(\d+)\]", r".\1", key).split(".")
        assert line_key in parts, (key, line)  # the key itself, or the inline table holding it
        found = tomllib.loads(line)[line_key]
        for part in parts[len(parts) - parts[::-1].index(line_key):]:  # down an inline table to the key
            found = found[int(part)] if isinstance(found, list) else found[part]
        assert found == value, (key, line)  # the line of this element (not another's), holding this value
