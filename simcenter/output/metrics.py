"""Metrics: what a planner reads off a run, each declared once.

Every metric is one :class:`Metric` record in :data:`REGISTRY`: its name, unit, meaning, the
mechanism group that decides whether a scenario shows it, and how it is computed from the
counters (:mod:`simcenter.model.counters`) summed over whichever intervals are reported (one
interval, a day, the whole run after the warm-up). Counts are totals; the rest are ratios of
totals, so a metric over a day is the ratio of the day's sums, not a mean of interval ratios.

From the registry derive the metric list (:data:`METRICS`: name -> (meaning, unit)), the
per-run computation (:func:`metrics_from_sums`, :func:`metric`), each metric's range of
possible values (:attr:`Metric.range`, :func:`metric_range`: a share or a level in [0, 1], a
balance anywhere, anything else at or above 0), which every confidence interval is kept
within, the groups that decide which metrics ``simcenter run`` shows for a scenario
(:func:`active_metrics`) and the generated reference page (:func:`metrics_reference`). Adding a metric is one record here (and its
counter in :mod:`simcenter.model.counters` when it needs a new one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..model.counters import COUNTERS, Accumulator  # noqa: F401 (importable from simcenter.stats, their old home)

__all__ = ["Metric", "REGISTRY", "METRICS", "SIGNED", "RANGES", "UNIT_RANGES", "GROUPS", "METRIC_GROUPS", "metrics_from_sums",
           "metric", "metric_range", "range_text", "split_metric", "active_metrics", "metrics_reference", "ratio", "METRIC_WORDS",
           "metric_words"]


def ratio(num, den):
    """``num / den`` where ``den > 0``, else NaN (undefined: nothing to divide)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _always_open(s) -> bool:
    return s.always_open


#: Mechanism group -> (when its metrics are shown, in words; whether a scenario uses it).
GROUPS: dict[str, tuple[str, Callable]] = {
    "promises": ("with promises or out-of-policy requests", lambda s: s.has_promises or s.policy.out_of_policy_prob > 0),
    "workforce": ("with workforce.enabled", lambda s: s.workforce.enabled),
    "concessions": ("with a concession window or out-of-policy requests",
                    lambda s: s.calendar.after_hours == "conceded" or s.policy.out_of_policy_prob > 0),
    "after_hours": ("when the center closes", lambda s: not _always_open(s)),
    "redials": ("with patience.redial_prob > 0 (or a contact type's own)",
                lambda s: any(s.patience_of(i).redial_prob > 0 for i in range(len(s.contact_types)))),
    "value": ("with value.enabled", lambda s: s.value.enabled),
}


#: Units whose values lie in [0, 1] (a share of contacts, agents or days; a level); a metric
#: of any other unit is at or above 0 unless it is ``signed``.
UNIT_RANGES: dict[str, tuple[float, float]] = {"fraction": (0.0, 1.0), "level 0-1": (0.0, 1.0)}


@dataclass(frozen=True)
class Metric:
    """One metric: ``compute(sums, costs)`` from counter sums (arrays of any shape) and the
    scenario's :class:`~simcenter.scenario.Costs`; ``group`` names the mechanism of
    :data:`GROUPS` it belongs to (None: every scenario shows it); ``signed`` whether it can
    be negative (a balance; every other metric is a count, a time, a cost or a share)."""

    name: str
    unit: str
    meaning: str
    compute: Callable
    group: str | None = None
    signed: bool = False

    @property
    def range(self) -> tuple[float, float]:
        """(lowest, highest) value the metric can take: (-inf, inf) for a balance,
        [0, 1] for a share or a level (:data:`UNIT_RANGES`), [0, inf) for the rest."""
        if self.signed:
            return (-math.inf, math.inf)
        return UNIT_RANGES.get(self.unit, (0.0, math.inf))


def _cost(s, c):
    return (s["staffed_s"] / 3600.0 * c.agent_hour + s["overtime_s"] / 3600.0 * c.overtime_premium
            + s["concessions"] * c.concession + s["churned"] * c.lost_customer)


def _net_value(s, c):
    """Customer value gained minus lost (loyalty, churn, word of mouth), in currency."""
    return (s["value_gained"] - s["value_lost_loyalty"] - (s["churned"] + s["churned_loyalty"]) - s["word_of_mouth_lost"]) * c.lost_customer


