"""Statistics accumulated while a run goes, and the metrics computed from them.

Two kinds of quantity, kept apart:

* *tallies per contact*, attributed to the interval in which the contact arrived
  (offered, answered, waits, handling times...);
* *time-weighted levels*, attributed to the interval in which the time passed (agent
  time on duty and busy time, for occupancy).

Each is a running sum per interval, so memory grows with the number of intervals, never
with the number of contacts. Metrics are ratios of sums over whichever intervals are
reported (one interval, a day, the whole run after the warm-up); see :data:`METRICS`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["COUNTERS", "METRICS", "Accumulator", "metrics_from_sums"]

#: Metric name -> (definition, unit). Counts are totals; the rest are ratios of totals.
METRICS = {
    "offered": ("contacts arriving while the center is open (first contacts, redials and next-day returns)", "contacts"),
    "answered": ("offered contacts taken by an agent", "contacts"),
    "abandoned": ("offered contacts whose caller hung up while waiting", "contacts"),
    "waiting_at_end": ("offered contacts still waiting when the run ended", "contacts"),
    "service_level": ("answered within service_level.target_s / offered", "fraction"),
    "asa_s": ("average speed of answer: mean wait of answered contacts", "s"),
    "mean_wait_s": ("mean wait of all offered contacts, abandoners' and still-waiting callers' time in queue included", "s"),
    "p_wait": ("share of offered contacts that waited at all", "fraction"),
    "abandon_rate": ("abandoned / offered", "fraction"),
    "occupancy": ("agent busy time (talk + wrap-up) / agent time on duty", "fraction"),
    "aht_s": ("mean handling time (talk + wrap-up) of answered contacts", "s"),
    "agent_hours": ("agent time on duty, close-out after closing included", "h"),
    "overtime_h": ("agent time on duty beyond the plan (contacts finished after an agent's time, close-out after closing) and all agent time in concession windows", "h"),
    "after_hours": ("contacts arriving while the center is closed", "contacts"),
    "lost_after_hours": ("after-hours contacts lost (calendar.after_hours = 'lost')", "contacts"),
    "deferred": ("after-hours contacts deferred to the next opening (calendar.after_hours = 'next_day')", "contacts"),
    "redials": ("abandoned callers who called again (each redial is also an offered contact)", "contacts"),
    "first_contacts": ("first contacts made by customers, counted once when made, whether the center is open or not (redials and next-day returns are further attempts of the same contact)", "contacts"),
    "repeat_contacts": ("repeat contacts made by customers after a broken promise, counted once when made, open or not", "contacts"),
    "repeat_rate": ("repeat_contacts / first_contacts", "ratio"),
    "failure_demand_share": ("offered contacts of failure demand (repeat contacts, their redials and next-day returns) / offered", "fraction"),
    "promises_made": ("promises made at the end of contacts (counted with their outcomes in the interval made)", "promises"),
    "promises_kept": ("promises kept", "promises"),
    "promises_broken": ("promises broken (fulfilment not done, or callback not made, by the due time)", "promises"),
    "promises_open": ("promises neither kept nor broken when the run ended", "promises"),
    "promise_keep_rate": ("promises_kept / (promises_kept + promises_broken)", "fraction"),
    "callbacks_on_time_rate": ("callback promises kept (customer reached by the due time) / callback promises kept or broken", "fraction"),
    "callback_attempts": ("outbound callback attempts, reached or not", "attempts"),
    "fcr": ("first-contact resolution: customers' first answered contacts with no broken promise afterwards / customers' first answered contacts", "fraction"),
    "recovery_rate": ("successful recoveries / recovery attempts on repeat contacts", "fraction"),
    "aht_first_s": ("mean handling time (talk + wrap-up) of answered contacts that are not failure demand", "s"),
    "aht_repeat_s": ("mean handling time of answered failure-demand contacts", "s"),
    "aht_inflation": ("handling time of answered contacts / the same contacts' handling time without anger effects", "ratio"),
    "churned": ("customers lost: anger at customers.churn_anger, or not returning after a broken promise", "customers"),
    "concessions": ("concessions: recoveries made by a concession, and management overrides of out-of-policy refusals", "concessions"),
    "cost_agents": ("agent_hours x costs.agent_hour", "currency"),
    "cost_concessions": ("concessions x costs.concession", "currency"),
    "cost_churn": ("churned x costs.lost_customer", "currency"),
    "cost_overtime": ("overtime_h x costs.overtime_premium (the premium on top of the hours' base cost in cost_agents)", "currency"),
    "cost": ("cost_agents + cost_overtime + cost_concessions + cost_churn", "currency"),
    "morale_mean": ("agents' morale averaged over employed agents and days (daily snapshot at midnight; workforce.enabled only)", "level 0-1"),
    "morale_p10": ("10th percentile of agents' morale, averaged over days (workforce.enabled only)", "level 0-1"),
    "headcount": ("employed agents, averaged over days (workforce.enabled only)", "agents"),
    "quits": ("agents who decided to quit (they leave at the end of that day)", "agents"),
    "hires": ("new hires who started", "agents"),
    "absence_rate": ("agent-days absent / agent-days employed", "fraction"),
    "aggressions": ("aggression incidents against agents (workforce.enabled only)", "incidents"),
    "conceded": ("callers served out of contract in the concession window after closing (included in offered and the measured service_level)", "contacts"),
    "service_level_contract": ("service level over the contacts the service contract covers: (answered within target - conceded ones) / (offered - conceded)", "fraction"),
    "out_of_policy": ("answered contacts with a request against the rules", "contacts"),
    "overrides": ("out-of-policy requests conceded by management against the agent's refusal (each also a concession)", "contacts"),
}


#: Metrics that only mean something when a mechanism is switched on (the human-readable
#: table of ``simcenter run`` leaves the others out; tables and JSON keep every metric).
METRIC_GROUPS = {
    "promises": ("first_contacts", "repeat_contacts", "repeat_rate", "failure_demand_share", "promises_made", "promises_kept",
                 "promises_broken", "promises_open", "promise_keep_rate", "callbacks_on_time_rate", "callback_attempts", "fcr",
                 "recovery_rate", "aht_first_s", "aht_repeat_s", "aht_inflation", "churned", "concessions", "cost_concessions", "cost_churn"),
    "workforce": ("morale_mean", "morale_p10", "headcount", "quits", "hires", "absence_rate", "aggressions"),
    "concessions": ("conceded", "service_level_contract", "out_of_policy", "overrides"),
    "after_hours": ("after_hours", "lost_after_hours", "deferred"),
}


def active_metrics(scenario) -> list[str]:
    """The metrics of the mechanisms ``scenario`` switches on, in :data:`METRICS` order."""
    off = set()
    if not scenario.has_promises and scenario.policy.out_of_policy_prob == 0:
        off |= set(METRIC_GROUPS["promises"])
    if not scenario.workforce.enabled:
        off |= set(METRIC_GROUPS["workforce"])
    if scenario.calendar.after_hours != "conceded" and scenario.policy.out_of_policy_prob == 0:
        off |= set(METRIC_GROUPS["concessions"])
    if scenario.policy.out_of_policy_prob > 0:
        off -= {"concessions", "cost_concessions"}
    cal = scenario.calendar
    if cal.open == "00:00" and cal.close == "24:00" and len(cal.weekdays) == 7:
        off |= set(METRIC_GROUPS["after_hours"])
    if scenario.patience.redial_prob == 0:
        off.add("redials")
    return [m for m in METRICS if m not in off]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def metrics_from_sums(s: dict[str, np.ndarray], costs=None) -> dict[str, np.ndarray]:
    """Every metric of :data:`METRICS` from counter sums of any shape; ``costs`` is the
    scenario's :class:`~simcenter.scenario.Costs` (defaults when None)."""
    if costs is None:
        from ..scenario import Costs

        costs = Costs()
    agent_hours = s["staffed_s"] / 3600.0
    cost_agents = agent_hours * costs.agent_hour
    cost_concessions = s["concessions"] * costs.concession
    cost_churn = s["churned"] * costs.lost_customer
    cost_overtime = s["overtime_s"] / 3600.0 * costs.overtime_premium
    return {
        "offered": s["offered"],
        "answered": s["answered"],
        "abandoned": s["abandoned"],
        "waiting_at_end": s["waiting_at_end"],
        "service_level": _ratio(s["answered_in_target"], s["offered"]),
        "asa_s": _ratio(s["wait_answered_s"], s["answered"]),
        "mean_wait_s": _ratio(s["wait_answered_s"] + s["wait_other_s"], s["offered"]),
        "p_wait": _ratio(s["waited"], s["offered"]),
        "abandon_rate": _ratio(s["abandoned"], s["offered"]),
        "occupancy": _ratio(s["busy_s"], s["staffed_s"]),
        "aht_s": _ratio(s["handle_s"], s["answered"]),
        "agent_hours": s["staffed_s"] / 3600.0,
        "overtime_h": s["overtime_s"] / 3600.0,
        "after_hours": s["after_hours"],
        "lost_after_hours": s["lost_after_hours"],
        "deferred": s["deferred"],
        "redials": s["redials"],
        "first_contacts": s["first_contacts"],
        "repeat_contacts": s["repeat_contacts"],
        "repeat_rate": _ratio(s["repeat_contacts"], s["first_contacts"]),
        "failure_demand_share": _ratio(s["failure_demand"], s["offered"]),
        "promises_made": s["promises_made"],
        "promises_kept": s["promises_kept"],
        "promises_broken": s["promises_broken"],
        "promises_open": s["promises_open"],
        "promise_keep_rate": _ratio(s["promises_kept"], s["promises_kept"] + s["promises_broken"]),
        "callbacks_on_time_rate": _ratio(s["callbacks_kept"], s["callbacks_kept"] + s["callbacks_broken"]),
        "callback_attempts": s["callback_attempts"],
        "fcr": 1.0 - _ratio(s["fcr_unresolved"], s["fcr_base"]),
        "recovery_rate": _ratio(s["recoveries"], s["recovery_attempts"]),
        "aht_first_s": _ratio(s["handle_first_s"], s["answered_first"]),
        "aht_repeat_s": _ratio(s["handle_repeat_s"], s["answered_repeat"]),
        "aht_inflation": _ratio(s["handle_s"], s["handle_base_s"]),
        "churned": s["churned"],
        "concessions": s["concessions"],
        "cost_agents": cost_agents,
        "cost_concessions": cost_concessions,
        "cost_churn": cost_churn,
        "cost_overtime": cost_overtime,
        "cost": cost_agents + cost_overtime + cost_concessions + cost_churn,
        "morale_mean": _ratio(s["morale_sum"], s["headcount_sum"]),
        "morale_p10": _ratio(s["morale_p10_sum"], s["roster_days"]),
        "headcount": _ratio(s["headcount_sum"], s["roster_days"]),
        "quits": s["quits"],
        "hires": s["hires"],
        "absence_rate": _ratio(s["absent_days"], s["headcount_sum"]),
        "aggressions": s["aggressions"],
        "conceded": s["conceded"],
        "service_level_contract": _ratio(s["answered_in_target"] - s["conceded_in_target"], s["offered"] - s["conceded"]),
        "out_of_policy": s["out_of_policy"],
        "overrides": s["overrides"],
    }


def metrics_reference() -> str:
    """The Markdown reference of every metric, generated from :data:`METRICS`."""
    lines = [
        "# Metrics reference",
        "",
        "Generated from `simcenter.stats.METRICS`; a test keeps this page equal to the code.",
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
        "  (`ci_low`, `ci_high`) cut to the metric's possible values. Counts are totals over the",
        "  reported period (the run after warm-up, one day, or one interval).",
        "* `service_level` with target `T` is *answered within T / offered*: abandoned callers",
        "  count against it, whatever their wait.",
        "* A ratio whose denominator is zero (no contact offered in an interval) is undefined",
        "  (NaN) and left out of the average.",
        "",
        "| metric | unit | definition |",
        "|---|---|---|",
    ]
    lines += [f"| `{name}` | {unit} | {text} |" for name, (text, unit) in METRICS.items()]
    return "\n".join(lines) + "\n"
