"""Parameters and metrics named in words, for the people who read plots, tables and reports.

A sweep's axes are dotted scenario keys (``contact_types.order_status.noncompliance``); a
planner reads "noncompliance of order status". :func:`parameter_words` turns a key into
such a name, :func:`parameter_label` adds its unit once ("staffing scale (× the plan)"),
and :func:`metric_label` does the same for a metric ("service level (fraction)"). Every
figure, table and report names things through these, so they are named alike everywhere.
"""

from __future__ import annotations

from ..dotted import split_key
from ..output.metrics import METRICS, metric_words  # noqa: F401 (metrics are named in words where they are declared)

__all__ = ["parameter_words", "parameter_label", "parameter_unit_words", "value_words", "setting_words", "metric_words", "metric_label",
           "unit_words"]

#: Keys whose name in words is not made from their parts.
_NAMED = {
    "agents.scale": "staffing scale",
    "agents.staffing": "agents on duty",
    "agents.staffing_by_weekday": "agents on duty by weekday",
    "simulation.days": "simulated days",
    "simulation.warmup_days": "warm-up days",
    "simulation.replications": "replications",
    "simulation.interval_minutes": "interval length",
    "service_level.target_s": "service-level threshold",
    "arrivals.calls_per_hour": "arrival rate",
    "arrivals.calls_per_day": "daily volume",
    "arrivals.after_hours_calls_per_hour": "after-hours arrival rate",
    "arrivals.day_of_week": "weekday factors",
    "arrivals.profile": "intraday profile",
    "callbacks.priority": "callback priority",
    "callbacks.reserved_agents": "agents reserved for callbacks",
    "calendar.open": "opening time",
    "calendar.close": "closing time",
    "workforce.learning_weeks": "learning time of new hires",
    "morale.recovery_days": "morale recovery time",
}

#: Units as a reader says them; units not listed are shown as they are documented.
_UNITS = {"-": "", "probability": "", "fraction": "", "multiplier": "×", "1/min": "per minute", "runs": ""}

#: Keys whose unit reads better in words of its own.
_UNIT_NAMED = {"agents.scale": "× the plan"}

#: Tables that are lists of elements (``contact_types.NAME.key``, ``shifts.0.breaks.1.key``):
#: one element's noun, and whether a name is said with it ("shift early") or alone
#: ("order status"; an index always takes the noun: "contact type 0").
_LISTS = {"contact_types": ("contact type", False), "agent_groups": ("agent group", False), "queues": ("queue", False),
          "shifts": ("shift", True), "outages": ("outage", True), "breaks": ("break", True),
          "skills": ("skill", True)}

#: Abbreviations spelled out.
_SPELLED = {"aht": "handling time", "asa": "average speed of answer", "fcr": "first-contact resolution",
            "prob": "probability", "dist": "distribution", "cv": "CV", "wrapup": "wrap-up", "handle": "handling"}

#: A key's unit suffixes, dropped from its words (the unit is given beside them).
_SUFFIXES = ("_s", "_min", "_h", "_minutes", "_days", "_weeks")

#: Last parts that are a statistic of the part before them (``patience.mean_s`` -> mean patience).
_STATISTICS = {"mean": "mean {}", "cv": "{} CV", "dist": "{} distribution", "samples": "{} samples"}


def _plain(text: str) -> str:
    return str(text).replace("_", " ")


def _leaf(text: str) -> str:
    """A key's part in words, its unit suffix dropped (the unit is given beside it)."""
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return " ".join(_SPELLED.get(w, w) for w in text.split("_"))


def _has(words: str, unit: str) -> bool:
    """Whether ``unit`` is already said in ``words`` (as whole words)."""
    return f" {unit} " in f" {words} "


