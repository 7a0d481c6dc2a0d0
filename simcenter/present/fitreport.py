"""What a fit shows a planner: its figures, its report, and the files ``simcenter fit`` writes.

The figures put the data beside the fitted model, one question each: does the fitted
arrival profile follow the contacts seen per interval; does the fitted handling-time
density follow the histogram of talk times; does the fitted patience curve follow the
Kaplan-Meier curve (with the naive estimate shown for what it misses); how long after
an answered contact do repeats come; and, after a backtest, where the observations fall
against the simulated 95% prediction bands. The report (HTML, self-contained) holds the
same figures, the estimates table, what was assumed, the warnings and the scenario file.

:func:`save_fit` writes a fit into a results directory (``manifest.json`` records the
files, as for ``run --out``): ``scenario.toml``, ``estimates.csv``, ``backtest.csv``
(with a backtest), ``report.html`` and one PNG per figure.
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure  # no pyplot: no GUI, no global figure state, the user's backend untouched

from ..estimate.backtest import STATISTICS
from ..estimate.demand import clock
from ..outputs import Inputs, check_results_dir, retire_results_files, write_results_dir

__all__ = ["fit_figures", "fit_report_html", "save_fit", "FIT_FILES"]

FIT_FILES = ("scenario.toml", "estimates.csv", "backtest.csv", "report.html")
_CAPTIONS = {
    "arrival_profile": "First contacts per open date in each interval of the day (points: the data; line: the fitted "
                       "profile x calls per day, averaged over the weekdays).",
    "handling_time": "Talk time of answered first contacts per type (histogram) with the fitted density of the chosen family.",
    "patience": "Patience: the Kaplan-Meier survival curve from censored waits (steps) and the fitted curve (line); "
                "the dotted line is the curve the naive mean of abandoners' waits would give (exponential).",
    "repeat_delay": "Delay from the end of an answered contact to the customer's repeat contact, with the fitted shifted "
                    "exponential (shortest delay + exponential excess).",
    "backtest": "Backtest: each statistic per interval of the day, observed (points) against the simulated 95% prediction "
                "band of one realisation (shaded) and its mean (line); red points fall outside.",
}


_LABELS = {"offered": "offered contacts", "service_level": "service level", "abandonment": "abandonment",
           "asa_s": "average speed of answer", "aht_s": "average handling time", "repeat_rate": "repeat contacts"}
_UNITS = {"offered": "contacts per open date", "service_level": "share answered in target", "abandonment": "share of offered",
          "asa_s": "seconds", "aht_s": "seconds", "repeat_rate": "share of offered"}


def _text(label: str) -> str:
    """A label as matplotlib shows it literally (a `$` would start mathematics)."""
    return label.replace("$", r"\$")


def _png(fig, dpi: int = 110) -> bytes:
    from .. import __version__

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": f"simcenter {__version__}"})
    return buf.getvalue()


def _profile(fit):
    d = fit.demand
    m = d.interval_minutes
    lo, hi = d.open_span
    used = d.open_dates.copy()
    used[:d.burn_in_days] = False  # the dates the rates rest on
    n_open = max(int(used.sum()), 1)
    seen = d.counts[used, lo:hi].sum(axis=0) / n_open
    model = d.expected[used, lo:hi].sum(axis=0) / n_open
    x = np.arange(lo, hi)
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.plot(x, seen, "o", ms=4, label="data")
    ax.plot(x, model, "-", label="fitted")
    ticks = x[:: max(1, len(x) // 12)]
    ax.set_xticks(ticks, [clock(int(k) * m) for k in ticks])
    ax.set_xlabel("interval of the day (start)")
    ax.set_ylabel("first contacts per open date")
    ax.set_title(f"Arrivals: {d.calls_per_day:,.0f} first contacts per open day, {m}-minute intervals")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right", frameon=False)
    return fig


def _handling(fit):
    types = [t for t in fit.behaviour.types if t.handle_choice is not None and t.talk.size]
    fig = Figure(figsize=(4.5 * len(types), 3.6), layout="constrained")
    axes = fig.subplots(1, len(types), squeeze=False)
    for ax, t in zip(axes[0], types):
        x = t.talk[t.talk > 0]
        top = float(np.quantile(x, 0.99))
        ax.hist(x[x <= top], bins=60, density=True, alpha=0.5, label=f"data, n = {x.size:,}")
        grid = np.linspace(top / 400, top, 400)
        c = t.handle_choice
        ax.plot(grid, c.pdf(grid), label=f"{c.family}: mean {c.mean:,.0f} s, cv {c.cv:.2f}")
        ax.set_title(_text(t.name))
        ax.set_xlabel("talk time (s)")
        ax.set_ylabel("density")
        ax.legend(loc="upper right", frameon=False, fontsize=8)
    fig.suptitle("Handling time of answered first contacts")
    return fig


def _patience(fit):
    p = fit.behaviour.patience
    fig = Figure(figsize=(7, 3.8), layout="constrained")
    ax = fig.subplots()
    t, s, _ = p.km
    ax.step(np.r_[0, t], np.r_[1, s], where="post", label=f"Kaplan-Meier, {p.n:,} waits, {p.abandoned:,} abandoned")
    top = float(t.max()) if t.size else 1.0
    grid = np.linspace(0, top, 300)
    c = p.choice
    ax.plot(grid, 1 - c.cdf(np.maximum(grid, 1e-9)), label=f"fitted {c.family}: mean {c.mean:,.0f} s")
    ax.plot(grid, np.exp(-grid / p.naive), ":", label=f"naive mean of abandoners' waits, {p.naive:,.0f} s")
    ax.set_xlabel("wait (s)")
    ax.set_ylabel("share still willing to wait")
    ax.set_ylim(0, 1.02)
    ax.set_title("Patience, from censored waits")
    ax.legend(loc="lower left", frameon=False, fontsize=8)
    return fig


def _repeats(fit):
    d = fit.behaviour.repeat_delays / 3600.0
    fig = Figure(figsize=(7, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.hist(d, bins=50, density=True, alpha=0.5, label=f"repeats, n = {d.size:,}")
    shift, mean = float(d.min()), float(d.mean())
    grid = np.linspace(shift, float(d.max()), 300)
    ax.plot(grid, np.exp(-(grid - shift) / (mean - shift)) / (mean - shift), label=f"shifted exponential: {shift:.1f} h + mean {mean - shift:.1f} h")
    ax.set_xlabel("hours from the end of an answered contact")
    ax.set_ylabel("density (per hour)")
    ax.set_title("Delay to a repeat contact")
    ax.legend(loc="upper right", frameon=False, fontsize=8)
    return fig


def _backtest(fit):
    b = fit.backtest
    b = b[b["inside"].notna()]
    names = [n for n in STATISTICS if (b["statistic"] == n).any()]
    cols = min(3, len(names))
    rows_n = (len(names) + cols - 1) // cols
    fig = Figure(figsize=(4.6 * cols, 3.2 * rows_n + 0.8), layout="constrained")
    axes = fig.subplots(rows_n, cols, sharex=True, squeeze=False)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names):
        rows = b[b["statistic"] == name]
        x = np.arange(len(rows))
        ax.fill_between(x, rows["low"], rows["high"], alpha=0.25, step="mid", label="simulated 95% band")
        ax.plot(x, rows["simulated"], "-", lw=1, label="simulated mean")
        out = ~rows["inside"].to_numpy(dtype=bool)
        ax.plot(x[~out], rows["observed"].to_numpy()[~out], "o", ms=3, color="black", label="observed")
        ax.plot(x[out], rows["observed"].to_numpy()[out], "o", ms=4, color="red", label="observed, outside")
        share = rows["inside"].mean()
        ax.set_title(f"{_LABELS[name]}: {share:.0%} inside", fontsize=9)
        ax.set_ylabel(_UNITS[name], fontsize=8)
        ticks = x[:: max(1, len(x) // 6)]
        ax.set_xticks(ticks, rows["interval"].to_numpy()[ticks], fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("interval of the day (start)", fontsize=8)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, frameon=False, fontsize=8)
    fig.suptitle(f"Backtest: {fit.backtest_coverage():.0%} of observations inside their simulated 95% band")
    return fig


def fit_figures(fit) -> dict:
    """name -> matplotlib figure, for every figure the fit has data for."""
    figs = {"arrival_profile": _profile(fit)}
    if any(t.talk.size for t in fit.behaviour.types):
        figs["handling_time"] = _handling(fit)
    if fit.behaviour.patience is not None and fit.behaviour.patience.km[0].size:
        figs["patience"] = _patience(fit)
    if fit.behaviour.repeat_delays.size >= 2:
        figs["repeat_delay"] = _repeats(fit)
    if fit.backtest is not None:
        figs["backtest"] = _backtest(fit)
    return figs


def _table(df) -> str:
    def fmt(v):
        if isinstance(v, float):
            if math.isnan(v):
                return ""
            return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{fmt(v)}</td>" for v in row) + "</tr>" for row in df.itertuples(index=False))
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def fit_report_html(fit, pngs: dict) -> str:
    from .. import __version__

    title = f"simcenter fit: {fit.scenario.name}"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f'<meta name="generator" content="simcenter {__version__}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}"
        "table{border-collapse:collapse;font-size:.8rem}td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left}"
        "th{background:#f3f3f3}pre{background:#f7f7f7;padding:1rem;overflow:auto;font-size:.75rem;white-space:pre-wrap}"
        ".scroll{overflow-x:auto}img{max-width:100%;display:block;margin:.5rem 0}figcaption{font-size:.85rem;color:#555}"
        "@media print{pre{white-space:pre-wrap}}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>Fitted from {html.escape(fit.source)} with simcenter {__version__}. "
        + html.escape(", ".join(f"{k} = {v:g}" for k, v in fit.options.items())) + ".</p>",
    ]
    if fit.backtest is not None:
        parts.append(f"<p><strong>Backtest:</strong> {fit.backtest_coverage():.0%} of the observations per interval fall inside "
                     "their simulated 95% prediction band (about 95% is expected of a scenario that reproduces the data).</p>")
    if fit.warnings:
        parts.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{html.escape(w)}</li>" for w in fit.warnings) + "</ul>")
    if fit.assumed:
        parts.append("<h2>Not in this scenario</h2><ul>" + "".join(f"<li>{html.escape(w)}</li>" for w in fit.assumed) + "</ul>")
    parts.append("<h2>Figures</h2>")
    for name, png in pngs.items():
        parts.append(f'<figure><img alt="{html.escape(name.replace("_", " "))}" src="data:image/png;base64,'
                     f'{base64.b64encode(png).decode("ascii")}"><figcaption>{html.escape(_CAPTIONS[name])}</figcaption></figure>')
    parts.append("<h2>Estimates</h2>")
    parts.append(_table(fit.estimates))
    parts.append("<h2>What the data identify</h2><p>" + html.escape(
        "Failure demand shows in a log as the chance that an answered contact is followed by another of the same customer. "
        "The model makes it promise_prob x noncompliance x return_prob: the log shows only the product. The split written "
        "in the scenario, and the other parameters a log cannot show (churn, anger from waiting, callbacks' promises), are "
        "said in the comments of the scenario file below.") + "</p>")
    parts.append("<h2>Scenario</h2>")
    parts.append(f"<pre>{html.escape(fit.toml)}</pre>")
    if fit.backtest is not None:
        parts.append("<h2>Backtest table</h2>")
        parts.append(_table(fit.backtest))
    parts.append("</body></html>")
    return "\n".join(parts)


def save_fit(fit, out: str | Path, inputs: Inputs | None = None) -> list[Path]:
    """Write the fit's files into results directory ``out`` (see the module's docstring)."""
    figs = fit_figures(fit)
    pngs = {name: _png(fig) for name, fig in figs.items()}
    files = {
        "scenario.toml": fit.toml.encode(),
        "estimates.csv": fit.estimates.to_csv(index=False).encode(),
        "report.html": fit_report_html(fit, pngs).encode(),
    }
    if fit.backtest is not None:
        files["backtest.csv"] = fit.backtest.to_csv(index=False).encode()
    files.update({f"{name}.png": png for name, png in pngs.items()})
    ours = set(FIT_FILES) | {f"{n}.png" for n in _CAPTIONS}
    retire_results_files(out, sorted(ours - set(files)), "--out")  # e.g. the backtest of an earlier fit
    return write_results_dir(out, "fit", files, "--out", inputs)


def check_fit_out(out: str | Path, inputs: Inputs | None = None) -> None:
    """Before any work: may a fit's files go into ``out``?"""
    names = FIT_FILES + tuple(f"{n}.png" for n in _CAPTIONS)
    check_results_dir(out, "fit", "--out", inputs, names)
