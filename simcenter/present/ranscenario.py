"""The scenario exactly as it ran, for the report: what was changed, and where.

A run's ``scenario.toml`` is the scenario file with the ``--set`` overrides applied; its seed
and replications may have come from the command line instead (``run.json`` records them).
A sweep's base scenario (``sweep.json``) has the sweep file's ``[set]`` applied, and each
point then sets its own values of the swept parameters. :func:`scenario_section` shows the
TOML as it ran with each of those lines marked and a note of what changed it, beside
tables of the changes in words, the replications each point got and the seed.
"""

from __future__ import annotations

import html

from .htmlpage import Cell, Column, table
from .numbers import format_value
from .saved import SavedResults
from .words import parameter_label

__all__ = ["scenario_section", "replications", "axis_values", "key_html", "plural"]

_e = html.escape


def key_html(key: str) -> str:
    """A dotted key that may break after its dots."""
    return "<code>" + "<wbr>.".join(_e(p) for p in key.split(".")) + "</code>"


def replications(r: SavedResults) -> tuple[int, int]:
    """The fewest and the most replications of any point (a run: its replications)."""
    if r.kind == "run":
        n = r.about.get("replications") or r.scenario.simulation.replications
        return n, n
    counts = r.summary.groupby("run_id")["replications"].max() if "replications" in r.summary else None
    if counts is None or counts.isna().all():
        reps = r.about.get("replications") or [r.scenario.simulation.replications]
        return min(reps), max(reps)
    return int(counts.min()), int(counts.max())


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def axis_values(values: list) -> str:
    values = sorted(set(values), key=lambda v: (str(type(v)), v))
    if len(values) <= 8:
        return ", ".join(format_value(v, significant=6) for v in values)
    return f"{len(values):,} values from {format_value(values[0], significant=6)} to {format_value(values[-1], significant=6)}"


def _toml_keys(text: str) -> list:
    """For each line of a scenario's TOML, the names its key may be reached by (a tuple of
    alternatives per part: a list element by its index or its name), or None."""
    import re

    keyed, path, counts = [], [], {}
    element = None
    for line in text.splitlines():
        stripped = line.strip()
        array = re.fullmatch(r"\[\[\s*([\w.]+)\s*\]\]", stripped)
        section = re.fullmatch(r"\[\s*([\w.]+)\s*\]", stripped)
        if array:
            name = array.group(1)
            counts[name] = counts.get(name, -1) + 1
            element = [str(counts[name])]
            path = [(p,) for p in name.split(".")] + [element]
            keyed.append(None)
            continue
        if section:
            path, element = [(p,) for p in section.group(1).split(".")], None
            keyed.append(None)
            continue
        key = re.match(r"([A-Za-z0-9_-]+)\s*=", stripped)
        if not key:
            keyed.append(None)
            continue
        if element is not None and key.group(1) == "name" and len(element) == 1:
            named = re.match(r'name\s*=\s*"([^"]*)"', stripped)
            if named:
                element.append(named.group(1))
        keyed.append([*path, (key.group(1),)])
    return keyed


def _marked_toml(text: str, marks: dict) -> str:
    """The TOML ``text`` with the line of each dotted key of ``marks`` highlighted and
    ``marks[key]`` added as a comment (a key inside an inline table marks its line)."""
    from ..dotted import split_key

    keyed = _toml_keys(text)
    notes: dict[int, list] = {}
    for key, note in marks.items():
        try:
            parts = split_key(key)
        except Exception:  # not a key of this scenario: shown in the table above only
            continue
        for i, names in enumerate(keyed):
            if names and len(names) <= len(parts) and all(p in alt for p, alt in zip(parts, names)):
                notes.setdefault(i, []).append(note)
                break
    lines = []
    for i, line in enumerate(text.splitlines()):
        if i in notes:
            lines.append(f'<mark>{_e(line)}</mark>  <span class="comment"># {_e("; ".join(notes[i]))}</span>')
        else:
            lines.append(_e(line))
    return '<pre class="toml">' + "\n".join(lines) + "</pre>"


def _changes_table(ident: str, changes: dict, caption: str) -> str:
    columns = [Column("Parameter", lead=True, align="left"), Column("Key", align="left"), Column("Value", align="left")]
    rows = [[Cell(_e(parameter_label(k))), Cell(key_html(k)), Cell(_e(_shown_value(v)))] for k, v in changes.items()]
    return table(ident, columns, rows, caption)


