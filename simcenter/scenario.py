"""Scenarios: what a planner describes about a contact center, as a frozen, validated value.

A scenario file is TOML. Its sections say how long to simulate (``[simulation]``), when the
center is open (``[calendar]``), how many contacts arrive and when (``[arrivals]``), what
kinds of contact there are and how long they take (``[[contact_types]]``), how long
callers are willing to wait (``[patience]``), how many agents are on duty
(``[agents]``), and what counts as answered on time (``[service_level]``).

Durations are in seconds when under an hour (keys ending ``_s``), in minutes, hours
(``_h``) or days (``_days``) above that, as each key's name says. With only the core
sections and exponential distributions the model is the Erlang A (or, with patience
``none``, Erlang C) queue.

Build a scenario with :meth:`Scenario.from_file` or :meth:`Scenario.from_dict`; make a
variant with :meth:`Scenario.replace` and dotted keys (``"agents.staffing"``), the same
keys the command line's ``--set`` takes. Every error names the field, the value and what
is allowed.
"""

from __future__ import annotations

import copy
import math
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .errors import ScenarioError
from .dotted import parse_override, set_dotted, split_key
from .groups import AgentGroup, Routing, Skill, check_groups
from .value import Value
from .hours import Date, DayHours, check_calendar, check_hours_grid, check_weekday_plans, clock_minutes, first_weekday, holidays, weekday_spans
from .schema import (
    WEEKDAYS,
    Boolean,
    Choice,
    ClockTime,
    Integer,
    ListOf,
    Number,
    OneOrList,
    Table,
    TableList,
    Text,
    WeekdayTable,
    build,
    check_depth,
    dumps_toml,
    json_schema,
    markdown_reference,
    param,
    parse_toml,
    read_toml,
    to_data,
)

__all__ = [
    "Scenario",
    "Simulation",
    "Calendar",
    "Arrivals",
    "ContactType",
    "Distribution",
    "Patience",
    "Agents",
    "Shift",
    "Break",
    "ServiceLevel",
    "Delay",
    "Outage",
    "Promises",
    "Callbacks",
    "Customers",
    "Recovery",
    "Costs",
    "Policy",
    "Workforce",
    "Morale",
    "AgentGroup",
    "Skill",
    "Routing",
    "Value",
    "parse_override",
    "scenario_json_schema",
    "parameter_reference",
]

MAX_AGENTS = 100_000


@dataclass(frozen=True, kw_only=True)
class Simulation:
    """How long to simulate, how often, with which seed, and how finely to report."""

    days: int = param(Integer(1, 3660), 5, unit="days", doc="Simulated days after the warm-up; every statistic covers these days.")
    warmup_days: int = param(Integer(0, 365), 1, unit="days", doc="Days simulated before the statistics start, so that the run starts from a busy center rather than an empty one.")
    replications: int = param(Integer(1, 100_000), 10, unit="runs", doc="Independent replications; confidence intervals are computed over them.")
    seed: int = param(Integer(0, 2**63 - 1), 1, unit="-", doc="Root seed; every replication and random stream is derived from it with numpy's SeedSequence.")
    interval_minutes: int = param(Integer(1, 1440), 30, unit="minutes", doc="Length of a reporting and staffing interval; must divide a day (1440 minutes).")

    def _check(self, path: str) -> None:
        if 1440 % self.interval_minutes:
            raise ScenarioError(
                f"{path}.interval_minutes",
                f"must divide a day of 1440 minutes (e.g. 15, 30, 60), got {self.interval_minutes}",
                value=self.interval_minutes,
            )


@dataclass(frozen=True, kw_only=True)
class Calendar:
    """Opening hours, open days, holidays and what happens to contacts that arrive while
    closed. ``open``-``close`` is the widest day; ``hours`` gives some weekdays shorter
    hours or closes them, and ``closed_dates`` closes dates (with ``start_date``)."""

    open: str = param(ClockTime(), "00:00", unit="HH:MM", doc="Opening time on open days (the earliest, when `hours` gives some weekdays their own); must fall on an interval boundary.")
    close: str = param(ClockTime(), "24:00", unit="HH:MM", doc='Closing time on open days ("24:00" for midnight; the latest, when `hours` gives some weekdays their own); later than `open` and on an interval boundary. Callers already queued at closing are still served by the agents on duty (close-out).')
    weekdays: tuple = param(ListOf(Choice(*WEEKDAYS), 1, 7, unique=True), WEEKDAYS, unit="-", doc="Days of the week the center opens.")
    hours: tuple | None = param(WeekdayTable(DayHours(), None), None, unit="HH:MM-HH:MM", doc='A weekday\'s own opening hours, e.g. `{ fri = "08:00-13:00", sat = "closed" }`: "HH:MM-HH:MM" on interval boundaries within `open`-`close`, or "closed" (a closed day). Weekdays not named keep `open`-`close`; only weekdays of `weekdays` may be named. `open`-`close` stays the widest day: the per-interval lists (`arrivals.calls_per_hour`, `arrivals.profile`, `agents.staffing`) keep one value per interval of it, and the intervals outside a day\'s own hours are closed that day (arrivals at `arrivals.after_hours_calls_per_hour`). A day closing early closes like any other: queued callers are served (close-out), and `after_hours` and the concession window apply from its closing.')
    start_weekday: str | None = param(Choice(*WEEKDAYS), None, unit="-", doc="Weekday of the first simulated day (the first warm-up day, if any). Unset: the weekday of `start_date`, or Monday without one; given with `start_date`, it must be that date's weekday.")
    start_date: str | None = param(Date(), None, unit="YYYY-MM-DD", doc="Date of the first simulated day (day 0, the first warm-up day): it sets the weekday of day 0 and places `closed_dates` in the run. Unset: the days have weekdays but no dates.")
    closed_dates: tuple = param(ListOf(Date(), 0, 10_000, unique=True), (), unit="YYYY-MM-DD", doc='Dates the center stays closed all day (public holidays), e.g. `["2025-12-25", "2025-12-26"]`: each is a closed day, as a weekday not in `weekdays` is (arrivals at `arrivals.after_hours_calls_per_hour`, following `after_hours`), and no shift starts on it. Needs `start_date`; dates outside the run have no effect.')
    after_hours: str = param(Choice("lost", "next_day", "conceded"), "lost", unit="-", doc="What happens to a contact that arrives while the center is closed: `lost` (counted in `lost_after_hours`), `next_day` (the customer tries again after the next opening), or `conceded` (out of contract, callers in the `concession_window_minutes` after closing are still served by the agents on duty at closing, who stay on as overtime; later ones are lost).")
    concession_window_minutes: int = param(Integer(0, 1440), 60, unit="minutes", doc="With `after_hours = \"conceded\"`: how long after closing callers are still served; a multiple of `simulation.interval_minutes`.")
    next_day_spread_minutes: float = param(Number(0, 1440), 60.0, unit="minutes", doc="With `after_hours = \"next_day\"`, deferred contacts return spread uniformly over this window after the next opening.")

    @property
    def open_minute(self) -> int:
        return clock_minutes(self.open)

    @property
    def close_minute(self) -> int:
        return clock_minutes(self.close)

    def _check(self, path: str) -> None:
        if self.after_hours == "conceded" and self.close_minute + self.concession_window_minutes > 1440 + self.open_minute:
            raise ScenarioError(f"{path}.concession_window_minutes", f"must end before the next opening, got {self.concession_window_minutes}", value=self.concession_window_minutes)
        if self.close_minute <= self.open_minute:
            raise ScenarioError(
                f"{path}.close",
                f"must be later than calendar.open ({self.open!r}), got {self.close!r}",
                value=self.close,
            )
        check_calendar(self, path or "calendar")


