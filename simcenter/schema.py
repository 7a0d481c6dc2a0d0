"""The machinery behind the scenario format: typed, documented, validated fields.

A scenario section is a frozen dataclass whose fields are declared with :func:`param`:
a *kind* (what values are allowed), a default, a unit and one sentence of meaning. From
that single declaration come

* validation (:func:`build`): every value is converted and checked, unknown keys are
  refused with the closest valid key suggested, and every error names the field, the
  value and what is allowed;
* serialization back to plain data (:func:`to_data`) and TOML (:func:`dumps_toml`);
* the JSON Schema of the format (:func:`json_schema`), which editors use for completion;
* the parameter reference in the documentation (:func:`markdown_reference`).

So the documentation of a parameter cannot drift from the code that reads it.
"""

from __future__ import annotations

import abc
import dataclasses
import difflib
import json
import math
import re
import sys
import tomllib
import unicodedata
from pathlib import Path
from typing import Any, Callable

from .errors import ScenarioError

__all__ = [
    "REQUIRED",
    "Kind",
    "Boolean",
    "Integer",
    "Number",
    "Choice",
    "Text",
    "ClockTime",
    "ListOf",
    "OneOrList",
    "WeekdayTable",
    "Table",
    "TableList",
    "Anything",
    "KeyTable",
    "param",
    "build",
    "to_data",
    "dumps_toml",
    "json_schema",
    "markdown_reference",
    "check_depth",
    "parse_toml",
    "read_toml",
    "show_value",
    "toml_string",
    "toml_value",
    "toml_key",
    "WEEKDAYS",
]

#: Tables and arrays nested deeper than this are refused (no scenario or sweep file needs
#: more than four levels).
MAX_DEPTH = 32

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: Marks a parameter that has no default.
REQUIRED = _Required()