def _cost_net(s, c):
    return (s["staffed_s"] / 3600.0 * c.agent_hour + s["overtime_s"] / 3600.0 * c.overtime_premium
            + s["concessions"] * c.concession - _net_value(s, c))


#: Every metric, in the order of tables and reports.
REGISTRY: tuple[Metric, ...] = (
    Metric("offered", "contacts", "contacts arriving while the center is open (first contacts, redials and next-day returns)",
           lambda s, c: s["offered"]),
    Metric("answered", "contacts", "offered contacts taken by an agent",
           lambda s, c: s["answered"]),
    Metric("abandoned", "contacts", "offered contacts whose caller hung up while waiting",
           lambda s, c: s["abandoned"]),
    Metric("waiting_at_end", "contacts", "offered contacts still waiting when the run ended",
           lambda s, c: s["waiting_at_end"]),
    Metric("service_level", "fraction", "answered within service_level.target_s / offered",
           lambda s, c: ratio(s["answered_in_target"], s["offered"])),
    Metric("asa_s", "s", "average speed of answer: mean wait of answered contacts",
           lambda s, c: ratio(s["wait_answered_s"], s["answered"])),
    Metric("mean_wait_s", "s", "mean wait of all offered contacts, abandoners' and still-waiting callers' time in queue included",
           lambda s, c: ratio(s["wait_answered_s"] + s["wait_other_s"], s["offered"])),
    Metric("p_wait", "fraction", "share of offered contacts that waited at all",
           lambda s, c: ratio(s["waited"], s["offered"])),
    Metric("abandon_rate", "fraction", "abandoned / offered",
           lambda s, c: ratio(s["abandoned"], s["offered"])),
    Metric("occupancy", "fraction", "agent busy time (talk + wrap-up) / agent time on duty",
           lambda s, c: ratio(s["busy_s"], s["staffed_s"])),
    Metric("aht_s", "s", "mean handling time (talk + wrap-up) of answered contacts",
           lambda s, c: ratio(s["handle_s"], s["answered"])),
    Metric("agent_hours", "h", "agent time on duty, close-out after closing included",
           lambda s, c: s["staffed_s"] / 3600.0),
    Metric("overtime_h", "h", "agent time on duty beyond the plan (contacts finished after an agent's time, close-out after closing) and all agent time in concession windows",
           lambda s, c: s["overtime_s"] / 3600.0),
    Metric("after_hours", "contacts", "contacts arriving while the center is closed",
           lambda s, c: s["after_hours"], "after_hours"),
    Metric("lost_after_hours", "contacts", "after-hours contacts lost (calendar.after_hours = 'lost')",
           lambda s, c: s["lost_after_hours"], "after_hours"),
    Metric("deferred", "contacts", "after-hours contacts deferred to the next opening (calendar.after_hours = 'next_day')",
           lambda s, c: s["deferred"], "after_hours"),
    Metric("redials", "contacts", "abandoned callers who called again (each redial is also an offered contact)",
           lambda s, c: s["redials"], "redials"),
    Metric("first_contacts", "contacts", "first contacts made by customers, counted once when made, whether the center is open or not (redials and next-day returns are further attempts of the same contact)",
           lambda s, c: s["first_contacts"], "promises"),
    Metric("repeat_contacts", "contacts", "repeat contacts made by customers after a broken promise, counted once when made, open or not",
           lambda s, c: s["repeat_contacts"], "promises"),
    Metric("repeat_rate", "ratio", "repeat_contacts / first_contacts",
           lambda s, c: ratio(s["repeat_contacts"], s["first_contacts"]), "promises"),
    Metric("failure_demand_share", "fraction", "offered contacts of failure demand (repeat contacts, their redials and next-day returns) / offered",
           lambda s, c: ratio(s["failure_demand"], s["offered"]), "promises"),
    Metric("promises_made", "promises", "promises made at the end of contacts (counted with their outcomes in the interval made)",
           lambda s, c: s["promises_made"], "promises"),
    Metric("promises_kept", "promises", "promises kept",
           lambda s, c: s["promises_kept"], "promises"),
    Metric("promises_broken", "promises", "promises broken (fulfilment not done, or callback not made, by the due time)",
           lambda s, c: s["promises_broken"], "promises"),
    Metric("promises_open", "promises", "promises neither kept nor broken when the run ended",
           lambda s, c: s["promises_open"], "promises"),
    Metric("promise_keep_rate", "fraction", "promises_kept / (promises_kept + promises_broken)",
           lambda s, c: ratio(s["promises_kept"], s["promises_kept"] + s["promises_broken"]), "promises"),
    Metric("callbacks_on_time_rate", "fraction", "callback promises kept (customer reached by the due time) / callback promises kept or broken",
           lambda s, c: ratio(s["callbacks_kept"], s["callbacks_kept"] + s["callbacks_broken"]), "promises"),
    Metric("callback_attempts", "attempts", "outbound callback attempts, reached or not",
           lambda s, c: s["callback_attempts"], "promises"),
    Metric("fcr", "fraction", "first-contact resolution: customers' first answered contacts with no broken promise afterwards / customers' first answered contacts",
           lambda s, c: 1.0 - ratio(s["fcr_unresolved"], s["fcr_base"]), "promises"),
    Metric("recovery_rate", "fraction", "successful recoveries / recovery attempts on repeat contacts",
           lambda s, c: ratio(s["recoveries"], s["recovery_attempts"]), "promises"),
    Metric("aht_first_s", "s", "mean handling time (talk + wrap-up) of answered contacts that are not failure demand",
           lambda s, c: ratio(s["handle_first_s"], s["answered_first"]), "promises"),
    Metric("aht_repeat_s", "s", "mean handling time of answered failure-demand contacts",
           lambda s, c: ratio(s["handle_repeat_s"], s["answered_repeat"]), "promises"),
    Metric("aht_inflation", "ratio", "handling time of answered contacts / the same contacts' handling time without anger effects",
           lambda s, c: ratio(s["handle_s"], s["handle_base_s"]), "promises"),
    Metric("churned", "customers", "customers lost: anger at customers.churn_anger, or not returning after a broken promise",
           lambda s, c: s["churned"], "promises"),
    Metric("concessions", "concessions", "concessions: recoveries made by a concession, and management overrides of out-of-policy refusals",
           lambda s, c: s["concessions"], "promises"),
    Metric("cost_agents", "currency", "agent_hours x costs.agent_hour",
           lambda s, c: s["staffed_s"] / 3600.0 * c.agent_hour),
    Metric("cost_concessions", "currency", "concessions x costs.concession",
           lambda s, c: s["concessions"] * c.concession, "promises"),
    Metric("cost_churn", "currency", "churned x costs.lost_customer",
           lambda s, c: s["churned"] * c.lost_customer, "promises"),
    Metric("cost_overtime", "currency", "overtime_h x costs.overtime_premium (the premium on top of the hours' base cost in cost_agents)",
           lambda s, c: s["overtime_s"] / 3600.0 * c.overtime_premium),
    Metric("cost", "currency", "cost_agents + cost_overtime + cost_concessions + cost_churn",
           lambda s, c: _cost(s, c)),
    Metric("value_gained", "currency", "customer value gained by recoveries: loyalty of recovered customers, value.loyalty_gain_fix or value.loyalty_gain_concession x costs.lost_customer each",
           lambda s, c: s["value_gained"] * c.lost_customer, "value"),
    Metric("value_per_recovery", "currency/recovery", "value_gained / successful recoveries: what a recovery is worth in loyalty",
           lambda s, c: ratio(s["value_gained"] * c.lost_customer, s["recoveries"]), "value"),
    Metric("value_lost_loyalty", "currency", "loyalty lost by customers who stay after a broken promise: value.loyalty_loss_per_broken x costs.lost_customer per promise noticed",
           lambda s, c: s["value_lost_loyalty"] * c.lost_customer, "value"),
    Metric("value_lost_churn", "currency", "value of churned customers when they left (costs.lost_customer each, with the loyalty they had gained or lost); cost_churn when value.enabled is off",
           lambda s, c: (s["churned"] + s["churned_loyalty"]) * c.lost_customer, "value"),
    Metric("word_of_mouth_told", "people", "people told by churned customers (when they left) and by customers ending the run at value.word_of_mouth_anger or above",
           lambda s, c: s["word_of_mouth_told"], "value"),
    Metric("word_of_mouth_lost", "customers", "of those told, future customers lost",
           lambda s, c: s["word_of_mouth_lost"], "value"),
    Metric("value_lost_word_of_mouth", "currency", "word_of_mouth_lost x costs.lost_customer",
           lambda s, c: s["word_of_mouth_lost"] * c.lost_customer, "value"),
    Metric("net_value", "currency", "customer value gained minus lost: value_gained - value_lost_loyalty - value_lost_churn - value_lost_word_of_mouth",
           _net_value, "value", signed=True),
    Metric("cost_net", "currency", "cost net of customer value: cost_agents + cost_overtime + cost_concessions - net_value (equals cost when value.enabled is off)",
           _cost_net, "value", signed=True),
    Metric("first_contacts_eroded", "contacts", "first contacts that did not arrive because lost customers lowered demand (value.demand_feedback)",
           lambda s, c: s["first_contacts_eroded"], "value"),
    Metric("demand_eroded", "fraction", "first_contacts_eroded / (first_contacts + first_contacts_eroded): the share of first-contact demand lost to churn and word of mouth",
           lambda s, c: ratio(s["first_contacts_eroded"], s["first_contacts"] + s["first_contacts_eroded"]), "value"),
    Metric("morale_mean", "level 0-1", "agents' morale averaged over employed agents and days (daily snapshot at midnight; workforce.enabled only)",
           lambda s, c: ratio(s["morale_sum"], s["headcount_sum"]), "workforce"),
    Metric("morale_p10", "level 0-1", "10th percentile of agents' morale, averaged over days (workforce.enabled only)",
           lambda s, c: ratio(s["morale_p10_sum"], s["roster_days"]), "workforce"),
    Metric("headcount", "agents", "employed agents, averaged over days (workforce.enabled only)",
           lambda s, c: ratio(s["headcount_sum"], s["roster_days"]), "workforce"),
    Metric("quits", "agents", "agents who decided to quit (they leave at the end of that day)",
           lambda s, c: s["quits"], "workforce"),
    Metric("hires", "agents", "new hires who started",
           lambda s, c: s["hires"], "workforce"),
    Metric("absence_rate", "fraction", "agent-days absent / agent-days employed",
           lambda s, c: ratio(s["absent_days"], s["headcount_sum"]), "workforce"),
    Metric("aggressions", "incidents", "aggression incidents against agents (workforce.enabled only)",
           lambda s, c: s["aggressions"], "workforce"),
    Metric("conceded", "contacts", "callers served out of contract in the concession window after closing (included in offered and the measured service_level)",
           lambda s, c: s["conceded"], "concessions"),
    Metric("service_level_contract", "fraction", "service level over the contacts the service contract covers: (answered within target - conceded ones) / (offered - conceded)",
           lambda s, c: ratio(s["answered_in_target"] - s["conceded_in_target"], s["offered"] - s["conceded"]), "concessions"),
    Metric("out_of_policy", "contacts", "answered contacts with a request against the rules",
           lambda s, c: s["out_of_policy"], "concessions"),
    Metric("overrides", "contacts", "out-of-policy requests conceded by management against the agent's refusal (each also a concession)",
           lambda s, c: s["overrides"], "concessions"),
)

