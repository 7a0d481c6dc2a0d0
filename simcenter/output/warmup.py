"""Warm-up: whether the start of a run is a start-up to leave out, or the run's own story.

``simulation.warmup_days`` leaves the first days of every run out of the statistics, so
that they describe a busy center rather than one that opened empty. MSER-5
(:func:`simcenter.output.analysis.mser5`) then judges whether the reported series still
starts with a start-up, and :meth:`simcenter.output.results.Results.warmup_report`
suggests a longer warm-up where it does.

Some scenarios change over the whole run on purpose: agents' morale and headcount drift
(``workforce.enabled``), lost customers lower the demand (``value.demand_feedback``),
noncompliance changes on the days of an outage (``promises.outages``). Their series has
no steady state to reach; MSER-5 would read the designed change as a start-up, and a
warm-up cut would hide the story the scenario tells. :func:`trend_by_design` names what
changes; no warm-up is suggested there.
"""

from __future__ import annotations

__all__ = ["trend_by_design"]


def trend_by_design(scenario) -> list[str]:
    """What in ``scenario`` changes over the reported run by design, in words with the
    parameter that makes it so (empty when nothing does)."""
    changing = []
    if scenario.workforce.enabled:
        changing.append("agents' morale and headcount (workforce.enabled)")
    if scenario.value.enabled and scenario.value.demand_feedback:
        changing.append("the demand, as lost customers stop calling (value.demand_feedback)")
    days = scenario.simulation.days
    base = {c.noncompliance for c in scenario.contact_types}
    shown = [o for o in scenario.promises.outages if o.start_day <= days and base != {o.noncompliance}]
    if shown:
        spans = ", ".join(f"days {o.start_day} to {min(o.end_day, days)}" if min(o.end_day, days) > o.start_day else f"day {o.start_day}"
                          for o in shown)
        changing.append(f"the noncompliance (promises.outages: {spans})")
    return changing
