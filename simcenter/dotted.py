"""Dotted keys: how a planner names one parameter of a scenario, in ``--set``, sweep axes and
:meth:`simcenter.Scenario.replace`: ``agents.staffing``, ``contact_types[0].share`` or, for a
list of named tables, ``contact_types.retail.share`` and ``agent_groups.generalists.staffing``.

:func:`parse_override` reads ``KEY=VALUE`` from the command line (the value as TOML, a bare
word as text); :func:`set_dotted` sets a value at a dotted key inside plain scenario data,
creating tables as needed, and leaves unknown keys for validation to report;
:func:`get_dotted` reads the value at a dotted key (``compare`` labels its two sides with it).
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from .errors import ScenarioError
from .schema import show_value

__all__ = ["parse_override", "set_dotted", "get_dotted", "split_key", "MISSING"]

#: What :func:`get_dotted` returns for a key the data does not hold.
MISSING = object()

_INDEX = re.compile(r"\[(\d+)\]")


def split_key(key: str) -> list[str]:
    if not isinstance(key, str) or not key or key.strip() != key:
        raise ScenarioError(str(key), "is not a valid dotted key", value=key)
    parts = _INDEX.sub(r".\1", key).split(".")
    if any(p == "" for p in parts):
        raise ScenarioError(key, "is not a valid dotted key (empty part)", value=key)
    return parts


def set_dotted(data: dict, key: str, value: Any, sections: dict) -> None:
    """Set ``value`` at dotted ``key`` inside plain scenario data, creating tables as
    needed. Unknown keys are left for validation to report with a suggestion."""
    parts = split_key(key)
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            index = _list_index(node, part, where)
            if last:
                node[index] = value
                return
            node = node[index]
            continue
        if not isinstance(node, dict):
            raise ScenarioError(".".join(parts[:depth]), f"is not a table, so {key!r} cannot be set", value=node)
        if last:
            node[part] = value
            return
        if part not in node:
            section = sections.get(part) if depth == 0 else None
            if depth == 0 and section is None:
                from .schema import _unknown

                raise _unknown(part, part, sections)
            node[part] = {}
        node = node[part]


def get_dotted(data: Any, key: str) -> Any:
    """The value at dotted ``key`` inside plain scenario data (as :meth:`Scenario.to_dict`
    gives it), or :data:`MISSING` where the data holds none (a table left out, a list too
    short, an element of another name).

    >>> get_dotted({"contact_types": [{"name": "retail", "share": 0.6}]}, "contact_types.retail.share")
    0.6
    """
    node = data
    for part in split_key(key):
        if isinstance(node, list):
            try:
                node = node[_list_index(node, part, key)]
            except ScenarioError:
                return MISSING
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return MISSING
    return node


def _list_index(items: list, part: str, where: str) -> int:
    if part.isdigit():
        index = int(part)
        if index >= len(items):
            raise ScenarioError(where, f"index out of range: the list has {len(items)} items", value=index)
        return index
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == part:
            return i
    names = [item.get("name") for item in items if isinstance(item, dict)]
    raise ScenarioError(where, f"no item named {part!r}; use an index or one of {names}", value=part)


def parse_override(text: str) -> tuple[str, Any]:
    """Parse a command-line override ``KEY=VALUE``. The value is read as TOML
    (``16``, ``0.5``, ``[10, 12]``, ``"text"``, ``true``); a bare word that is not TOML
    is taken as a string (``calendar.after_hours=next_day``)."""
    if "=" not in text:
        raise ScenarioError(text, "an override must look like KEY=VALUE (e.g. agents.staffing=16)", value=text)
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    if not key:
        raise ScenarioError("", f"{show_value(text)} names no key; an override must look like KEY=VALUE (e.g. agents.staffing=16)",
                            value=text)
    split_key(key)
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):  # malformed, too many digits, too deep
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", raw):
            raise ScenarioError(key, f"cannot read the value {show_value(raw)} (write numbers, [lists], or \"quoted text\")", value=raw) from None
        value = raw
    return key, value