_BY_NAME = {m.name: m for m in REGISTRY}

#: Metric name -> (definition, unit), in registry order.
METRICS = {m.name: (m.meaning, m.unit) for m in REGISTRY}

#: Metrics that can be negative (balances); the others are never below zero.
SIGNED = frozenset(m.name for m in REGISTRY if m.signed)

#: Metric name -> (lowest, highest) value it can take (:attr:`Metric.range`).
RANGES = {m.name: m.range for m in REGISTRY}


def split_metric(name: str) -> tuple[str, str | None]:
    """``"service_level[retail]"`` -> ``("service_level", "retail")``; a center-wide name
    -> ``(name, None)``."""
    if name.endswith("]") and "[" in name:
        metric_name, queue = name[:-1].split("[", 1)
        return metric_name, queue
    return name, None


def metric_range(name: str) -> tuple[float, float]:
    """The (lowest, highest) value metric ``name`` can take; a queue's metric
    (``service_level[retail]``) has the range of the center-wide one."""
    return RANGES[split_metric(name)[0]]


def range_text(low: float, high: float) -> str:
    """A range in words for tables and the reference: ``0 to 1``, ``0 or more``, ``any``."""
    if math.isinf(low) and math.isinf(high):
        return "any"
    if math.isinf(high):
        return f"{low:g} or more"
    return f"{low:g} to {high:g}"