@dataclass(frozen=True, kw_only=True)
class Arrivals:
    """First contacts: a Poisson stream whose rate varies by interval and weekday.

    Give either a flat or per-interval rate (``calls_per_hour``) or a daily volume
    (``calls_per_day``) shaped by an intraday ``profile``. Rates apply during opening
    hours; ``after_hours_calls_per_hour`` sets the rate while the center is closed.
    """

    calls_per_hour: Any = param(OneOrList(Number(0, 1e7)), None, unit="contacts/hour", doc="Arrival rate during opening hours: one number, or a list with one rate per interval of the open hours. Exclusive with `calls_per_day`.")
    calls_per_day: float | None = param(Number(0, 1e8), None, unit="contacts/day", doc="Expected first contacts per open day (before the weekday factor), spread over the open hours by `profile`. Exclusive with `calls_per_hour`.")
    profile: tuple | None = param(ListOf(Number(0, 1e9), 1, 1440), None, unit="relative weight", doc="With `calls_per_day`: one weight per interval of the open hours, the share of the day's volume arriving in it (normalized to sum 1). Unset: a flat day.")
    day_of_week: tuple = param(WeekdayTable(Number(0, 100), 1.0), (1.0,) * 7, unit="factor", doc="Multiplies the arrival rate on each weekday (e.g. `{ mon = 1.15, fri = 0.9 }`); days not named keep 1.0.")
    after_hours_calls_per_hour: float = param(Number(0, 1e7), 0.0, unit="contacts/hour", doc="Arrival rate of first contacts while the center is closed (outside opening hours and on closed days); they follow `calendar.after_hours`.")

    def _check(self, path: str) -> None:
        if (self.calls_per_hour is None) == (self.calls_per_day is None):
            given = "both" if self.calls_per_hour is not None else "neither"
            raise ScenarioError(
                f"{path}.calls_per_hour",
                f"give exactly one of {path}.calls_per_hour and {path}.calls_per_day, got {given}",
            )
        if self.profile is not None and self.calls_per_day is None:
            raise ScenarioError(f"{path}.profile", f"is only used with {path}.calls_per_day; set that instead of calls_per_hour")
        if self.profile is not None and sum(self.profile) <= 0:
            raise ScenarioError(f"{path}.profile", f"must have a positive sum, got {list(self.profile)!r}")


@dataclass(frozen=True, kw_only=True)
class Distribution:
    """A handling-time distribution.

    ``exponential`` and ``deterministic`` take ``mean_s``; ``lognormal`` and ``gamma``
    take ``mean_s`` and ``cv`` (coefficient of variation, the field's usual
    parametrization; the gamma's shape is ``1 / cv**2`` and its scale ``mean_s * cv**2``);
    ``empirical`` resamples ``samples_s`` uniformly. Parameters the chosen distribution
    does not use are ignored.
    """

    dist: str = param(Choice("exponential", "lognormal", "gamma", "deterministic", "empirical"), unit="-", doc="Distribution family: `gamma` is the third family a contact log's handling times are fitted with (shape 1/cv², scale mean·cv²; cv = 1 is the exponential).")
    mean_s: float | None = param(Number(0, 86_400, exclusive_min=True), None, unit="s", doc="Mean (for `deterministic`: the value).")
    cv: float | None = param(Number(0, 20, exclusive_min=True), None, unit="-", doc="Coefficient of variation (standard deviation / mean), for `lognormal` and `gamma`.")
    samples_s: tuple | None = param(ListOf(Number(0, 86_400), 1, 1_000_000), None, unit="s", doc="Observed handling times, for `empirical`; each draw picks one at random.")

    def _check(self, path: str) -> None:
        needs = {"exponential": ("mean_s",), "deterministic": ("mean_s",), "lognormal": ("mean_s", "cv"), "gamma": ("mean_s", "cv"),
                 "empirical": ("samples_s",)}
        for key in needs[self.dist]:
            if getattr(self, key) is None:
                raise ScenarioError(f"{path}.{key}", f"is required when dist = {self.dist!r}")
        if self.dist == "empirical" and max(self.samples_s) <= 0:
            raise ScenarioError(f"{path}.samples_s", "must contain at least one positive time")

    @property
    def mean(self) -> float:
        """The distribution's mean in seconds."""
        if self.dist == "empirical":
            return sum(self.samples_s) / len(self.samples_s)
        return self.mean_s


@dataclass(frozen=True, kw_only=True)
class Delay:
    """A random delay in hours: ``deterministic`` (always ``mean_h``), ``exponential`` or
    ``lognormal`` (by ``mean_h`` and ``cv``)."""

    dist: str = param(Choice("deterministic", "exponential", "lognormal"), "deterministic", unit="-", doc="Distribution family of the delay.")
    mean_h: float = param(Number(0, 24 * 3660), 24.0, unit="h", doc="Mean delay (for `deterministic`: the delay).")
    cv: float | None = param(Number(0, 20, exclusive_min=True), None, unit="-", doc="Coefficient of variation, for `lognormal`.")

    def _check(self, path: str) -> None:
        if self.dist == "lognormal" and self.cv is None:
            raise ScenarioError(f"{path}.cv", "is required when dist = 'lognormal'")


@dataclass(frozen=True, kw_only=True)
class Patience:
    """How long callers wait in queue before they hang up, and whether they try again.

    The scenario-wide ``[patience]`` applies to every contact type without a ``patience``
    table of its own (``contact_types[i].patience``, with the same keys)."""

    dist: str = param(Choice("exponential", "lognormal", "none"), "none", unit="-", doc="Patience distribution; `none` means callers never abandon (Erlang C). `mean_s` and `cv` are ignored with `none`.")
    mean_s: float | None = param(Number(0, 1e7, exclusive_min=True), None, unit="s", doc="Mean patience; required for `exponential` and `lognormal`.")
    cv: float | None = param(Number(0, 20, exclusive_min=True), None, unit="-", doc="Coefficient of variation of patience, for `lognormal`.")
    redial_prob: float = param(Number(0, 1), 0.0, unit="probability", doc="Chance that a caller who abandoned calls again; each redial is a new offered contact.")
    redial_delay_mean_s: float = param(Number(0, 1e7, exclusive_min=True), 600.0, unit="s", doc="Mean of the exponential delay before a redial.")

    def _check(self, path: str) -> None:
        if self.dist != "none" and self.mean_s is None:
            raise ScenarioError(f"{path}.mean_s", f"is required when dist = {self.dist!r}")
        if self.dist == "lognormal" and self.cv is None:
            raise ScenarioError(f"{path}.cv", "is required when dist = 'lognormal'")


