"""Saved results to a self-contained HTML report: the page a planner mails to their manager.

:func:`html_report` turns a run's or a sweep's results directory into one HTML page that
opens anywhere without network access (images inline as base64 PNG, the style and the few
lines of script inside) and prints cleanly to PDF. It holds, with a table of contents:

* the **summary**: each metric in words with its mean, 95% interval and unit, formatted as
  the ``simcenter run`` table formats them (:mod:`simcenter.present.numbers`; shares as
  percentages); the metrics of mechanisms the scenario does not use left out, as ``run``
  leaves them out, and those without a value (NaN) too, each omission counted and
  explained. For a sweep, one row per point (sortable, paged); with several queues and
  agent groups, their tables;
* every **figure** that applies (:mod:`simcenter.present.figures`), with a heading and a
  caption in words, and the replications and intervals it rests on;
* the **scenario exactly as it ran** (:mod:`simcenter.present.ranscenario`): a run's
  ``scenario.toml`` with the ``--set`` overrides, the seed and the replications marked; a
  sweep's base scenario with its ``[set]`` changes and swept parameters marked, the
  replications each point got and the seed; the simcenter versions and dates of the
  results and of the report.

The page's style, script and tables are :mod:`simcenter.present.htmlpage`'s.
"""

from __future__ import annotations

import base64
import html
import io
import math
from datetime import datetime, timezone
from typing import Callable


from ..output.metrics import METRICS, active_metrics
from ..outputs import FileKind
from .figures import KINDS, PLOT_KINDS, applicable_kinds, describe, figure, required_agents_table
from .htmlpage import Cell, Column, page, table
from .numbers import format_number, format_percent, format_value
from .ranscenario import axis_values, key_html, plural, replications, scenario_section
from .saved import SavedResults, load_results
from .words import metric_words, parameter_label, parameter_words

__all__ = ["SavedResults", "load_results", "figure", "applicable_kinds", "html_report", "REPORT_FILE", "PLOT_KINDS", "KINDS",
           "required_agents_table"]

#: The HTML report, recognised as simcenter's by its generator tag.
REPORT_FILE = FileKind("report", (".html", ".htm"))

#: Rows of a sweep's table shown at once on screen (every row is printed).
ROWS_PER_PAGE = 50

_e = html.escape


def _png(fig) -> str:
    from .. import __version__

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": f"simcenter {__version__}"})
    return base64.b64encode(buf.getvalue()).decode("ascii")


# -- numbers ---------------------------------------------------------------------------------


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _doc_unit(metric: str, unit: str | None = None) -> str:
    """A metric's documented unit (``unit`` where a table gives it: ``busy_h`` of a group)."""
    return unit if unit is not None else METRICS[metric][1]


def _unit(metric: str, unit: str | None = None) -> str:
    """The unit a metric is shown in here: shares as percentages, the rest as documented."""
    unit = _doc_unit(metric, unit)
    return "%" if unit == "fraction" else unit


def _number(x, metric: str, unit: str | None = None) -> str:
    unit = _doc_unit(metric, unit)
    return format_percent(x) if unit == "fraction" else format_number(x, unit)


def _interval(low, high, metric: str, unit: str | None = None) -> str:
    if _missing(low) or _missing(high):
        return "no interval"
    return f"{_number(low, metric, unit)} to {_number(high, metric, unit)}"


def _value_cell(mean, low, high, metric: str, unit: str | None = None) -> Cell:
    """A sweep's or a queue's cell: the mean, and below it the 95% interval."""
    if _missing(mean):
        return Cell("-", None, "no value: nothing to divide by in any replication")
    why = "" if not (_missing(low) or _missing(high)) else "no interval: fewer than two replications with a value"
    return Cell(f"{_e(_number(mean, metric, unit))}<br><small>{_e(_interval(low, high, metric, unit))}</small>", float(mean), why)


def _metric_head(metric: str) -> str:
    return f"{_e(metric_words(metric))}<br><small>{_e(_unit(metric))}</small>"


def _metric_name_cell(metric: str) -> Cell:
    meaning = METRICS[metric][0] if metric in METRICS else ""
    words = metric_words(metric)
    name = f" <code>{_e(metric)}</code>" if words != metric.replace("_", " ") else ""  # the column name, where it differs
    return Cell(f"{_e(words)}{name}", words, meaning)


# -- which metrics are shown -------------------------------------------------------------------


def _sweep_active(r: SavedResults) -> set:
    """The metrics of the mechanisms the sweep's base uses, or any point uses (an axis can
    switch one on): each axis's values tried on the base, at most a dozen per axis."""
    from ..errors import SimcenterError

    active = set(active_metrics(r.scenario))
    for p in r.parameters:
        values = sorted(set(r.summary[p].tolist()), key=lambda v: (str(type(v)), v))
        if len(values) > 12:
            values = [values[round(i * (len(values) - 1) / 11)] for i in range(12)]
        for v in values:
            try:
                active |= set(active_metrics(r.scenario.replace({p: v})))
            except SimcenterError:  # valid only beside other axes' values: those points are checked as run
                continue
    return active