def _shown_value(v) -> str:
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_shown_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_shown_value(x)}" for k, x in v.items()) + " }"
    return format_value(v) if not isinstance(v, str) else v


def _run_scenario(r: SavedResults) -> str:
    s, about = r.scenario, r.about
    text = s.to_toml()
    marks: dict = {}
    facts = []
    overrides = about.get("overrides")
    if "seed" in about:
        seed, reps = about["seed"], about["replications"]
        facts.append(("Seed", f"{seed}" + ("" if seed == s.simulation.seed else " (given with <code>--seed</code>; the file's "
                                           f"<code>simulation.seed</code> below is {s.simulation.seed})")))
        facts.append(("Replications", f"{reps:,}" + ("" if reps == s.simulation.replications else
                                                    " (given with <code>--replications</code> or reached by <code>--precision</code>; "
                                                    f"the file says {s.simulation.replications:,})")))
        if seed != s.simulation.seed:
            marks["simulation.seed"] = f"this run used seed {seed}"
        if reps != s.simulation.replications:
            marks["simulation.replications"] = f"this run used {reps:,} replications"
    else:
        facts.append(("Seed and replications", "not recorded with these results (see <code>simulation</code> below)"))
    if overrides:
        for k, v in overrides.items():
            marks[k] = f"--set {k}={_shown_value(v)}" if k not in marks else f"{marks[k]}; --set"
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    out = [f'<dl class="facts">{dl}</dl>']
    if overrides:
        out.append(_changes_table("t-overrides", overrides, "Changes given with --set (already in the scenario below)"))
    elif overrides is not None:
        out.append("<p>No <code>--set</code> overrides were given: the scenario below is the file as it was.</p>")
    else:
        out.append("<p class=\"note\">These results do not record which values were changed from the scenario file "
                   "(<code>--set</code>, or <code>replace</code> in Python, before <code>write</code>); the scenario below "
                   "has any such change applied.</p>")
    out.append("<p>The scenario as it ran (<code>scenario.toml</code> in the results; marked lines were changed for this "
               "run):</p>")
    out.append(_marked_toml(text, marks))
    return "".join(out)


def _sweep_scenario(r: SavedResults) -> str:
    s, about = r.scenario, r.about
    low, high = replications(r)
    fixed = about.get("set")
    seeds = sorted(set(about.get("seeds") or [s.simulation.seed]))
    facts = [("Points", f"{r.summary.run_id.nunique():,}"),
             ("Replications per point", f"{low:,}" if low == high else f"{low:,} to {high:,} (a precision target added them "
                                                                     "where the intervals were still wide; see the table's "
                                                                     "Replications column)"),
             ("Seed", ", ".join(str(x) for x in seeds[:5]) + (f" and {len(seeds) - 5:,} more" if len(seeds) > 5 else "")
              + (" (every point the same: common random numbers)" if len(seeds) == 1 else " (swept)"))]
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    out = [f'<dl class="facts">{dl}</dl>']
    marks = {}
    if fixed:
        out.append(_changes_table("t-set", fixed, "Changes applied to every point ([set] of the sweep file)"))
        marks.update({k: "[set] of the sweep file" for k in fixed})
    elif fixed is None:
        out.append("<p class=\"note\">These results do not record the sweep file's <code>[set]</code> table (written by an "
                   "earlier simcenter); the base scenario below has it applied.</p>")
    points = r.summary.drop_duplicates("run_id")
    columns = [Column("Swept parameter", lead=True, align="left"), Column("Key", align="left"), Column("Values", align="left")]
    rows = [[Cell(_e(parameter_label(p))), Cell(key_html(p)), Cell(_e(axis_values(points[p].tolist())))] for p in r.parameters]
    out.append(table("t-axes", columns, rows, "Swept parameters (each point takes one value of each)"))
    marks.update({p: "swept: each point sets its own value (see above)" for p in r.parameters})
    out.append("<p>The base scenario, with the sweep file's <code>[set]</code> applied (marked lines are set or swept):</p>")
    out.append(_marked_toml(s.to_toml(), marks))
    return "".join(out)


def scenario_section(r: SavedResults) -> str:
    """The report's section on the scenario as it ran (its HTML, without the heading)."""
    return _run_scenario(r) if r.kind == "run" else _sweep_scenario(r)