@dataclass(frozen=True, kw_only=True)
class ContactType:
    """A kind of contact (order status, technical fault, billing...): its share of the
    first contacts, its handling time, its after-contact work and, optionally, its callers'
    own patience."""

    name: str = param(Text(60), unit="-", doc="Name of the contact type, unique in the scenario.")
    share: float = param(Number(0, 1), 1.0, unit="fraction", doc="Share of first contacts of this type; the shares of all types sum to 1.")
    handle_time: Distribution = param(Table(Distribution), unit="-", doc="Talk time distribution (see the table below).")
    wrapup_s: float = param(Number(0, 86_400), 0.0, unit="s", doc="After-contact work: the agent stays busy this long after each contact; counted in handling time and occupancy.")
    promise_prob: float = param(Number(0, 1), 0.0, unit="probability", doc="Chance that an answered contact of this type ends with a promise (a repeat contact after a failed recovery always does).")
    promise_kind: str = param(Choice("fulfilment", "callback"), "fulfilment", unit="-", doc="`fulfilment`: the back office must act by the due time; `callback`: an agent must call the customer back by the due time.")
    promise_due: Delay = param(Table(Delay), Delay(dist="deterministic", mean_h=24.0), unit="-", doc="Time from the end of the contact to the promise's due time (a Delay table, in hours).")
    noncompliance: float = param(Number(0, 1), 0.0, unit="probability", doc="Chance that a fulfilment promise of this type is broken (see also `promises.outages`).")
    patience: Patience | None = param(Table(Patience), None, unit="-", doc="This type's callers' patience and redials, a table with the keys of `[patience]` (e.g. `{ dist = \"exponential\", mean_s = 120.0, redial_prob = 0.3 }`); keys not given take their defaults, not `[patience]`'s values. Unset: the scenario-wide `[patience]`.")


@dataclass(frozen=True, kw_only=True)
class Outage:
    """A period in which fulfilment promises coming due are broken at another rate (a
    back-office outage, a strike, a system migration)."""

    start_day: int = param(Integer(1, 3660), unit="day", doc="First day of the outage, counting from 1 at the first day after the warm-up; days beyond the run have no effect.")
    end_day: int = param(Integer(1, 3660), unit="day", doc="Last day of the outage (inclusive).")
    noncompliance: float = param(Number(0, 1), unit="probability", doc="Chance that a fulfilment promise coming due in these days is broken, for every contact type.")

    def _check(self, path: str) -> None:
        if self.end_day < self.start_day:
            raise ScenarioError(f"{path}.end_day", f"must be >= start_day ({self.start_day}), got {self.end_day}", value=self.end_day)


@dataclass(frozen=True, kw_only=True)
class Promises:
    """What customers do when a promise is broken."""

    notice_delay: Delay = param(Table(Delay), Delay(dist="exponential", mean_h=24.0), unit="-", doc="Time from a broken fulfilment promise's due time until the customer notices and reacts (a Delay table, in hours).")
    callback_notice_delay: Delay = param(Table(Delay), Delay(dist="exponential", mean_h=1.0), unit="-", doc="Time from a missed callback's due time until the customer reacts (a Delay table, in hours).")
    return_prob: float = param(Number(0, 1), 1.0, unit="probability", doc="Chance that a customer who notices a broken promise contacts the center again; the others churn silently (counted in `churned`).")
    outages: tuple = param(TableList(Outage, 0, 100), (), unit="-", doc="Periods with another noncompliance rate for every contact type, e.g. `[{ start_day = 8, end_day = 10, noncompliance = 0.6 }]`.")


@dataclass(frozen=True, kw_only=True)
class Callbacks:
    """The callback queue: promised calls back to customers, served by the same agents."""

    priority: str = param(Choice("inbound_first", "callbacks_first", "reserved", "deadline"), "inbound_first", unit="-", doc="Which work a free agent takes when callers wait and callbacks are pending: `inbound_first`, `callbacks_first`, `reserved` (the first `reserved_agents` agents on duty take callbacks first, the rest inbound first), `deadline` (a callback due within `deadline_window_min` goes first, otherwise inbound first).")
    reserved_agents: int = param(Integer(0, 100_000), 0, unit="agents", doc="With `priority = \"reserved\"`: agents who take callbacks first.")
    deadline_window_min: float = param(Number(0, 10_080), 30.0, unit="minutes", doc="With `priority = \"deadline\"`: a callback this close to its due time goes before inbound callers.")
    reach_prob: float = param(Number(0, 1), 0.8, unit="probability", doc="Chance that a callback attempt reaches the customer.")
    attempt_s: float = param(Number(0, 3600), 60.0, unit="s", doc="Agent time spent on an attempt that does not reach the customer.")
    retry_delay_min: float = param(Number(0, 10_080), 30.0, unit="minutes", doc="Wait before trying an unreached customer again.")
    max_attempts: int = param(Integer(1, 100), 3, unit="attempts", doc="Attempts per callback; a customer not reached by then, or by the due time, has a broken promise.")


@dataclass(frozen=True, kw_only=True)
class Customers:
    """Customers' memory: anger from broken promises and long waits, and its effects.

    Anger is a number >= 0 (0 = calm). It rises by ``anger_per_broken_promise`` with each
    broken promise and by ``anger_per_wait_min`` for each minute waited beyond
    ``anger_wait_threshold_s``, and halves every ``anger_half_life_days``. An angry
    customer's patience is divided by ``1 + patience_anger_factor * anger``; handling takes
    the talk time times ``1 + resolution_anger_factor * anger`` plus a de-escalation time,
    exponential with mean ``deescalation_s_per_anger * anger`` and capped at
    ``deescalation_cap_s``. A customer whose anger reaches ``churn_anger`` when a promise
    breaks leaves the company instead of calling again.
    """

    anger_per_broken_promise: float = param(Number(0, 100), 1.0, unit="anger", doc="Anger added by each broken promise, when the customer notices it.")
    anger_per_wait_min: float = param(Number(0, 100), 0.0, unit="anger/minute", doc="Anger added per minute waited in queue beyond `anger_wait_threshold_s`.")
    anger_wait_threshold_s: float = param(Number(0, 86_400), 60.0, unit="s", doc="Waits up to this long add no anger.")
    anger_half_life_days: float = param(Number(0, 3660, exclusive_min=True), 7.0, unit="days", doc="Anger decays exponentially with this half-life.")
    patience_anger_factor: float = param(Number(0, 100), 0.5, unit="1/anger", doc="Patience is divided by 1 + this x anger.")
    resolution_anger_factor: float = param(Number(0, 100), 0.1, unit="1/anger", doc="Talk time is multiplied by 1 + this x anger.")
    deescalation_s_per_anger: float = param(Number(0, 86_400), 300.0, unit="s/anger", doc="Mean de-escalation time per unit of anger (exponential), added to the talk time.")
    deescalation_cap_s: float = param(Number(0, 86_400), 3600.0, unit="s", doc="Longest de-escalation (one annoyed customer can cost an agent an hour).")
    churn_anger: float = param(Number(0, 1e9, exclusive_min=True), 4.0, unit="anger", doc="A customer whose anger reaches this when a promise breaks churns instead of contacting the center again.")