def _shown(r: SavedResults) -> tuple[list, int, list]:
    """(metrics shown, in the results' order; how many belong to mechanisms not used;
    those with no value)."""
    active = _sweep_active(r) if r.kind == "sweep" else set(active_metrics(r.scenario))
    present = list(dict.fromkeys(r.summary.metric))
    used = [m for m in present if m in active]
    valued = set(r.summary.loc[r.summary["mean"].notna(), "metric"])
    return [m for m in used if m in valued], len(present) - len(used), [m for m in used if m not in valued]


def _omitted(unused: int, empty: list, r: SavedResults) -> str:
    notes = []
    if unused:
        notes.append(f"{unused} metric{'s' if unused != 1 else ''} of mechanisms this scenario does not use "
                     f"{'are' if unused != 1 else 'is'} left out (as <code>simcenter run</code> leaves them out)")
    if empty:
        names = ", ".join(_e(metric_words(m)) for m in empty)
        where = "in any replication" if r.kind == "run" else "at any point"
        many = len(empty) != 1
        notes.append(f"{plural(len(empty), 'metric')} {'have' if many else 'has'} no value {where} and "
                     f"{'are' if many else 'is'} left out ({names}: what {'they divide' if many else 'it divides'} by was "
                     "zero, e.g. no promise was kept or broken)")
    if not notes:
        return ""
    return (f'<p class="note">{"; ".join(notes)}. The tables in <code>{_e(str(r.path))}</code> hold every metric.</p>')


# -- what the results rest on --------------------------------------------------------------


def _basis(r: SavedResults, figure: bool = False) -> str:
    """What every table (or, ``figure``, every figure) rests on: replications, days,
    intervals, confidence."""
    s, low, high = r.scenario.simulation, *replications(r)
    reps = plural(low, "replication") if low == high else f"{low:,} to {high:,} replications"
    swept = set(r.parameters)
    days = "the simulated days of each point" if "simulation.days" in swept else plural(s.days, "simulated day")
    warm = ("" if "simulation.warmup_days" in swept else
            f" after a warm-up of {plural(s.warmup_days, 'day')} (left out)" if s.warmup_days else " (no warm-up)")
    minutes = "" if "simulation.interval_minutes" in swept else f", in {s.interval_minutes}-minute intervals"
    per = " per point" if r.kind == "sweep" else ""
    if high < 2:
        return (f"Each value is the result of {reps}{per}, of {days}{warm}{minutes}; with a single replication there is no "
                "confidence interval (run two or more for one).")
    if figure:
        return (f"Drawn from {reps}{per}, each of {days}{warm}{minutes}; bands and error bars, where drawn, are 95% "
                "confidence intervals (Student t over the replications).")
    return (f"Each value is the mean over {reps}{per}, each of {days}{warm}{minutes}; each interval is a 95% "
            "confidence interval (Student t over the replications).")


# -- the summary ---------------------------------------------------------------------------------


def _run_summary(r: SavedResults, shown: list) -> str:
    rows = r.summary.set_index("metric")
    columns = [Column("Metric", lead=True, align="left"), Column("Mean"), Column("95% interval"), Column("Unit", align="left")]
    body = [[_metric_name_cell(m), Cell(_e(_number(rows.at[m, "mean"], m))),
             Cell(_e(_interval(rows.at[m, "ci_low"], rows.at[m, "ci_high"], m))), Cell(_e(_unit(m)))] for m in shown]
    return table("t-summary", columns, body, "The run's metrics")


