"""A center's calendar day by day: opening hours that differ by weekday, the date of the
first simulated day, holidays, and staffing plans that differ by weekday.

A center opens from ``calendar.open`` to ``calendar.close`` on the weekdays of
``calendar.weekdays``. A real center closes early on Fridays, shuts on Saturdays some
weeks, and closes on public holidays: ``calendar.hours`` gives a weekday its own hours
(``"08:00-13:00"``) or closes it (``"closed"``), always within ``open``..``close``, the
widest day, so that every per-interval list of the scenario (arrival rates, profile,
staffing) keeps one value per interval of that widest day and a day's own hours simply
close the intervals outside them. ``calendar.start_date`` ties day 0 (the first warm-up
day) to a date; ``calendar.closed_dates`` then names the days the center stays shut, as if
their weekday were not in ``calendar.weekdays``. ``agents.staffing_by_weekday`` gives a
weekday its own staffing plan.

This module reads and checks those values (the schema kinds :class:`DayHours` and
:class:`Date`, the checks that involve several of them) and answers the per-day questions
every layer asks through the scenario (:meth:`simcenter.Scenario.open_intervals_on`,
:meth:`~simcenter.Scenario.is_holiday`, :meth:`~simcenter.Scenario.staffing_on`): which
intervals of a day are open, which run days are holidays, how long the center stays closed
at a stretch.
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

from .errors import ScenarioError
from .schema import WEEKDAYS, Kind, _fail, show_value

__all__ = ["CLOSED", "DayHours", "Date", "clock_minutes", "span_minutes", "weekday_spans", "holidays", "first_weekday",
           "check_calendar", "check_hours_grid", "check_weekday_plans", "longest_closure"]

#: The value of ``calendar.hours`` that closes a weekday.
CLOSED = "closed"

_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d|24:00"
_SPAN = re.compile(rf"^({_TIME})-({_TIME})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def clock_minutes(clock: str) -> int:
    """Minutes from midnight of a clock time "HH:MM" ("24:00" is 1440)."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def span_minutes(text: str) -> tuple[int, int] | None:
    """(opening, closing) minute of a day's hours "HH:MM-HH:MM"; None for "closed"."""
    if text == CLOSED:
        return None
    start, end = text.split("-")
    return clock_minutes(start), clock_minutes(end)


class DayHours(Kind):
    """One weekday's opening hours: "HH:MM-HH:MM" (24-hour clock, "24:00" for midnight),
    closing after opening, or "closed"."""

    def describe(self) -> str:
        return 'opening hours "HH:MM-HH:MM" (e.g. "08:00-13:00") or "closed"'

    def convert(self, value, path: str) -> str:
        if value == CLOSED:
            return value
        match = _SPAN.match(value) if isinstance(value, str) else None
        if match is None:
            raise _fail(path, value, self.describe())
        if clock_minutes(match.group(2)) <= clock_minutes(match.group(1)):
            raise ScenarioError(path, f"must close after it opens, got {show_value(value)}", value=value, allowed=self.describe())
        return value

    def json(self) -> dict:
        time = r"(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)"
        return {"type": "string", "pattern": rf"^({time}-{time}|closed)$"}


class Date(Kind):
    """A calendar date "YYYY-MM-DD" (a TOML date such as 2025-12-25 is taken too)."""

    def describe(self) -> str:
        return 'a date "YYYY-MM-DD" (e.g. "2025-03-03")'

    def convert(self, value, path: str) -> str:
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value.isoformat()
        if not isinstance(value, str) or not _DATE.match(value):
            raise _fail(path, value, self.describe())
        try:
            datetime.date.fromisoformat(value)
        except ValueError as err:
            allowed = self.describe()
            raise ScenarioError(path, f"must be a real date \"YYYY-MM-DD\", got {show_value(value)} ({err})", value=value, allowed=allowed) from None
        return value

    def json(self) -> dict:
        return {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}


# -- per-day facts -------------------------------------------------------------------------------


def first_weekday(calendar) -> int:
    """Weekday index (0 = Monday) of day 0: that of ``start_date`` if set, else
    ``start_weekday`` (Monday if unset)."""
    if calendar.start_date is not None:
        return datetime.date.fromisoformat(calendar.start_date).weekday()
    return WEEKDAYS.index(calendar.start_weekday or "mon")