@dataclass(frozen=True, kw_only=True)
class Recovery:
    """The agent's attempt to recover a customer on a repeat contact.

    Success probability ``p = f + (1 - f) * empowerment * concession_success`` with
    ``f = logistic(base + training_weight * training + support_weight * support
    + morale_weight * (morale - 1) - anger_weight * anger)``: the agent first tries to fix
    the case by ordinary means (``f``); if that fails, an empowered agent (chance
    ``empowerment``) may make a concession, which works with chance ``concession_success``
    and costs ``costs.concession``. Morale is 1 until agents' morale is modelled. Success
    closes the case and removes ``calm_on_success`` of the customer's anger; failure leaves
    a new promise of the contact's type, which can break again.
    """

    enabled: bool = param(Boolean(), True, unit="-", doc="Attempt recovery on repeat contacts; when false a repeat contact ends with a promise like any contact (`promise_prob`).")
    training: float = param(Number(0, 1), 0.5, unit="level 0-1", doc="Agents' training in handling failed promises.")
    support: float = param(Number(0, 1), 0.5, unit="level 0-1", doc="Organizational support: tools, back-office access, escalation paths.")
    empowerment: float = param(Number(0, 1), 0.0, unit="probability", doc="Authority to make concessions: chance that an agent may bend the rules when ordinary means fail.")
    concession_success: float = param(Number(0, 1), 0.9, unit="probability", doc="Chance that a concession recovers the customer.")
    base: float = param(Number(-20, 20), -1.0, unit="log-odds", doc="Log-odds of recovery by ordinary means at zero training and support, a calm customer and full morale.")
    training_weight: float = param(Number(0, 20), 2.0, unit="log-odds", doc="Log-odds added by full training.")
    support_weight: float = param(Number(0, 20), 1.0, unit="log-odds", doc="Log-odds added by full support.")
    morale_weight: float = param(Number(0, 20), 2.0, unit="log-odds", doc="Log-odds lost per unit of morale below 1.")
    anger_weight: float = param(Number(0, 20), 0.5, unit="log-odds/anger", doc="Log-odds lost per unit of customer anger.")
    calm_on_success: float = param(Number(0, 1), 0.8, unit="fraction", doc="Share of the customer's anger removed by a successful recovery.")


@dataclass(frozen=True, kw_only=True)
class Policy:
    """Requests against the rules (seed 002): a customer asks for what the service contract
    does not allow, the agent correctly refuses, and management may overrule the agent to
    please the customer."""

    out_of_policy_prob: float = param(Number(0, 1), 0.0, unit="probability", doc="Chance that an answered contact includes a request against the rules.")
    override_prob: float = param(Number(0, 1), 0.0, unit="probability", doc="Chance that management concedes such a request against the agent's refusal (a concession, and a morale hit for the agent, `morale.management_override`).")
    refusal_anger: float = param(Number(0, 100), 0.5, unit="anger", doc="Anger added to a customer whose out-of-policy request is refused.")


@dataclass(frozen=True, kw_only=True)
class Costs:
    """Cost rates, in one currency of the planner's choice."""

    agent_hour: float = param(Number(0, 1e6), 30.0, unit="currency/h", doc="Cost of one agent hour on duty.")
    overtime_premium: float = param(Number(0, 1e6), 15.0, unit="currency/h", doc="Extra cost of an overtime hour on top of `agent_hour`.")
    concession: float = param(Number(0, 1e9), 25.0, unit="currency", doc="Cost of one concession made in a recovery.")
    lost_customer: float = param(Number(0, 1e9), 500.0, unit="currency", doc="Value of one customer over the planning horizon: the cost of a churned customer, and the unit of the customer-value accounts ([value]).")


@dataclass(frozen=True, kw_only=True)
class Workforce:
    """Agents as people: a roster of employed agents who are absent some days, lose or
    regain heart, quit, and are replaced.

    With ``enabled``, ``agents.staffing`` is the *plan*; the agents actually on duty are at
    most the employed agents present that day. Each agent has a morale in [0, 1] (see the
    [morale] table) and a baseline it drifts back to. Each day an agent is absent with
    probability ``absence_rate * (1 + absence_morale_factor * (1 - morale))`` and quits with
    probability ``quit_rate * exp(quit_morale_factor * (1 - morale))``; a quitting agent
    works out the day and leaves at midnight. Each quit opens a vacancy filled
    ``hiring_delay_days`` later, up to ``target_headcount``. Talk times are multiplied by
    ``(1 + slowdown_morale_factor * (1 - morale)) * (1 + (new_hire_slowdown - 1) *
    exp(-weeks since hire / learning_weeks))``. Baselines of new hires (and of the first
    roster) are drawn from a normal with mean ``0.65 + 0.2 * hiring_selectivity`` and
    standard deviation ``0.05 + 0.2 * (1 - hiring_selectivity)``, cut to [0.05, 1].
    """

    enabled: bool = param(Boolean(), False, unit="-", doc="Model agents as people (roster, morale, absence, attrition, hiring); off, agents are the plan's identical servers.")
    headcount: int = param(Integer(0, MAX_AGENTS), 0, unit="agents", doc="Agents employed at the start.")
    target_headcount: int | None = param(Integer(0, MAX_AGENTS), None, unit="agents", doc="Headcount that hiring restores; unset: `headcount`.")
    hiring_delay_days: int = param(Integer(0, 3660), 28, unit="days", doc="Days from a quit to the replacement's first day.")
    hiring_selectivity: float = param(Number(0, 1), 0.5, unit="level 0-1", doc="How selective hiring is: raises new hires' mean baseline morale (resilience) and narrows its spread.")
    new_hire_slowdown: float = param(Number(1, 10), 1.4, unit="factor", doc="Talk-time multiplier of a new hire on their first day.")
    learning_weeks: float = param(Number(0, 520, exclusive_min=True), 4.0, unit="weeks", doc="Time constant of the learning curve: the extra slowness falls by a factor e every this many weeks.")
    absence_rate: float = param(Number(0, 1), 0.04, unit="probability/day", doc="Daily absence probability (shrinkage) of an agent with full morale.")
    absence_morale_factor: float = param(Number(0, 20), 2.0, unit="-", doc="Absence is multiplied by 1 + this x (1 - morale).")
    quit_rate: float = param(Number(0, 1), 0.0004, unit="probability/day", doc="Daily quit probability of an agent with full morale.")
    quit_morale_factor: float = param(Number(0, 20), 5.0, unit="-", doc="The quit probability is multiplied by exp(this x (1 - morale)).")
    slowdown_morale_factor: float = param(Number(0, 10), 0.3, unit="-", doc="Talk times are multiplied by 1 + this x (1 - morale).")

    def _check(self, path: str) -> None:
        if self.enabled and self.headcount == 0:
            raise ScenarioError(f"{path}.headcount", "must be at least 1 when workforce.enabled = true, got 0", value=0)