#: Mechanism group -> the metrics it holds.
METRIC_GROUPS = {g: tuple(m.name for m in REGISTRY if m.group == g) for g in GROUPS}


def _costs(costs):
    if costs is None:
        from ..scenario import Costs

        costs = Costs()
    return costs


def metrics_from_sums(s: dict[str, np.ndarray], costs=None) -> dict[str, np.ndarray]:
    """Every metric of :data:`REGISTRY` from counter sums of any shape; ``costs`` is the
    scenario's :class:`~simcenter.scenario.Costs` (defaults when None)."""
    costs = _costs(costs)
    return {m.name: m.compute(s, costs) for m in REGISTRY}


def metric(name: str, s: dict[str, np.ndarray], costs=None):
    """One metric from counter sums (see :func:`metrics_from_sums`)."""
    return _BY_NAME[name].compute(s, _costs(costs))


#: Metrics whose name in words is not their name with spaces (units dropped from the name:
#: they are given once, beside it).
METRIC_WORDS = {
    "asa_s": "average speed of answer", "mean_wait_s": "mean wait", "p_wait": "share that waited",
    "aht_s": "average handling time", "aht_first_s": "handling time of first contacts",
    "aht_repeat_s": "handling time of repeats", "aht_inflation": "handling-time inflation of repeats",
    "agent_hours": "agent hours", "overtime_h": "overtime", "fcr": "first-contact resolution",
    "abandon_rate": "abandonment", "morale_p10": "morale, 10th percentile", "morale_mean": "mean morale",
    "service_level_contract": "contractual service level", "cost_net": "cost net of customer value",
    "busy_h": "busy time",
}


