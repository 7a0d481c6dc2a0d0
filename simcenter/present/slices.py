"""Slices of a sweep: which swept parameter plays which part in a figure, and the values
the ones a figure does not draw are fixed at.

A sweep often varies more parameters than one figure draws: a staffing curve of a staffing
× noncompliance × recovery-policy sweep draws the staffing and the noncompliance rate. Every
figure treats the others alike: each is fixed at one value, never averaged over. That value
is the one asked for (``simcenter plot --at KEY=VALUE``), else the base scenario's where the
sweep holds it, else the lowest swept; :attr:`View.note` says it in one pattern,
``at recovery empowerment = 0 (of 0, 1)``, which every figure's title carries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import SimcenterError
from .saved import SavedResults
from .words import setting_words, value_words

__all__ = ["Fixed", "View", "staffing_param", "noncompliance_param", "policies", "parse_at", "fix", "is_grid", "at_slice"]


def staffing_param(r: SavedResults) -> str | None:
    """The swept staffing (``agents.staffing`` or ``agents.scale``), if any."""
    return next((p for p in r.parameters if p in ("agents.staffing", "agents.scale")), None)


def noncompliance_param(r: SavedResults) -> str | None:
    """The swept noncompliance rate (of a contact type, or of an outage), if any."""
    return next((p for p in r.parameters if p.endswith("noncompliance")), None)


def policies(r: SavedResults) -> list[str]:
    """The swept parameters other than the staffing and the noncompliance rate: the
    policies a trade-off compares."""
    return [p for p in r.parameters if p not in (staffing_param(r), noncompliance_param(r))]


@dataclass(frozen=True)
class Fixed:
    """A swept parameter a figure does not draw, fixed at ``value`` (one of ``values``);
    ``why``: ``"asked"`` (``at``), ``"base"`` (the base scenario's) or ``"lowest"``."""

    key: str
    value: object
    values: tuple
    why: str
    base: object = None  # the base scenario's value

    def words(self) -> str:
        """``recovery empowerment = 0 (of 0, 1)``."""
        shown = [value_words(v) for v in self.values]
        among = ", ".join(shown) if len(shown) <= 6 else f"{len(shown)} values, {shown[0]} to {shown[-1]}"
        return f"{setting_words(self.key, self.value)} (of {among})"


@dataclass(frozen=True)
class View:
    """What one figure of saved results draws: its kind, metric and target; for a sweep,
    the swept parameter across (``x``) and the second one drawn (``y``: lines, heatmap rows,
    the cost frontier's policies), every parameter it draws (``drawn``), the ones it fixes
    (``fixed``) and the sweep's rows at those values (``summary``)."""

    kind: str
    metric: str
    target: float
    x: str | None = None
    y: str | None = None
    drawn: tuple = ()
    fixed: tuple = ()
    summary: pd.DataFrame | None = None

    @property
    def at(self) -> dict:
        """The fixed parameters and their values."""
        return {f.key: f.value for f in self.fixed}

    @property
    def note(self) -> str:
        """The title's second line, the same in every kind: ``at recovery empowerment = 0
        (of 0, 1); ...``; empty when the figure draws every swept parameter."""
        return ("at " + "; ".join(f.words() for f in self.fixed)) if self.fixed else ""


def _ordered(values) -> list:
    """The distinct swept values, as plain Python values, lowest first."""
    plain = {v.item() if isinstance(v, np.generic) else v for v in values}
    return sorted(plain, key=lambda v: (isinstance(v, str), v))


def _same(a, b) -> bool:
    numbers = all(isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)) for v in (a, b))
    if numbers:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _base_value(scenario, key: str):
    """The base scenario's value at dotted ``key`` (None where it holds none)."""
    from ..dotted import split_key

    node = scenario.to_dict()
    try:
        for part in split_key(key):
            if isinstance(node, list):
                node = node[int(part)] if part.isdigit() else next(e for e in node if isinstance(e, dict) and e.get("name") == part)
            else:
                node = node[part]
    except (KeyError, IndexError, StopIteration, TypeError, ValueError):
        return None
    return node


def _matching(text: str, values: list):
    """The swept value that ``text`` (from ``--at KEY=VALUE``) names, or None."""
    for v in values:
        if isinstance(v, (bool, np.bool_)):
            if text.strip().lower() in (("true", "on", "1") if v else ("false", "off", "0")):
                return v
        elif isinstance(v, (int, float, np.number)):
            try:
                if _same(float(text), v):
                    return v
            except ValueError:
                continue
        elif text.strip() in (str(v), str(v).replace("_", " ")):
            return v
    return None


def parse_at(r: SavedResults, at, drawn: tuple) -> dict:
    """``--at KEY=VALUE`` (a mapping or ``"KEY=VALUE"`` strings), checked: each key swept,
    not drawn, given once, at a value the sweep has."""
    if not at:
        return {}
    if r.kind != "sweep":
        raise SimcenterError("--at applies to a sweep's results only (a run has no swept parameters)")
    items = list(at.items()) if isinstance(at, Mapping) else []
    if not isinstance(at, Mapping):
        for text in at:
            key, sep, value = str(text).partition("=")
            if not sep or not key.strip():
                raise SimcenterError(f"--at {text!r}: give KEY=VALUE, a swept parameter and one of its values")
            items.append((key.strip(), value))
    chosen = {}
    for key, text in items:
        if key not in r.parameters:
            raise SimcenterError(f"--at {key}={text}: {key!r} is not a swept parameter; swept: {', '.join(r.parameters)}")
        if key in drawn:
            raise SimcenterError(f"--at {key}={text}: this plot draws {key}; --at fixes only the swept parameters it does not draw "
                                 f"({', '.join(p for p in r.parameters if p not in drawn) or 'none here'})")
        if key in chosen:
            raise SimcenterError(f"--at {key} is given twice; give each parameter once")
        values = _ordered(r.summary[key])
        value = text if not isinstance(text, str) and any(_same(text, v) for v in values) else _matching(str(text), values)
        if value is None:
            raise SimcenterError(f"--at {key}={text}: the sweep has no such value; its values: {', '.join(value_words(v) for v in values)}")
        chosen[key] = next(v for v in values if _same(value, v))
    return chosen


def fix(r: SavedResults, drawn: tuple, asked: dict) -> tuple:
    """Every swept parameter not in ``drawn``, fixed: as asked, else at the base scenario's
    value where the sweep holds it, else at the lowest swept value."""
    fixed = []
    for key in r.parameters:
        if key in drawn:
            continue
        values = tuple(_ordered(r.summary[key]))
        base = _base_value(r.scenario, key)
        if key in asked:
            fixed.append(Fixed(key, asked[key], values, "asked", base))
        elif base is not None and any(_same(base, v) for v in values):
            fixed.append(Fixed(key, next(v for v in values if _same(base, v)), values, "base", base))
        else:
            fixed.append(Fixed(key, values[0], values, "lowest", base))
    return tuple(fixed)



def is_grid(r: SavedResults) -> bool:
    """Whether the sweep ran every combination of its swept values (``[axes]``), so that
    fixing some parameters leaves a full grid of the others."""
    points = r.summary[list(r.parameters)].drop_duplicates()
    return len(points) == math.prod(points[p].nunique() for p in r.parameters)


def at_slice(summary: pd.DataFrame, fixed: tuple) -> pd.DataFrame:
    """The rows of a sweep's summary at the ``fixed`` values."""
    for f in fixed:
        summary = summary[summary[f.key] == f.value]
    return summary