@lru_cache(maxsize=256)
def weekday_spans(calendar, interval_minutes: int) -> tuple:
    """Per weekday (0 = Monday): the range of intervals (indexes within the day) open on
    that weekday; empty when the weekday is closed."""
    m = interval_minutes
    widest = range(calendar.open_minute // m, calendar.close_minute // m)
    out = []
    for i, day in enumerate(WEEKDAYS):
        text = calendar.hours[i] if calendar.hours is not None else None
        if day not in calendar.weekdays or text == CLOSED:
            out.append(range(widest.start, widest.start))
        elif text is None:
            out.append(widest)
        else:
            start, end = span_minutes(text)
            out.append(range(start // m, end // m))
    return tuple(out)


@lru_cache(maxsize=256)
def holidays(calendar, total_days: int) -> frozenset:
    """Run days (0 = the first warm-up day) that fall on ``calendar.closed_dates``."""
    if not calendar.closed_dates:
        return frozenset()
    start = datetime.date.fromisoformat(calendar.start_date)
    days = ((datetime.date.fromisoformat(d) - start).days for d in calendar.closed_dates)
    return frozenset(k for k in days if 0 <= k < total_days)


def longest_closure(scenario) -> tuple[float, float]:
    """(start, end) in seconds of the longest stretch of the run during which the center is
    closed (nights, closed weekdays, holidays, early closings), cut by the run's ends;
    ``(0.0, 0.0)`` for a center that never closes."""
    ipd, width = scenario.intervals_per_day, scenario.interval_s
    best, closed_since = (0, 0), 0  # in intervals of the run
    for day in range(scenario.total_days):
        span = scenario.open_intervals_on(day)
        if not span:
            continue
        opening = day * ipd + span.start
        if opening - closed_since > best[1] - best[0]:
            best = (closed_since, opening)
        closed_since = day * ipd + span.stop
    end = scenario.total_days * ipd
    if end - closed_since > best[1] - best[0]:
        best = (closed_since, end)
    return best[0] * width, best[1] * width


# -- checks that involve several values -----------------------------------------------------------


def check_calendar(cal, path: str) -> None:
    """The calendar's own checks: start date against start weekday, holidays need a start
    date, a weekday's hours name an open weekday and lie within ``open``..``close``."""
    if cal.start_date is not None and cal.start_weekday is not None:
        actual = WEEKDAYS[datetime.date.fromisoformat(cal.start_date).weekday()]
        if actual != cal.start_weekday:
            raise ScenarioError(
                f"{path}.start_weekday",
                f"is {cal.start_weekday!r} but {path}.start_date {cal.start_date} is a {actual!r}; "
                f"give only {path}.start_date, or make the two agree",
                value=cal.start_weekday, allowed=repr(actual),
            )
    if cal.closed_dates and cal.start_date is None:
        raise ScenarioError(
            f"{path}.closed_dates",
            f"needs {path}.start_date (the date of day 0, the first warm-up day) to know which simulated days "
            f"{show_value(list(cal.closed_dates))} are",
            value=list(cal.closed_dates),
        )
    if cal.hours is None:
        return
    for day, text in zip(WEEKDAYS, cal.hours):
        if text is None:
            continue
        where = f"{path}.hours.{day}"
        if day not in cal.weekdays:
            raise ScenarioError(
                where,
                f"names {day!r}, a day the center does not open ({path}.weekdays = {list(cal.weekdays)}); "
                f"add it to {path}.weekdays or leave it out of {path}.hours",
                value=text, allowed=", ".join(cal.weekdays),
            )
        span = span_minutes(text)
        if span is not None and (span[0] < cal.open_minute or span[1] > cal.close_minute):
            raise ScenarioError(
                where,
                f"must lie within {path}.open-{path}.close ({cal.open}-{cal.close}, the widest day; widen those to open "
                f"longer on some day), got {show_value(text)}",
                value=text, allowed=f'"HH:MM-HH:MM" within {cal.open}-{cal.close}, or "closed"',
            )


def check_hours_grid(cal, interval_minutes: int) -> None:
    """Each weekday's hours open and close on interval boundaries."""
    if cal.hours is None:
        return
    for day, text in zip(WEEKDAYS, cal.hours):
        span = span_minutes(text) if text is not None else None
        if span is not None and (span[0] % interval_minutes or span[1] % interval_minutes):
            raise ScenarioError(
                f"calendar.hours.{day}",
                f"must open and close on interval boundaries (simulation.interval_minutes = {interval_minutes}), got {show_value(text)}",
                value=text,
            )


def check_weekday_plans(sc) -> None:
    """``agents.staffing_by_weekday``: with ``agents.staffing`` only (not with shifts or
    groups), on open weekdays, each list one value per interval of the widest day."""
    by_day = sc.agents.staffing_by_weekday
    if by_day is None or all(v is None for v in by_day):
        return
    key = "agents.staffing_by_weekday"
    if sc.agent_groups:
        raise ScenarioError(key, "cannot be used with [[agent_groups]]: give each group its staffing (agent_groups[i].staffing) "
                                 "or [[shifts]] with group = NAME", value=_named(by_day))
    if sc.agents.staffing is None and sc.shifts:
        raise ScenarioError(key, "cannot be used with [[shifts]]: it replaces agents.staffing on the weekdays it names; with shifts, "
                                 "give each shift the weekdays it runs (shifts[i].days)", value=_named(by_day))
    if sc.agents.staffing is None:
        raise ScenarioError(key, "needs agents.staffing, the plan of the weekdays it does not name", value=_named(by_day))
    n_open = len(sc.open_intervals)
    m, cal = sc.simulation.interval_minutes, sc.calendar
    for day, plan in zip(WEEKDAYS, by_day):
        if plan is None:
            continue
        if day not in cal.weekdays:
            raise ScenarioError(f"{key}.{day}", f"names {day!r}, a day the center does not open (calendar.weekdays = "
                                                f"{list(cal.weekdays)}); leave it out", value=_plain(plan), allowed=", ".join(cal.weekdays))
        if isinstance(plan, tuple) and len(plan) != n_open:
            raise ScenarioError(
                f"{key}.{day}",
                f"must have one value per interval of the open hours ({n_open} intervals of {m} minutes from "
                f"{cal.open} to {cal.close}, the widest day), got {len(plan)} values",
                value=list(plan),
            )


def _plain(plan):
    return list(plan) if isinstance(plan, tuple) else plan


def _named(by_day) -> dict:
    return {d: _plain(v) for d, v in zip(WEEKDAYS, by_day) if v is not None}