@dataclass(frozen=True, kw_only=True)
class Morale:
    """What raises and lowers an agent's morale (used with ``workforce.enabled``).

    Morale stays in [0, 1]. After each contact it falls by ``per_anger`` times the
    customer's anger (at most 5 counted), by ``aggression`` if the customer was aggressive
    (chance ``aggression_prob_per_anger`` times anger), by ``failed_recovery`` after a failed
    recovery; it rises by ``recovery_success`` after a successful one and by
    ``empowered_decision`` after a concession the agent was allowed to make. At each
    midnight a day worked above ``occupancy_threshold`` costs ``occupancy_penalty`` times
    (occupancy - threshold) / (1 - threshold), and morale then drifts toward the agent's
    baseline, closing the gap by a factor e every ``recovery_days``.
    """

    per_anger: float = param(Number(0, 1), 0.004, unit="morale/anger", doc="Morale lost per unit of the customer's anger after each contact.")
    aggression_prob_per_anger: float = param(Number(0, 1), 0.02, unit="probability/anger", doc="Chance per unit of anger that a contact includes an aggression against the agent.")
    aggression: float = param(Number(0, 1), 0.05, unit="morale", doc="Morale lost per aggression incident.")
    failed_recovery: float = param(Number(0, 1), 0.01, unit="morale", doc="Morale lost per failed recovery.")
    recovery_success: float = param(Number(0, 1), 0.006, unit="morale", doc="Morale gained per successful recovery.")
    empowered_decision: float = param(Number(0, 1), 0.01, unit="morale", doc="Morale gained per concession the agent was empowered to make.")
    management_override: float = param(Number(0, 1), 0.05, unit="morale", doc="Morale lost when management concedes to a customer against the agent's correct refusal.")
    conceded_contact: float = param(Number(0, 1), 0.01, unit="morale", doc="Morale lost per after-hours caller an agent is kept late to serve (`calendar.after_hours = \"conceded\"`).")
    occupancy_threshold: float = param(Number(0, 1), 0.85, unit="fraction", doc="Daily occupancy above which an agent tires.")
    occupancy_penalty: float = param(Number(0, 1), 0.05, unit="morale", doc="Morale lost after a day at 100% occupancy (linear from the threshold).")
    recovery_days: float = param(Number(0, 3660, exclusive_min=True), 3.0, unit="days", doc="Time constant of the drift back toward the baseline, off shift.")


@dataclass(frozen=True, kw_only=True)
class Break:
    """A break in a shift: all agents of the shift step away together (split a team into
    several shifts to stagger breaks)."""

    after_h: float = param(Number(0, 24), unit="h", doc="Hours from the shift's start to the break.")
    minutes: float = param(Number(0, 240, exclusive_min=True), unit="minutes", doc="Length of the break.")


@dataclass(frozen=True, kw_only=True)
class Shift:
    """An explicit shift: when it starts, how long it lasts, its breaks, the days it runs,
    and how many agents work it."""

    name: str = param(Text(60), unit="-", doc="Name of the shift.")
    start: str = param(ClockTime(), unit="HH:MM", doc="Start time; a shift may run past midnight.")
    length_h: float = param(Number(0, 24, exclusive_min=True), unit="h", doc="Length of the shift, breaks included.")
    days: tuple = param(ListOf(Choice(*WEEKDAYS), 1, 7, unique=True), WEEKDAYS, unit="-", doc="Weekdays on which the shift starts.")
    headcount: int = param(Integer(0, MAX_AGENTS), unit="agents", doc="Agents scheduled on the shift.")
    group: str | None = param(Text(60), None, unit="-", doc="With `[[agent_groups]]`: the group whose agents work the shift (required then); unset otherwise.")
    breaks: tuple = param(TableList(Break, 0, 10), (), unit="-", doc="Breaks, e.g. `[{ after_h = 2.0, minutes = 15 }, { after_h = 4.5, minutes = 30 }]`.")

    def _check(self, path: str) -> None:
        for i, brk in enumerate(self.breaks):
            if brk.after_h * 60 + brk.minutes > self.length_h * 60:
                raise ScenarioError(f"{path}.breaks[{i}]", f"must end within the shift's {self.length_h:g} hours, got a break from {brk.after_h:g} h for {brk.minutes:g} minutes")


@dataclass(frozen=True, kw_only=True)
class Agents:
    """Agents on duty: a staffing plan per interval (``staffing``, and for some weekdays
    ``staffing_by_weekday``), or explicit ``[[shifts]]``."""

    staffing: Any = param(OneOrList(Integer(0, MAX_AGENTS)), None, unit="agents", doc="Agents on duty while the center is open: one number, or a list with one number per interval of the open hours. An agent whose interval ends finishes the contact in hand before leaving. Exclusive with `[[shifts]]`.")
    staffing_by_weekday: tuple | None = param(WeekdayTable(OneOrList(Integer(0, MAX_AGENTS)), None), None, unit="agents", doc="The staffing plan of some weekdays, e.g. `{ sat = 4, fri = [...] }`: for each weekday named, one number or a list with one number per interval of the open hours (`calendar.open`-`calendar.close`, as `staffing`), in place of `staffing` on that weekday; `staffing` holds the plan of the other days and is required. Only weekdays of `calendar.weekdays`; `scale` applies. Exclusive with `[[shifts]]` and `[[agent_groups]]`.")
    scale: float = param(Number(0, 100), 1.0, unit="factor", doc="Multiplies the staffing plan or the shifts' headcounts, each rounded to whole agents (1.1 = 10% more staff); the knob for staffing sweeps.")
    shrinkage: float = param(Number(0, 1), 0.0, unit="fraction", doc="With `[[shifts]]` and no workforce model: each scheduled agent is absent on a given day with this probability (with `workforce.enabled`, the roster's absence applies instead).")


@dataclass(frozen=True, kw_only=True)
class ServiceLevel:
    """What counts as answered on time."""

    target_s: float = param(Number(0, 86_400), 20.0, unit="s", doc="Service level = contacts answered within this wait / contacts offered (the 20 of an 80/20 target).")