def show_value(value: Any) -> str:
    """A value as the user wrote it, kept short for a one-line message (an integer too
    long to print, or a structure too deep to print, is described instead)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__} too large to show"
    return text if len(text) <= 60 else text[:57] + "..."


def _fail(path: str, value: Any, allowed: str) -> ScenarioError:
    return ScenarioError(path, f"must be {allowed}, got {show_value(value)}", value=value, allowed=allowed)


class Kind(abc.ABC):
    """What values a parameter accepts. Subclasses convert and check one value."""

    @abc.abstractmethod
    def convert(self, value: Any, path: str) -> Any:
        """The value converted to its Python form, or a ScenarioError naming ``path``."""

    @abc.abstractmethod
    def describe(self) -> str:
        """What is allowed, in words, for messages and the reference."""

    @abc.abstractmethod
    def json(self) -> dict:
        """The JSON Schema of the allowed values."""

    def plain(self, value: Any) -> Any:
        """The value as plain data (lists, dicts, numbers, strings)."""
        return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Number(Kind):
    """A finite real number (integers accepted), optionally bounded."""

    def __init__(self, min: float | None = None, max: float | None = None, *, exclusive_min: bool = False):
        self.min, self.max, self.exclusive_min = min, max, exclusive_min

    def describe(self) -> str:
        parts = []
        if self.min is not None:
            parts.append(f"{'>' if self.exclusive_min else '>='} {self.min:g}")
        if self.max is not None:
            parts.append(f"<= {self.max:g}")
        if self.min is not None and self.max is not None and not self.exclusive_min:
            return f"a number in [{self.min:g}, {self.max:g}]"
        return "a finite number" + (" " + " and ".join(parts) if parts else "")

    def convert(self, value: Any, path: str) -> float:
        if not _is_number(value):
            raise _fail(path, value, self.describe())
        try:
            value = float(value)
        except OverflowError:  # an integer beyond any float
            raise _fail(path, value, self.describe()) from None
        if not math.isfinite(value):
            raise _fail(path, value, self.describe())
        if self.min is not None and (value < self.min or (self.exclusive_min and value == self.min)):
            raise _fail(path, value, self.describe())
        if self.max is not None and value > self.max:
            raise _fail(path, value, self.describe())
        return value

    def json(self) -> dict:
        out: dict = {"type": "number"}
        if self.min is not None:
            out["exclusiveMinimum" if self.exclusive_min else "minimum"] = self.min
        if self.max is not None:
            out["maximum"] = self.max
        return out


class Integer(Kind):
    """A whole number (booleans and floats refused), optionally bounded."""

    def __init__(self, min: int | None = None, max: int | None = None):
        self.min, self.max = min, max

    def describe(self) -> str:
        if self.min is not None and self.max is not None:
            return f"an integer in [{self.min}, {self.max}]"
        if self.min is not None:
            return f"an integer >= {self.min}"
        return "an integer"

    def convert(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(path, value, self.describe())
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            raise _fail(path, value, self.describe())
        return value

    def json(self) -> dict:
        out: dict = {"type": "integer"}
        if self.min is not None:
            out["minimum"] = self.min
        if self.max is not None:
            out["maximum"] = self.max
        return out


class Boolean(Kind):
    """true or false (numbers and strings refused)."""

    def describe(self) -> str:
        return "true or false"

    def convert(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise _fail(path, value, self.describe())
        return value

    def json(self) -> dict:
        return {"type": "boolean"}


class Choice(Kind):
    """One of a fixed set of strings."""

    def __init__(self, *choices: str, described: str = ""):
        self.choices = choices
        self.described = described  # a short name for long lists ("a metric name")

    def describe(self) -> str:
        return self.described or "one of " + ", ".join(repr(c) for c in self.choices)

    def convert(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or value not in self.choices:
            msg = f"must be {self.describe()}, got {show_value(value)}"
            if isinstance(value, str):
                close = difflib.get_close_matches(value, self.choices, n=1)
                if close:
                    msg += f" (did you mean {close[0]!r}?)"
            raise ScenarioError(path, msg, value=value, allowed=self.describe())
        return value

    def json(self) -> dict:
        return {"type": "string", "enum": list(self.choices)}


class Text(Kind):
    """A non-empty string of at most ``max_len`` characters, without control characters
    (a name printed to a terminal must not move its cursor, change its colours or forge a
    line); a text longer than 200 characters (a description) may hold line breaks and tabs."""

    def __init__(self, max_len: int = 200):
        self.max_len = max_len

    def describe(self) -> str:
        breaks = ", line breaks allowed" if self.max_len > 200 else ""
        return f"a non-empty string of at most {self.max_len} characters, without control characters{breaks}"

    def convert(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > self.max_len:
            raise _fail(path, value, self.describe())
        allowed = "\n\t" if self.max_len > 200 else ""
        if any(unicodedata.category(c) == "Cc" and c not in allowed for c in value):
            raise _fail(path, value[:80], self.describe())
        return value

    def json(self) -> dict:
        return {"type": "string", "minLength": 1, "maxLength": self.max_len}


_CLOCK = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")


class ClockTime(Kind):
    """A time of day "HH:MM" (24-hour clock); "24:00" for the end of the day."""

    def describe(self) -> str:
        return 'a time of day "HH:MM" from "00:00" to "24:00"'

    def convert(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not (_CLOCK.match(value) or value == "24:00"):
            raise _fail(path, value, self.describe())
        return value

    def json(self) -> dict:
        return {"type": "string", "pattern": r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"}


class ListOf(Kind):
    """A list of values of one kind, stored as a tuple."""

    def __init__(self, item: Kind, min_len: int = 1, max_len: int = 100_000, unique: bool = False):
        self.item, self.min_len, self.max_len, self.unique = item, min_len, max_len, unique

    def describe(self) -> str:
        size = f"at least {self.min_len}" if self.min_len else "any number of"
        return f"a list of {size} items, each {self.item.describe()}" + (", no repeats" if self.unique else "")

    def convert(self, value: Any, path: str) -> tuple:
        if not isinstance(value, list) or not self.min_len <= len(value) <= self.max_len:
            if isinstance(value, list):
                allowed = f"a list of {self.min_len} to {self.max_len} items"
                raise ScenarioError(path, f"must be {allowed}, got {len(value)} items", value=value, allowed=allowed)
            raise _fail(path, value, self.describe())
        items = tuple(self.item.convert(v, f"{path}[{i}]") for i, v in enumerate(value))
        if self.unique and len(set(items)) != len(items):
            raise _fail(path, value, "a list without repeated items")
        return items

    def plain(self, value: Any) -> Any:
        return [self.item.plain(v) for v in value]

    def json(self) -> dict:
        out = {"type": "array", "items": self.item.json(), "minItems": self.min_len, "maxItems": self.max_len}
        if self.unique:
            out["uniqueItems"] = True
        return out


class OneOrList(Kind):
    """One value for every interval, or a list with one value per interval."""

    def __init__(self, item: Kind, max_len: int = 1440):
        self.item = item
        self.list = ListOf(item, 1, max_len)

    def describe(self) -> str:
        return f"{self.item.describe()}, or a list of them"

    def convert(self, value: Any, path: str) -> Any:
        if isinstance(value, list):
            return self.list.convert(value, path)
        if not _is_number(value):
            raise _fail(path, value, self.describe())
        return self.item.convert(value, path)

    def plain(self, value: Any) -> Any:
        return list(value) if isinstance(value, tuple) else value

    def json(self) -> dict:
        return {"anyOf": [self.item.json(), self.list.json()]}


class WeekdayTable(Kind):
    """A table from weekday names ("mon" ... "sun") to values; missing days get ``fill``
    (``None``: the day is not named, and is left out again when written back)."""

    def __init__(self, item: Kind, fill: Any):
        self.item, self.fill = item, fill

    def describe(self) -> str:
        return f"a table of weekdays (mon ... sun) to {self.item.describe()}"

    def convert(self, value: Any, path: str) -> tuple:
        if not isinstance(value, dict):
            raise _fail(path, value, self.describe())
        for key in value:
            if key not in WEEKDAYS:
                raise _unknown(f"{path}.{key}", key, WEEKDAYS)
        return tuple(self.item.convert(value[d], f"{path}.{d}") if d in value else self.fill for d in WEEKDAYS)

    def plain(self, value: Any) -> Any:
        return {d: self.item.plain(v) for d, v in zip(WEEKDAYS, value) if v is not None}  # a None fill: the day is not named

    def json(self) -> dict:
        return {
            "type": "object",
            "properties": {d: self.item.json() for d in WEEKDAYS},
            "additionalProperties": False,
        }


class Table(Kind):
    """A nested table described by a section dataclass."""

    def __init__(self, section: type):
        self.section = section

    def describe(self) -> str:
        return f"a table ({self.section.__name__})"

    def convert(self, value: Any, path: str) -> Any:
        return build(self.section, value, path)

    def plain(self, value: Any) -> Any:
        return to_data(value)

    def json(self) -> dict:
        return json_schema(self.section)


class TableList(Kind):
    """An array of tables (``[[name]]`` in TOML), each described by a section dataclass."""

    def __init__(self, section: type, min_len: int = 1, max_len: int = 100):
        self.section, self.min_len, self.max_len = section, min_len, max_len

    def describe(self) -> str:
        return f"a list of {self.min_len} to {self.max_len} tables ({self.section.__name__})"

    def convert(self, value: Any, path: str) -> tuple:
        if not isinstance(value, list) or not self.min_len <= len(value) <= self.max_len:
            raise _fail(path, value if not isinstance(value, list) else f"{len(value)} tables", self.describe())
        return tuple(build(self.section, v, f"{path}[{i}]") for i, v in enumerate(value))

    def plain(self, value: Any) -> Any:
        return [to_data(v) for v in value]

    def json(self) -> dict:
        return {"type": "array", "items": json_schema(self.section), "minItems": self.min_len, "maxItems": self.max_len}


class Anything(Kind):
    """Any TOML value; what it must be is decided where it is used (e.g. the scenario
    parameter a sweep's ``[set]`` key names)."""

    def __init__(self, meaning: str = "any value"):
        self.meaning = meaning

    def describe(self) -> str:
        return self.meaning

    def convert(self, value: Any, path: str) -> Any:
        return value

    def json(self) -> dict:
        return {}


class KeyTable(Kind):
    """A table from dotted scenario keys (``"agents.staffing"``) to values of one kind,
    stored as a tuple of (key, value) pairs in the order written."""

    def __init__(self, item: Kind, min_len: int = 0, max_len: int = 1000):
        self.item, self.min_len, self.max_len = item, min_len, max_len

    def describe(self) -> str:
        return f"a table of dotted scenario keys to {self.item.describe()}"

    def convert(self, value: Any, path: str) -> tuple:
        if not isinstance(value, dict):
            raise _fail(path, value, self.describe())
        if not self.min_len <= len(value) <= self.max_len:
            need = "at least one key" if len(value) < self.min_len else f"at most {self.max_len} keys"
            raise ScenarioError(path, f"must name {need}, got {len(value)}", value=value)
        return tuple((key, self.item.convert(item, _join(path, key))) for key, item in value.items())

    def plain(self, value: Any) -> Any:
        return {k: self.item.plain(v) for k, v in value}

    def json(self) -> dict:
        return {"type": "object", "additionalProperties": self.item.json(), "minProperties": self.min_len}


def param(kind: Kind, default: Any = REQUIRED, *, unit: str = "", doc: str) -> Any:
    """Declare a scenario parameter: its kind, default (or REQUIRED), unit and meaning.

    ``default=None`` makes the parameter optional with no value.
    """
    meta = {"kind": kind, "unit": unit, "doc": doc, "required": default is REQUIRED}
    if default is REQUIRED:
        return dataclasses.field(metadata=meta)
    if isinstance(default, (list, dict, set)):
        raise TypeError("mutable defaults are not allowed; use a tuple")
    return dataclasses.field(default=default, metadata=meta)


def _fields(section: type):
    return [f for f in dataclasses.fields(section) if "kind" in f.metadata]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _unknown(path: str, key: str, valid) -> ScenarioError:
    close = difflib.get_close_matches(str(key), list(valid), n=1, cutoff=0.6)
    prefix = path[: len(path) - len(str(key))] if path.endswith(str(key)) else ""
    hint = f"; did you mean {prefix + close[0]!r}?" if close else f"; valid keys here: {', '.join(sorted(valid))}"
    return ScenarioError(path, f"unknown key{hint}", value=key, allowed=", ".join(sorted(valid)))


def build(section: type, data: Any, path: str = ""):
    """Validate plain data (from TOML) and build the frozen section value.

    After the fields are converted, the section's ``_check(path)`` method, if any, makes
    the checks that involve more than one field.
    """
    if not isinstance(data, dict):
        raise _fail(path or "scenario", data, "a table")
    fields = _fields(section)
    names = {f.name for f in fields}
    for key in data:
        if key not in names:
            raise _unknown(_join(path, key), key, names)
    values = {}
    for f in fields:
        where = _join(path, f.name)
        if f.name in data:
            values[f.name] = f.metadata["kind"].convert(data[f.name], where)
        elif f.metadata["required"]:
            raise ScenarioError(where, f"is required ({f.metadata['kind'].describe()})", allowed=f.metadata["kind"].describe())
    obj = section(**values)
    check: Callable | None = getattr(obj, "_check", None)
    if check is not None:
        check(path)
    return obj


def to_data(obj) -> dict:
    """A section value as plain data that :func:`build` accepts back; unset optional
    parameters are left out."""
    out = {}
    for f in _fields(type(obj)):
        value = getattr(obj, f.name)
        if value is None:
            continue
        out[f.name] = f.metadata["kind"].plain(value)
    return out


def json_schema(section: type) -> dict:
    """The JSON Schema of a section (and, recursively, of its tables)."""
    props, required = {}, []
    for f in _fields(section):
        sub = dict(f.metadata["kind"].json())
        text = f.metadata["doc"]
        if f.metadata["unit"]:
            text += f" Unit: {f.metadata['unit']}."
        sub["description"] = text
        if not f.metadata["required"] and f.default is not None:
            default = f.metadata["kind"].plain(f.default)
            sub["default"] = default
        props[f.name] = sub
        if f.metadata["required"]:
            required.append(f.name)
    out = {"type": "object", "properties": props, "additionalProperties": False}
    doc = (section.__doc__ or "").strip().split("\n\n")[0]
    if doc:
        out["description"] = " ".join(doc.split())
    if required:
        out["required"] = required
    return out


# ---------------------------------------------------------------------------
# TOML input


def _depth(data: Any) -> int:
    """How deeply tables and arrays nest in ``data`` (counted without recursion)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def check_depth(data: Any, source: str = "") -> None:
    if _depth(data) > MAX_DEPTH:
        raise ScenarioError("", f"tables or arrays nested more than {MAX_DEPTH} levels deep", source=source)


def parse_toml(text: str, source: str = "") -> dict:
    """TOML text as plain data; every way it can fail is a one-line ``ScenarioError``
    (malformed TOML, nesting too deep to parse, integers beyond Python's digit limit)."""
    if text.startswith("\ufeff"):  # a byte-order mark some editors write
        text = text[1:]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError("", f"malformed TOML: {err}", source=source) from None
    except RecursionError:
        raise ScenarioError("", f"malformed TOML: tables or arrays nested too deeply (at most {MAX_DEPTH} levels)", source=source) from None
    except ValueError as err:  # an integer of thousands of digits
        long = re.search(r"[0-9_]{%d,}" % (sys.get_int_max_str_digits() or 4300), text)
        if long is None:
            raise ScenarioError("", f"malformed TOML: {str(err).split(';')[0]}", source=source) from None
        line = text.count("\n", 0, long.start()) + 1
        raise ScenarioError("", f"malformed TOML: line {line} holds an integer of {len(long.group().replace('_', '')):,} digits; "
                                f"at most {sys.get_int_max_str_digits():,} are read", source=source) from None
    check_depth(data, source)
    return data


def read_toml(path: str | Path, what: str) -> dict:
    """Read a TOML file the user gave (``what``: "scenario file", "sweep file") safely:
    a regular file of bounded size, UTF-8 with or without a byte-order mark."""
    from ._io import read_input_text

    try:
        text = read_input_text(path)
    except FileNotFoundError:
        raise ScenarioError("", f"no such {what}", source=str(path)) from None
    except (OSError, ValueError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise ScenarioError("", f"cannot read the {what}: it {reason}" if isinstance(err, ValueError) else f"cannot read the {what} ({reason})",
                            source=str(path)) from None
    return parse_toml(text, str(path))


# ---------------------------------------------------------------------------
# TOML output (the standard library reads TOML but does not write it)


def toml_value(value: Any, floats=repr) -> str:
    """One value as TOML (inline tables for dictionaries); ``floats`` writes a float."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} to TOML")
        return floats(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v, floats) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v, floats)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


_toml_value = toml_value


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(text: str) -> str:
    r"""A TOML basic string: quotes, backslashes and every control character escaped (TOML
    allows no raw control character but tab, and no DEL), and a lone surrogate (from an
    undecodable file name) replaced by U+FFFD, so that any text round-trips.

    >>> import tomllib
    >>> text = 'say "hi"\x01 and \x7f'
    >>> tomllib.loads("v = " + toml_string(text))["v"] == text
    True
    """
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\uFFFD")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_key(key: str) -> str:
    """A TOML key, quoted where it is not a bare key."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


_toml_key = toml_key


def dumps_toml(data: dict) -> str:
    """Write plain scenario data as TOML: scalars first, then ``[tables]`` and
    ``[[arrays of tables]]``; tables nested inside those are written inline."""
    lines = []
    for key, value in data.items():
        if not isinstance(value, dict) and not (isinstance(value, list) and value and isinstance(value[0], dict)):
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"\n[{_toml_key(key)}]")
            lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                lines.append(f"\n[[{_toml_key(key)}]]")
                lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in item.items())
    return "\n".join(lines).lstrip("\n") + "\n"


# ---------------------------------------------------------------------------
# Reference documentation


def _md_default(f) -> str:
    if f.metadata["required"]:
        return "required"
    if f.default is None:
        return "unset"
    value = f.metadata["kind"].plain(f.default)
    if isinstance(value, dict) and isinstance(f.metadata["kind"], WeekdayTable):
        return "1.0 for every day" if set(value.values()) == {1.0} else _toml_value(value)
    return "`" + _toml_value(value) + "`"


def _md_section(section: type, prefix: str, out: list[str], heading: str) -> None:
    out.append(f"{heading} `{prefix}`\n")
    doc = " ".join((section.__doc__ or "").split())
    if doc:
        out.append(doc + "\n")
    out.append("| key | allowed values | unit | default | meaning |")
    out.append("|---|---|---|---|---|")
    nested = []
    for f in _fields(section):
        kind = f.metadata["kind"]
        if isinstance(kind, (Table, TableList)):
            nested.append((f, kind))
        allowed = kind.describe().replace("|", "\\|")
        unit = f.metadata["unit"] or "-"
        out.append(f"| `{f.name}` | {allowed} | {unit} | {_md_default(f)} | {f.metadata['doc']} |")
    out.append("")
    for f, kind in nested:
        sub = f"{prefix}.{f.name}" if prefix else f.name
        if isinstance(kind, TableList):
            sub += "[i]"
        _md_section(kind.section, sub, out, heading + "#")


def markdown_reference(root: type, sections: dict[str, type]) -> str:
    """The parameter reference: one table per section, every parameter with its allowed
    values, unit, default and meaning."""
    out: list[str] = []
    for name, section in sections.items():
        _md_section(section, name, out, "##")
    return "\n".join(out).rstrip() + "\n"