def _compose(parts: list[str]) -> str:
    """Parts of a key below its section or element, in words: ``["handle_time", "mean_s"]``
    -> ``mean handling time``; ``["noncompliance"]`` -> ``noncompliance``."""
    last = parts[-1]
    stat = last[: -len(s)] if (s := next((s for s in _SUFFIXES if last.endswith(s)), None)) else last
    if len(parts) >= 2 and stat in _STATISTICS:
        return _STATISTICS[stat].format(_leaf(parts[-2]))
    return " ".join(_leaf(p) for p in parts[-2:])


def _words(parts: list[str]) -> str:
    """Parts of a key in words, elements of lists named: ``[contact_types, order_status,
    noncompliance]`` -> ``noncompliance of order status``."""
    for i, part in enumerate(parts[:-2]):
        if part in _LISTS and (i == 0 or (parts[0] == "promises" and i == 1)):
            noun, with_noun = _LISTS[part]
            name = parts[i + 1]
            element = f"{noun} {_plain(name)}" if with_noun or name.isdigit() else _plain(name)
            rest = parts[i + 2:]
            inner = _words(rest) if rest[0] in _LISTS and len(rest) > 2 else _compose(rest)
            return f"{inner} of {element}"
    if len(parts) == 2 and parts[0] not in ("simulation", "agents", "arrivals", "calendar"):
        return _compose(parts) if parts[1].split("_")[0] in _STATISTICS else f"{_plain(parts[0])} {_leaf(parts[1])}"
    return _compose(parts[1:]) if len(parts) > 1 else _leaf(parts[0])


def parameter_words(key: str) -> str:
    """``agents.scale`` -> ``staffing scale``; ``contact_types.order_status.noncompliance``
    -> ``noncompliance of order status``; ``recovery.empowerment`` -> ``recovery empowerment``;
    ``patience.mean_s`` -> ``mean patience``."""
    if key in _NAMED:
        return _NAMED[key]
    return _words(split_key(key) if isinstance(key, str) and key else [str(key)])


def unit_words(unit: str) -> str:
    """A documented unit as a reader says it (``""`` for a plain number or probability)."""
    return _UNITS.get(unit, unit or "")


def parameter_unit_words(key: str) -> str:
    """The unit of the parameter at ``key`` as a reader says it: ``× the plan``, ``s``."""
    from ..scenario import parameter_unit

    return _UNIT_NAMED.get(key, unit_words(parameter_unit(key)))


def parameter_label(key: str) -> str:
    """The parameter in words with its unit, once: ``agents on duty``,
    ``staffing scale (× the plan)``, ``mean patience (s)``."""
    unit = parameter_unit_words(key)
    words = parameter_words(key)
    return f"{words} ({unit})" if unit and not _has(words, unit) else words


def value_words(value) -> str:
    """A swept value as a reader says it: ``0.15``, ``inbound first``, ``on``."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (int, float)):
        from .numbers import format_value

        return format_value(value, significant=6)  # never scientific notation: 1,000,000 and 0.00001
    return _plain(value)


#: Units not repeated after a value (``recovery training = 0.5``, not ``0.5 level 0-1``).
_UNITLESS_VALUES = ("level 0-1", "level", "relative weight", "factor", "log-odds")


def setting_words(key: str, value) -> str:
    """A parameter at one value, in words: ``noncompliance of order status = 0.15``,
    ``staffing scale = 1.3 × the plan``, ``service-level threshold = 20 s``."""
    unit, words = parameter_unit_words(key), parameter_words(key)
    shown = value_words(value)
    if unit and not _has(words, unit) and unit not in _UNITLESS_VALUES and not isinstance(value, (str, bool)):
        shown = f"{shown} {unit}"
    return f"{words} = {shown}"


def metric_label(name: str) -> str:
    """The metric in words with its unit once: ``service level (fraction)``,
    ``average speed of answer (s)``."""
    unit = METRICS[name][1] if name in METRICS else ""
    words = metric_words(name)
    return f"{words} ({unit})" if unit and unit != "-" and not _has(words, unit) else words