_SECTIONS = {
    "simulation": Simulation,
    "calendar": Calendar,
    "arrivals": Arrivals,
    "contact_types": ContactType,
    "patience": Patience,
    "agents": Agents,
    "shifts": Shift,
    "service_level": ServiceLevel,
    "promises": Promises,
    "callbacks": Callbacks,
    "customers": Customers,
    "recovery": Recovery,
    "costs": Costs,
    "policy": Policy,
    "workforce": Workforce,
    "morale": Morale,
    "agent_groups": AgentGroup,
    "routing": Routing,
    "value": Value,
}


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A complete, validated scenario. Build it with :meth:`from_file`, :meth:`from_dict`
    or :meth:`replace`; it never changes after that."""

    name: str | None = param(Text(200), None, unit="-", doc="A short name for reports; defaults to the file name.")
    description: str | None = param(Text(10_000), None, unit="-", doc="Free text describing the scenario.")
    simulation: Simulation = param(Table(Simulation), Simulation(), unit="-", doc="Run length, replications, seed, reporting interval.")
    calendar: Calendar = param(Table(Calendar), Calendar(), unit="-", doc="Opening hours and days; open around the clock when absent.")
    arrivals: Arrivals = param(Table(Arrivals), unit="-", doc="Arrival rates of first contacts (see the [arrivals] table).")
    contact_types: tuple = param(TableList(ContactType, 1, 100), unit="-", doc="The contact types, one [[contact_types]] table each; at least one.")
    patience: Patience = param(Table(Patience), Patience(), unit="-", doc="Caller patience and redials; callers never abandon when absent.")
    agents: Agents = param(Table(Agents), Agents(), unit="-", doc="Agents on duty per interval, and shrinkage for shifts (see the [agents] table).")
    shifts: tuple = param(TableList(Shift, 0, 200), (), unit="-", doc="Explicit shifts, one [[shifts]] table each, instead of `agents.staffing`.")
    service_level: ServiceLevel = param(Table(ServiceLevel), ServiceLevel(), unit="-", doc="The answer-time target behind the service level (see the [service_level] table).")
    promises: Promises = param(Table(Promises), Promises(), unit="-", doc="Customers' reaction to broken promises and noncompliance outages (see the [promises] table).")
    callbacks: Callbacks = param(Table(Callbacks), Callbacks(), unit="-", doc="The callback queue and the priority between callers and callbacks (see the [callbacks] table).")
    customers: Customers = param(Table(Customers), Customers(), unit="-", doc="Customers' anger and its effects (see the [customers] table).")
    recovery: Recovery = param(Table(Recovery), Recovery(), unit="-", doc="Recovery of customers on repeat contacts (see the [recovery] table).")
    costs: Costs = param(Table(Costs), Costs(), unit="-", doc="Cost rates for the `cost` metrics (see the [costs] table).")
    policy: Policy = param(Table(Policy), Policy(), unit="-", doc="Out-of-policy requests and management overrides (see the [policy] table).")
    workforce: Workforce = param(Table(Workforce), Workforce(), unit="-", doc="Agents as people: roster, absence, attrition, hiring (see the [workforce] table).")
    morale: Morale = param(Table(Morale), Morale(), unit="-", doc="Agents' morale dynamics (see the [morale] table).")
    agent_groups: tuple = param(TableList(AgentGroup, 0, 100), (), unit="-", doc="Skill groups, one [[agent_groups]] table each: several queues (one per contact type) served by groups of agents with different skills and their own staffing. Absent: one group of `agents.staffing` agents with every skill, first come first served across contact types.")
    routing: Routing = param(Table(Routing), Routing(), unit="-", doc="With [[agent_groups]]: routing policy, agent selection and overflow delays (see the [routing] table).")
    value: Value = param(Table(Value), Value(), unit="-", doc="Customer value: loyalty after recoveries and broken promises, word of mouth, and the optional erosion of demand by lost customers (see the [value] table).")

    # -- construction --------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "") -> "Scenario":
        """Validate plain data (as read from TOML) into a Scenario. The input is not modified."""
        try:
            check_depth(data, source)
            return build(cls, copy.deepcopy(dict(data)) if isinstance(data, Mapping) else data)
        except ScenarioError as err:
            raise err.with_source(source) if source and not err.source else err

    @classmethod
    def from_toml(cls, text: str, *, source: str = "") -> "Scenario":
        """Parse TOML text and validate it. Without a ``name``, the scenario is named after
        the file (its stem, cut to 200 characters)."""
        return cls.from_toml_data(parse_toml(text, source), source=source)

    @classmethod
    def from_file(cls, path: str | Path) -> "Scenario":
        """Read and validate a scenario file (a regular UTF-8 file of at most 32 MB)."""
        return cls.from_toml_data(read_toml(path, "scenario file"), source=str(path))

    @classmethod
    def from_toml_data(cls, data: dict, *, source: str = "") -> "Scenario":
        """Validate data parsed from the TOML file ``source``, named after it if unnamed."""
        if "name" not in data and source:
            data = {**data, "name": _name_from(source)}
        return cls.from_dict(data, source=source)

    def to_dict(self) -> dict:
        """Plain data (TOML-ready) that :meth:`from_dict` turns back into this scenario
        (without ``[[agent_groups]]``, no ``agent_groups`` or ``routing`` key; with the
        default ``[value]``, no ``value`` key)."""
        data = to_data(self)
        if not self.agent_groups:
            data.pop("agent_groups", None)
            data.pop("routing", None)
        if self.value == Value():
            data.pop("value", None)
        return data

    def to_toml(self) -> str:
        """The scenario as TOML text; :meth:`from_toml` reads it back unchanged."""
        return dumps_toml(self.to_dict())

    def replace(self, overrides: Mapping[str, Any] | None = None, **kwargs: Any) -> "Scenario":
        """A new scenario with some values changed, by dotted key.

        >>> s = Scenario.from_dict({"arrivals": {"calls_per_hour": 100.0},
        ...     "contact_types": [{"name": "general", "handle_time": {"dist": "exponential", "mean_s": 180.0}}],
        ...     "agents": {"staffing": 14}})
        >>> s.replace({"agents.staffing": 16, "contact_types[0].handle_time.mean_s": 200.0}).agents.staffing
        16

        List items are addressed by index, ``contact_types[0]`` or ``contact_types.0``, or,
        for contact types, by name: ``contact_types.general.share``.
        """
        changes = dict(overrides or {})
        changes.update(kwargs)
        data = self.to_dict()
        for key, value in changes.items():
            set_dotted(data, key, value, _SECTIONS)
        return Scenario.from_dict(data)

    # -- derived quantities the engine uses ------------------------------------------

    @property
    def interval_s(self) -> float:
        return self.simulation.interval_minutes * 60.0

    @property
    def intervals_per_day(self) -> int:
        return 1440 // self.simulation.interval_minutes

    @property
    def open_intervals(self) -> range:
        """Indexes (within a day) of the intervals during opening hours, ``calendar.open`` to
        ``calendar.close``: the widest day, which every per-interval list follows. A day's
        own: :meth:`open_intervals_on`."""
        m = self.simulation.interval_minutes
        return range(self.calendar.open_minute // m, self.calendar.close_minute // m)

    def open_intervals_on(self, day: int) -> range:
        """Indexes (within the day) of the intervals open on simulated day ``day`` (0 = first
        warm-up day): its weekday's hours (``calendar.hours``, else ``open_intervals``), empty
        on a closed weekday or a holiday."""
        if self.calendar.closed_dates and self.is_holiday(day):
            return range(self.open_intervals.start, self.open_intervals.start)
        return weekday_spans(self.calendar, self.simulation.interval_minutes)[self.weekday(day)]

    def skill_holders(self, queue: str) -> list:
        """(group, skill) for every agent group with the skill of ``queue``, in file order."""
        return [(g, s) for g in self.agent_groups for s in g.skills if s.queue == queue]

    def patience_of(self, type_index: int) -> Patience:
        """The patience of the callers of contact type ``type_index``: the type's own
        ``patience`` table, or the scenario-wide ``[patience]``."""
        own = self.contact_types[type_index].patience
        return self.patience if own is None else own

    def patience_key(self, type_index: int) -> str:
        """The dotted key of that patience (``patience`` or ``contact_types[i].patience``)."""
        return "patience" if self.contact_types[type_index].patience is None else f"contact_types[{type_index}].patience"

    @property
    def has_type_patience(self) -> bool:
        """Whether any contact type has a patience of its own."""
        return any(c.patience is not None for c in self.contact_types)

    @property
    def has_promises(self) -> bool:
        """Whether any contact can end with a promise."""
        return any(c.promise_prob > 0 for c in self.contact_types)

    @property
    def total_days(self) -> int:
        return self.simulation.warmup_days + self.simulation.days

    def weekday(self, day: int) -> int:
        """Weekday index (0 = Monday) of simulated day ``day`` (0 = first warm-up day)."""
        return (first_weekday(self.calendar) + day) % 7

    def is_open_day(self, day: int) -> bool:
        """Whether the center opens at all on simulated day ``day``: its weekday is in
        ``calendar.weekdays`` and not ``"closed"`` in ``calendar.hours``, and it is not a
        holiday (``calendar.closed_dates``)."""
        return len(self.open_intervals_on(day)) > 0

    def is_holiday(self, day: int) -> bool:
        """Whether simulated day ``day`` falls on one of ``calendar.closed_dates``."""
        return day in holidays(self.calendar, self.total_days)

    @property
    def always_open(self) -> bool:
        """Whether the center is open around the clock every weekday, with no holiday in
        the run."""
        full = range(0, self.intervals_per_day)
        spans = weekday_spans(self.calendar, self.simulation.interval_minutes)
        return all(span == full for span in spans) and not holidays(self.calendar, self.total_days)

    def _check(self, path: str) -> None:
        m = self.simulation.interval_minutes
        for key in ("open", "close"):
            minute = getattr(self.calendar, f"{key}_minute")
            if minute % m:
                raise ScenarioError(
                    f"calendar.{key}",
                    f"must fall on an interval boundary (simulation.interval_minutes = {m}), got {getattr(self.calendar, key)!r}",
                    value=getattr(self.calendar, key),
                )
        check_hours_grid(self.calendar, m)
        check_weekday_plans(self)
        check_groups(self)
        if not self.agent_groups and (self.agents.staffing is None) == (not self.shifts):
            given = "both" if self.shifts else "neither"
            raise ScenarioError("agents.staffing", f"give exactly one of agents.staffing and [[shifts]], got {given}")
        if self.calendar.after_hours == "conceded" and self.calendar.concession_window_minutes % m:
            raise ScenarioError(
                "calendar.concession_window_minutes",
                f"must be a multiple of simulation.interval_minutes ({m}), got {self.calendar.concession_window_minutes}",
                value=self.calendar.concession_window_minutes,
            )
        n_open = len(self.open_intervals)
        for key, value in (
            ("agents.staffing", self.agents.staffing),
            ("arrivals.calls_per_hour", self.arrivals.calls_per_hour),
            ("arrivals.profile", self.arrivals.profile),
        ):
            if isinstance(value, tuple) and len(value) != n_open:
                raise ScenarioError(
                    key,
                    f"must have one value per interval of the open hours ({n_open} intervals of {m} minutes from "
                    f"{self.calendar.open} to {self.calendar.close}), got {len(value)} values",
                    value=list(value),
                )
        names = [c.name for c in self.contact_types]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ScenarioError("contact_types", f"names must be unique, got {dupes[0]!r} more than once", value=dupes[0])
        total = sum(c.share for c in self.contact_types)
        if abs(total - 1.0) > 1e-6:
            shares = ", ".join(f"{c.name}={c.share:g}" for c in self.contact_types)
            raise ScenarioError("contact_types.share", f"shares must sum to 1, got {total:.6g} ({shares})", value=total)
        from .model.budget import check

        check(self)  # bounded work: contacts, loops, pile-up and intervals (simcenter.model.budget)

    # -- rates -------------------------------------------------------------------------

    def open_rates_per_hour(self) -> list[float]:
        """Arrival rate (contacts/hour) in each open interval of an ordinary day
        (weekday factor 1)."""
        n_open = len(self.open_intervals)
        a = self.arrivals
        if a.calls_per_hour is not None:
            if isinstance(a.calls_per_hour, tuple):
                return list(a.calls_per_hour)
            return [a.calls_per_hour] * n_open
        weights = list(a.profile) if a.profile is not None else [1.0] * n_open
        total = sum(weights)
        hours = self.interval_s / 3600.0
        return [a.calls_per_day * w / total / hours for w in weights]

    def rates_on(self, day: int) -> list[float]:
        """Arrival rate (contacts/hour) in each interval of ``open_intervals`` on simulated
        day ``day``: the open rate times the weekday factor where the day is open, 0 where it
        is closed (``arrivals.after_hours_calls_per_hour`` applies there instead)."""
        span = self.open_intervals_on(day)
        factor = self.arrivals.day_of_week[self.weekday(day)]
        k0 = self.open_intervals.start
        return [r * factor if k0 + i in span else 0.0 for i, r in enumerate(self.open_rates_per_hour())]

    def staffing_by_interval(self) -> list[int]:
        """Agents on duty in each open interval of an ordinary day, ``agents.staffing``
        (zeros when shifts are given); with ``[[agent_groups]]``, the sum of the groups'
        plans. The weekdays of ``agents.staffing_by_weekday`` and days with shorter hours
        have their own: :meth:`staffing_on`."""
        if self.agent_groups:
            plans = [self.group_staffing(g) for g in self.agent_groups]
            return [sum(col) for col in zip(*plans)]
        return self._plan(self.agents.staffing)

    def staffing_on(self, day: int) -> list[int]:
        """Agents planned on duty in each interval of ``open_intervals`` on simulated day
        ``day``: the plan of its weekday (``agents.staffing_by_weekday``, else
        :meth:`staffing_by_interval`), 0 where the day is closed (zeros when shifts are
        given)."""
        by_day = self.agents.staffing_by_weekday
        weekday = self.weekday(day)
        if by_day is not None and by_day[weekday] is not None and not self.agent_groups:
            plan = self._plan(by_day[weekday])
        else:
            plan = self.staffing_by_interval()
        return self._on(day, plan)

    def group_staffing(self, group) -> list[int]:
        """Agents of ``group`` (an :class:`AgentGroup`) on duty in each open interval (zeros
        when the group works shifts)."""
        return self._plan(group.staffing)

    def group_staffing_on(self, group, day: int) -> list[int]:
        """:meth:`group_staffing` on simulated day ``day``: 0 where the day is closed."""
        return self._on(day, self.group_staffing(group))

    def _on(self, day: int, plan: list) -> list:
        span = self.open_intervals_on(day)
        if span == self.open_intervals:
            return plan
        k0 = self.open_intervals.start
        return [n if k0 + i in span else 0 for i, n in enumerate(plan)]

    def _plan(self, s) -> list[int]:
        if s is None:
            return [0] * len(self.open_intervals)
        plan = list(s) if isinstance(s, tuple) else [s] * len(self.open_intervals)
        scale = self.agents.scale
        return plan if scale == 1.0 else [int(round(v * scale)) for v in plan]

    @property
    def nominal_handle_s(self) -> float:
        """Mean handling time of a calm first contact (talk + wrap-up), averaged over the
        contact types by share: what a planner would feed the Erlang formula."""
        return sum(c.share * (c.handle_time.mean + c.wrapup_s) for c in self.contact_types)

    def overload_backlog(self) -> tuple[float, str | None]:
        """With callers who never abandon (``patience.dist = "none"``), the largest number of
        first contacts left waiting at once if the agents on duty worked flat out at the
        nominal handling time (a fluid bound, redials and repeat contacts left out), and the
        clock time of the first interval whose load exceeds its agents; ``(0.0, None)``
        otherwise, and for plans given as ``[[shifts]]``. When only some contact types never
        abandon (their own ``patience``), those types' first contacts, with every agent
        on them. With ``[[agent_groups]]``, also each such queue on its own with every group
        that has its skill (a queue nobody staffs piles up however many agents the other
        queues have): the larger of the two."""
        never = [i for i in range(len(self.contact_types)) if self.patience_of(i).dist == "none"]
        if not never or self.shifts:
            return 0.0, None
        rates = self.open_rates_per_hour()
        if len(never) == len(self.contact_types):
            worst = self._backlog(rates, self.staffing_on, self.nominal_handle_s)
        else:  # the types whose callers never hang up pile up even if the others leave
            types = [self.contact_types[i] for i in never]
            share = sum(c.share for c in types)
            handle = sum(c.share * (c.handle_time.mean + c.wrapup_s) for c in types) / share if share > 0 else 0.0
            worst = self._backlog([r * share for r in rates], self.staffing_on, handle) if share > 0 else (0.0, None)
        if self.agent_groups:
            per_queue = []
            for c in (self.contact_types[i] for i in never):
                groups = self.skill_holders(c.name)
                staff = [sum(col) for col in zip(*(self.group_staffing(g) for g, _ in groups))]
                handle = (c.handle_time.mean + c.wrapup_s) * min(skill.handle_factor for _, skill in groups)
                per_queue.append(self._backlog([r * c.share for r in rates], lambda day, staff=staff: self._on(day, staff), handle))
            total = sum(b for b, _ in per_queue)
            if total > worst[0]:
                firsts = sorted(f for b, f in per_queue if f is not None)
                worst = (total, firsts[0] if firsts else None)
        return worst

    def _backlog(self, rates: list, staff_on, handle: float) -> tuple[float, str | None]:
        """The fluid bound of :meth:`overload_backlog`, day by day over the open intervals
        of each day: ``rates`` per interval of ``open_intervals`` (weekday factor 1),
        ``staff_on(day)`` the agents per interval that day."""
        hours = self.interval_s / 3600.0
        open_k = self.open_intervals
        backlog = worst = 0.0
        first = None
        for day in range(self.total_days):
            span = self.open_intervals_on(day)
            if not span:
                continue
            factor = self.arrivals.day_of_week[self.weekday(day)]
            staff = staff_on(day)
            for j, (rate, n) in enumerate(zip(rates, staff)):
                if open_k.start + j not in span:
                    continue
                arriving = rate * factor * hours
                capacity = n * 3600.0 / handle * hours if handle > 0 else math.inf
                if arriving > capacity and first is None:
                    m = (open_k.start + j) * self.simulation.interval_minutes
                    first = f"{m // 60:02d}:{m % 60:02d}"
                backlog = max(0.0, backlog + arriving - capacity)
                worst = max(worst, backlog)
        return worst, first

    def expected_first_contacts(self) -> float:
        """Expected first contacts in one replication (warm-up included), day by day: the
        open rates over each day's own open intervals, the after-hours rate the rest."""
        hours = self.interval_s / 3600.0
        rates, k0 = self.open_rates_per_hour(), self.open_intervals.start
        by_span: dict = {}  # a day's open intervals -> (volume at weekday factor 1, open hours)
        total = 0.0
        for day in range(self.total_days):
            span = self.open_intervals_on(day)
            if span:
                if span not in by_span:
                    by_span[span] = (sum(rates[span.start - k0: span.stop - k0]) * hours, len(span) * hours)
                open_volume, open_h = by_span[span]
                total += open_volume * self.arrivals.day_of_week[self.weekday(day)]
                total += self.arrivals.after_hours_calls_per_hour * (24.0 - open_h)
            else:
                total += self.arrivals.after_hours_calls_per_hour * 24.0
        return total


