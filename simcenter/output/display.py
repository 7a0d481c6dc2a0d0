"""How a run's results show themselves: a few lines at the Python prompt, a table in a notebook.

``repr(results)`` names the scenario, the replications and the seed, and gives the headline
metrics: service level, average speed of answer and abandonment, and one for each
mechanism the scenario uses (the repeat rate where promises are made, mean morale where
agents are people...). In a notebook (``_repr_html_``) the results are a table of every
metric of the mechanisms the scenario uses (:func:`simcenter.output.metrics.active_metrics`):
the metric in words, its mean, its 95% interval and its unit, undefined metrics left out.

Numbers are written as the ``simcenter run`` table writes them: fractions with four
decimals, counts of contacts with one, everything else with two, thousands separated,
never in scientific notation; an undefined value (an interval from one replication) is
``-``.
"""

from __future__ import annotations

import html
import math

from .metrics import METRICS, active_metrics, metric_words

__all__ = ["number", "unit_text", "headline_metrics", "results_text", "results_html", "HEADLINES"]

#: The metrics every run shows first.
HEADLINES = ("service_level", "asa_s", "abandon_rate")
#: One more headline per mechanism the scenario uses (:data:`simcenter.output.metrics.GROUPS`).
GROUP_HEADLINES = {
    "promises": "repeat_rate",
    "workforce": "morale_mean",
    "concessions": "service_level_contract",
    "after_hours": "after_hours",
    "redials": "redials",
    "value": "net_value",
}


#: Units shown with four decimals: shares, ratios and levels, whose interesting digits are
#: small (a repeat rate of 0.0021).
FINE_UNITS = ("fraction", "ratio", "probability", "level 0-1")
#: Units counted in whole things, shown with one decimal (a mean over replications).
COUNT_UNITS = ("contacts", "promises", "customers", "concessions", "agents", "incidents", "attempts", "people")


def number(x, unit: str) -> str:
    """``x`` as the ``simcenter run`` table writes a value of this unit: thousands
    separators, four decimals for shares, ratios and levels, one for counts, two for the
    rest; never scientific notation; ``-`` when missing. The one place this is decided
    (:func:`simcenter.present.numbers.format_number` is this function).

    >>> number(0.77262, "fraction"), number(0.00214, "ratio"), number(9604.33, "contacts"), number(1.5e7, "currency")
    ('0.7726', '0.0021', '9,604.3', '15,000,000.00')
    >>> number(float("nan"), "s"), number(-0.001, "s"), number(float("inf"), "s")
    ('-', '0.00', 'infinite')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    x = float(x)
    if math.isnan(x):
        return "-"
    if math.isinf(x):
        return "infinite" if x > 0 else "minus infinite"
    decimals = 4 if unit in FINE_UNITS else 1 if unit in COUNT_UNITS else 2
    text = f"{x:,.{decimals}f}"
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text  # no "-0.0000"


def headline_metrics(scenario) -> list[str]:
    """The headline metrics of a run of ``scenario``: :data:`HEADLINES` and one per
    mechanism it uses, in registry order."""
    shown = set(active_metrics(scenario))
    names = list(HEADLINES) + [m for m in GROUP_HEADLINES.values() if m in shown]
    return [m for m in METRICS if m in names]


def unit_text(unit: str) -> str:
    """The unit written after a number: none for a share, a ratio or a level."""
    return "" if unit in ("fraction", "ratio", "level 0-1", "-") else unit


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _run_words(results) -> str:
    """``3 replications, seed 7, 5 days after 1 warm-up day``."""
    sim = results.scenario.simulation
    return (f"{_plural(results.n_replications, 'replication')}, seed {results.seed}, {_plural(sim.days, 'day')} after "
            f"{_plural(sim.warmup_days, 'warm-up day')}")


def results_text(results) -> str:
    """A few lines: the run, then each headline metric's mean with its 95% interval."""
    s = results.scenario
    several = results.n_replications > 1
    table = results.summary().set_index("metric")
    rows = []
    for name in headline_metrics(s):
        row = table.loc[name]
        interval = f"[{number(row['ci_low'], row['unit'])}, {number(row['ci_high'], row['unit'])}]" if several else ""
        rows.append((metric_words(name), number(row["mean"], row["unit"]), unit_text(row["unit"]), interval))
    width = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"simcenter Results of {s.name or 'a scenario'!r}: {_run_words(results)}"]
    for words, value, unit, interval in rows:
        lines.append(f"  {words.ljust(width[0])}  {value.rjust(width[1])} {unit.ljust(width[2])}  {interval}".rstrip())
    lines.append("  (95% intervals; summary() has every metric)" if several else "  (one replication: no intervals; summary() has every metric)")
    return "\n".join(lines)


def results_html(results) -> str:
    """A small HTML table: every metric of the mechanisms the scenario uses, in words,
    with its mean, 95% interval and unit; metrics undefined in this run left out."""
    s = results.scenario
    table = results.summary().set_index("metric")
    shown = active_metrics(s)
    body = []
    for name in shown:
        row = table.loc[name]
        if not math.isfinite(row["mean"]):
            continue
        unit = row["unit"]
        low, high = number(row["ci_low"], unit), number(row["ci_high"], unit)
        interval = f"{low} to {high}" if low != "-" and high != "-" else "-"
        body.append(
            f'<tr><td title="{html.escape(METRICS[name][0])}">{html.escape(metric_words(name))}</td>'
            f'<td style="text-align:right">{html.escape(number(row["mean"], unit))}</td>'
            f'<td style="text-align:right">{html.escape(interval)}</td><td>{html.escape(unit)}</td></tr>'
        )
    left_out = len(METRICS) - len(shown)
    caption = f"{html.escape(s.name or 'scenario')}: {html.escape(_run_words(results))}"
    note = (f"{left_out} metrics of mechanisms this scenario does not use are left out; " if left_out else "") + \
        "summary() has every metric."
    return (
        '<div class="simcenter-results">'
        f'<table><caption style="text-align:left">{caption}</caption>'
        "<thead><tr><th>metric</th><th>mean</th><th>95% interval</th><th>unit</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
        f"<p><small>{html.escape(note)}</small></p></div>"
    )
