"""Parameters and metrics named in words, for the people who read plots, tables and reports.

A sweep's axes are dotted scenario keys (``contact_types.order_status.noncompliance``); a
planner reads "noncompliance of order status". :func:`parameter_words` turns a key into
such a name, :func:`parameter_label` adds its unit once ("staffing scale (× the plan)"),
and :func:`metric_label` does the same for a metric ("service level (fraction)"). Every
figure, table and report names things through these, so they are named alike everywhere.
"""

from __future__ import annotations

from ..dotted import split_key
from ..output.metrics import METRICS

__all__ = ["parameter_words", "parameter_label", "metric_words", "metric_label", "unit_words"]

#: Keys whose name in words is not their last part.
_NAMED = {
    "agents.scale": "staffing scale",
    "agents.staffing": "agents on duty",
    "simulation.days": "simulated days",
    "simulation.warmup_days": "warm-up days",
    "simulation.replications": "replications",
    "service_level.target_s": "service-level threshold",
}

#: Units as a reader says them; units not listed are shown as they are documented.
_UNITS = {"-": "", "probability": "", "fraction": "", "multiplier": "×", "1/min": "per minute"}

#: Sections whose tables are lists of named elements (``contact_types.NAME.key``).
_LISTS = ("contact_types", "agent_groups", "queues", "promises.outages", "shifts")


#: Abbreviations spelled out.
_SPELLED = {"aht": "handling time", "asa": "average speed of answer", "fcr": "first-contact resolution"}


def _plain(text: str) -> str:
    return str(text).replace("_", " ")


def _leaf(text: str) -> str:
    """A key's last part in words, its unit suffix dropped (the unit is given beside it)."""
    for suffix in ("_s", "_min", "_h"):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return " ".join(_SPELLED.get(w, w) for w in text.split("_"))


def _has(words: str, unit: str) -> bool:
    return unit in words.split()


def parameter_words(key: str) -> str:
    """``agents.scale`` -> ``staffing scale``; ``contact_types.order_status.noncompliance``
    -> ``noncompliance of order status``; ``recovery.empowerment`` -> ``recovery empowerment``."""
    if key in _NAMED:
        return _NAMED[key]
    parts = split_key(key) if isinstance(key, str) and key else [str(key)]
    if len(parts) >= 3 and parts[0] in ("contact_types", "agent_groups", "queues"):
        element = _plain(parts[1]) if not parts[1].isdigit() else f"{_plain(parts[0])[:-1]} {parts[1]}"
        return f"{_leaf(parts[-1])} of {element}"
    if len(parts) >= 2 and parts[0] not in ("simulation", "agents"):
        return f"{_plain(parts[0])} {_leaf(parts[-1])}"
    return _leaf(parts[-1])


def unit_words(unit: str) -> str:
    """A documented unit as a reader says it (``""`` for a plain number or probability)."""
    return _UNITS.get(unit, unit or "")


def parameter_label(key: str) -> str:
    """The parameter in words with its unit, once: ``agents on duty (agents)``."""
    from ..scenario import parameter_unit

    unit = unit_words(parameter_unit(key))
    words = parameter_words(key)
    return f"{words} ({unit})" if unit and unit not in words else words


#: Metrics whose name in words is not their name with spaces (units dropped from the name:
#: they are given once, beside it).
_METRIC_NAMED = {
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
    return _METRIC_NAMED.get(name, _plain(name))


def metric_label(name: str) -> str:
    """The metric in words with its unit once: ``service level (fraction)``,
    ``average speed of answer (s)``."""
    unit = METRICS[name][1] if name in METRICS else ""
    words = metric_words(name)
    return f"{words} ({unit})" if unit and unit != "-" and not _has(words, unit) else words