def _name_from(source: str) -> str:
    """A scenario's default name: its file's stem, printable and at most 200 characters."""
    stem = "".join(ch for ch in Path(source).stem if ch.isprintable())
    stem = stem.encode("utf-8", "replace").decode("utf-8").strip()
    return stem[:200].strip() or "scenario"


def scenario_json_schema() -> dict:
    """The JSON Schema of scenario files (draft 2020-12)."""
    schema = json_schema(Scenario)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "simcenter scenario"
    return schema


def parameter_reference() -> str:
    """The Markdown reference of every scenario parameter, generated from the schema."""
    head = (
        "# Scenario parameter reference\n\n"
        "Generated from the scenario schema (`simcenter.scenario.parameter_reference()`); "
        "a test keeps this page equal to the code. Dotted keys (`agents.staffing`, "
        "`contact_types[0].handle_time.mean_s`) are what `--set` and `Scenario.replace` take.\n\n"
    )
    top = {k: v for k, v in _SECTIONS.items()}
    scalars = (
        "## top level\n\n| key | allowed values | unit | default | meaning |\n|---|---|---|---|---|\n"
        f"| `name` | {Text(200).describe()} | - | file name | A short name for reports. |\n"
        f"| `description` | {Text(10000).describe()} | - | unset | Free text describing the scenario. |\n\n"
    )
    return head + scalars + markdown_reference(Scenario, top)


def parameter_unit(key: str) -> str:
    """The unit of the parameter at dotted ``key`` (``""`` when the key names none), as
    documented in the parameter reference: ``parameter_unit("agents.staffing") == "agents"``.
    Contact types may be named by name or index (``contact_types.order_status.noncompliance``)."""
    from .schema import Table, TableList

    section: type = Scenario
    unit = ""
    parts = split_key(key) if isinstance(key, str) and key else []
    i = 0
    while i < len(parts):
        fields = {f.name: f for f in dataclasses.fields(section)}
        f = fields.get(parts[i])
        if f is None:
            return ""
        kind, unit = f.metadata.get("kind"), f.metadata.get("unit", "")
        if isinstance(kind, TableList):
            section, i = kind.section, i + 2  # skip the element's name or index
        elif isinstance(kind, Table):
            section, i = kind.section, i + 1
        else:
            return unit if i == len(parts) - 1 else ""
    return ""