def _sweep_summary(r: SavedResults, shown: list) -> str:
    points = r.summary.drop_duplicates("run_id").set_index("run_id").sort_index()
    low, high = replications(r)
    axes = "".join(f"<li>{_e(parameter_label(p))} ({key_html(p)}): {_e(axis_values(points[p].tolist()))}</li>"
                   for p in r.parameters)
    intro = (f"<p>{plural(len(points), 'point')} over {plural(len(r.parameters), 'swept parameter')}:</p><ul>{axes}</ul>"
             "<p class=\"note\">One row per point: each metric's mean over the point's replications and, below it, its 95% "
             "interval. Click a column's header to sort by it (again to reverse).</p>")
    if r.scenario.agent_groups:
        intro += ("<p class=\"note\">With several queues this table shows the center as a whole; each point's values per "
                  "queue are in <code>summary.csv</code> (column <code>queue</code>).</p>")
    columns = [Column("Point", "the point's number (run_id + 1 in the saved tables)", lead=True)]
    columns += [Column(f"{_e(parameter_label(p))}<br>{key_html(p)}", parameter_label(p), lead=True) for p in r.parameters]
    counts = r.summary.groupby("run_id")["replications"].max() if "replications" in r.summary else None
    varied = counts is not None and low != high
    if varied:
        columns.append(Column("Replications", "replications this point got (a precision target adds them where needed)"))
    columns += [Column(_metric_head(m), f"{m}: {METRICS[m][0]} ({_unit(m)})") for m in shown]  # the saved tables' name
    sm = r.summary
    values = {(int(i), m): (a, b, c) for i, m, a, b, c in zip(sm.run_id, sm.metric, sm["mean"], sm.ci_low, sm.ci_high)}
    swept = {p: points[p].tolist() for p in r.parameters}
    rows = []
    for k, run_id in enumerate(points.index.tolist()):
        row = [Cell(f"{run_id + 1:,}", run_id + 1)]
        for p in r.parameters:
            v = swept[p][k]
            text, exact = format_value(v, significant=6), format_value(v)
            row.append(Cell(_e(text), v if not isinstance(v, bool) else int(v), exact if exact != text else ""))
        if varied:
            row.append(Cell(f"{int(counts[run_id]):,}", int(counts[run_id])))
        row += [_value_cell(*values.get((run_id, m), (None, None, None)), m) for m in shown]
        rows.append(row)
    caption = f"Results by point ({plural(len(rows), 'point')} &times; {plural(len(shown), 'metric')})"
    return intro + table("t-points", columns, rows, caption, sortable=True, per_page=ROWS_PER_PAGE)


def _breakdown(r: SavedResults) -> str:
    """A run with several queues and agent groups: what its saved tables hold for each."""
    parts = []
    for title, frame, label, ident in (("Per queue", r.by_queue, "queue", "t-queues"), ("Per agent group", r.by_group, "group",
                                                                                         "t-groups")):
        names = list(dict.fromkeys(frame[label]))
        active = set(active_metrics(r.scenario))
        metrics = [m for m in dict.fromkeys(frame.metric) if (m in active or m not in METRICS)
                   and frame.loc[frame.metric == m, "mean"].notna().any()]
        units = dict(zip(frame.metric, frame.unit))
        cells = frame.set_index([label, "metric"])
        columns = [Column("Metric", lead=True, align="left"), Column("Unit", lead=True, align="left")]
        columns += [Column(_e(n)) for n in names]
        rows = [[_metric_name_cell(m), Cell(_e(_unit(m, units[m])))]
                + [_value_cell(*cells.loc[(n, m), ["mean", "ci_low", "ci_high"]], m, units[m]) if (n, m) in cells.index
                   else Cell("-") for n in names] for m in metrics]
        parts.append(f"<h3 id=\"{ident}\">{title}</h3>" + table(ident + "-table", columns, rows, f"{title}: mean and 95% interval"))
    flow = r.flow
    queues = list(dict.fromkeys(r.by_queue["queue"]))
    groups = list(dict.fromkeys(r.by_group["group"]))
    share = flow.set_index(["group", "queue"])
    columns = [Column("Agent group", lead=True, align="left")] + [Column(_e(q)) for q in queues]
    rows = []
    for g in groups:
        row = [Cell(_e(g), g)]
        for q in queues:
            if (g, q) in share.index and not _missing(share.at[(g, q), "share"]):
                x = share.loc[(g, q)]
                row.append(Cell(_e(format_percent(x["share"], 0)), float(x["share"]),
                                f"{format_number(x['mean'], 'h')} h busy on {q} (95% interval {_interval(x['ci_low'], x['ci_high'], 'busy_h', 'h')} h)"))
            else:
                row.append(Cell('<span class="muted">-</span>', None, f"{g} does not serve {q}"))
        rows.append(row)
    parts.append("<h3 id=\"t-flow\">Busy time of each group by queue</h3>"
                 "<p class=\"note\">The share of each group's busy time spent on each queue (hover for the hours).</p>"
                 + table("t-flow-table", columns, rows, "Share of busy time by queue (%)"))
    return "".join(parts)


# -- figures ---------------------------------------------------------------------------------------


def _figures(r: SavedResults, target: float, progress: Callable | None) -> tuple[str, list]:
    basis = _basis(r, figure=True)
    parts, toc = [], []
    for kind in applicable_kinds(r):
        heading, caption = describe(r, kind, target)
        fig = figure(r, kind, target=target)
        image = _png(fig)
        if progress is not None:
            progress(1)
        said = caption.strip()
        if "replication" not in said:  # the caption does not yet say what it rests on
            said = f"{said} {basis}".strip()
        ident = f"fig-{kind}"
        toc.append((ident, heading))
        parts.append(f'<figure id="{ident}"><h3>{_e(heading)}</h3>'
                     f'<img alt="{_e(heading)}" data-kind="{_e(kind)}" src="data:image/png;base64,{image}">'
                     f"<figcaption>{_e(said)}</figcaption></figure>")
    return "".join(parts), toc