def metric_words(name: str) -> str:
    """``service_level`` -> ``service level``; ``asa_s`` -> ``average speed of answer``."""
    return METRIC_WORDS.get(name, str(name).replace("_", " "))


def active_metrics(scenario) -> list[str]:
    """The metrics of the mechanisms ``scenario`` switches on, in :data:`REGISTRY` order."""
    on = {g for g, (_, uses) in GROUPS.items() if uses(scenario)}
    return [m.name for m in REGISTRY if m.group is None or m.group in on]


def metrics_reference() -> str:
    """The Markdown reference of every metric, generated from :data:`METRICS`."""
    lines = [
        "# Metrics reference",
        "",
        "Generated from the metric registry (`simcenter.output.metrics.REGISTRY`); a test keeps this page equal to the code.",
        "",
        "Conventions:",
        "",
        "* Statistics leave out the warm-up days (`simulation.warmup_days`).",
        "* A contact counts in the interval and day in which it *arrived*; agent time",
        "  (`occupancy`, `agent_hours`) in the interval in which it *passed*.",
        "* *Offered* contacts are those arriving while the center is open, first contacts,",
        "  redials and next-day returns alike (each attempt counts, as an ACD counts calls).",
        "  Every offered contact is answered, abandoned, or still waiting at the end of the run;",
        "  every contact arriving while closed is lost or deferred (`after_hours = lost + deferred`).",
        "* Each metric is computed within each replication as a ratio of that replication's",
        "  totals, then averaged over replications, with a 95% Student-t confidence interval",
        "  (`ci_low`, `ci_high`) cut to the metric's possible values (the *range* column: a",
        "  fraction or a level lies in [0, 1]; `net_value` and `cost_net`, balances, can be",
        "  negative; every other metric is 0 or more). Counts are totals over the reported",
        "  period (the run after warm-up, one day, or one interval).",
        "* `simcenter compare` keeps the interval of a difference B - A within what the difference",
        "  can take: within [-1, 1] for a metric in [0, 1], and within what each side's own range",
        "  and interval allow (see `simcenter.output.analysis.paired_interval`).",
        "* `service_level` with target `T` is *answered within T / offered*: abandoned callers",
        "  count against it, whatever their wait.",
        "* A ratio whose denominator is zero (no contact offered in an interval) is undefined",
        "  (NaN) and left out of the average.",
        "",
        "* The table of `simcenter run` shows a metric of a mechanism only when the scenario",
        "  switches that mechanism on (the *shown* column), and `simcenter compare` when either",
        "  scenario does; tables and JSON keep every metric.",
        "",
        "| metric | unit | range | definition | shown |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| `{m.name}` | {m.unit} | {range_text(*m.range)} | {m.meaning} | {GROUPS[m.group][0] if m.group else 'always'} |"
              for m in REGISTRY]
    return "\n".join(lines) + "\n"