# -- the page ----------------------------------------------------------------------------------


def _when(text: str | None) -> str:
    if not text:
        return "not recorded"
    when = datetime.fromisoformat(text)
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def html_report(r: SavedResults, target: float = 0.8, progress: Callable[[int], None] | None = None) -> str:
    """One self-contained HTML page from saved results: summary, figures and scenario, with
    a table of contents; images inline, nothing fetched from a network.

    ``target``: the service level the figures draw as the target (measured within the
    scenario's ``service_level.target_s``). ``progress``, if given, is called with 1 after
    each figure is drawn (:meth:`simcenter.present.progress.Progress.update` fits; there
    are ``len(applicable_kinds(r))`` figures)."""
    from .. import __version__

    s = r.scenario
    name = s.name or "scenario"
    # a sweep is known by its results directory (the base scenario is one of many points)
    title = f"{r.path.resolve().name}, a sweep of {name}" if r.kind == "sweep" else name
    shown, unused, empty = _shown(r)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    low, high = replications(r)
    if r.kind == "sweep":
        what = (f"A sweep of {_e(name)}: {plural(r.summary.run_id.nunique(), 'point')} over "
                f"{', '.join(_e(parameter_words(p)) for p in r.parameters)}, "
                + (plural(low, "replication") if low == high else f"{low:,} to {high:,} replications") + " per point.")
    else:
        what = f"A run of {_e(name)}: {plural(low, 'replication')} of {plural(s.simulation.days, 'day')}."
    figures, figure_toc = _figures(r, target, progress)
    sections = [("summary", "Summary" if r.kind == "run" else "Results by point")]
    if r.kind == "run" and r.by_queue is not None:
        sections.append(("queues", "Queues and agent groups"))
    sections += [("figures", "Figures"), ("scenario", "The scenario as it ran"), ("about", "About this report")]
    toc = []
    for ident, title in sections:
        sub = ""
        if ident == "figures" and figure_toc:
            sub = "<ol>" + "".join(f'<li><a href="#{i}">{_e(h)}</a></li>' for i, h in figure_toc) + "</ol>"
        toc.append(f'<li><a href="#{ident}">{title}</a>{sub}</li>')
    version = r.about.get("simcenter")
    body = [
        f"<header><h1>simcenter report: {_e(title)}</h1>",
        f"<p>{_e(s.description)}</p>" if s.description else "",
        f"<p>{what} Service level: the share of offered contacts answered within {format_value(s.service_level.target_s)} s; "
        f"the figures draw a target of {format_percent(target, 0 if round(target * 100, 6).is_integer() else 1)}.</p>",
        f'<p class="muted">Results written {_when(r.about.get("written"))}; report made {_when(now)} by simcenter '
        f"{_e(__version__)}.</p></header>",
        f'<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>{"".join(toc)}</ol></nav>',
        f'<section id="summary"><h2>{sections[0][1]}</h2>',
        f"<p>{_basis(r)}</p>",
        _run_summary(r, shown) if r.kind == "run" else _sweep_summary(r, shown),
        _omitted(unused, empty, r),
        "</section>",
    ]
    if r.kind == "run" and r.by_queue is not None:
        body += ['<section id="queues"><h2>Queues and agent groups</h2>', _breakdown(r), "</section>"]
    body += ['<section id="figures"><h2>Figures</h2>',
             figures or "<p>No figure applies to these results.</p>", "</section>",
             '<section id="scenario"><h2>The scenario as it ran</h2>',
             scenario_section(r), "</section>",
             '<section id="about"><h2>About this report</h2><dl class="facts">',
             f"<dt>Results</dt><dd><code>{_e(str(r.path))}</code> ({'a sweep' if r.kind == 'sweep' else 'a run'})</dd>",
             f"<dt>Results written</dt><dd>{_when(r.about.get('written'))}"
             + (f" by simcenter {_e(version)}" if version else "") + "</dd>",
             f"<dt>Report made</dt><dd>{_when(now)} by simcenter {_e(__version__)}</dd>",
             "<dt>Numbers</dt><dd>By the rules of the <code>simcenter run</code> table (thousands separated by commas, "
             "the same decimals, never scientific notation), except that shares are shown as percentages; a 95% interval is a Student-t confidence interval over replications.</dd>",
             "</dl></section>"]
    return page(f"simcenter report: {title}", "\n".join(x for x in body if x), f"simcenter {__version__}")
