"""``simcenter compare``: two scenarios run with common random numbers, and for each metric
its mean on each side and the paired difference B - A with its 95% interval.

The two sides are named by what differs between them: the files' names when two files are
given (their stems, or as much of their paths as tells them apart), or the ``--a``/``--b``
overrides when one file is given (``agents.scale=1.2`` against ``agents.scale=1.4``, each
side's own value of every key changed on either side), in words in the header. The table
shows the metrics of the mechanisms either scenario uses, as ``run`` does; ``--json`` has
every metric. No interval goes outside what its metric can take: each difference's interval
is kept within what B - A can be (:func:`simcenter.output.analysis.paired_interval`), and an
end that was moved there is marked. Too few replications for the paired interval to mean
much is said in one warning on stderr. A bar on stderr counts the replications of both
sides (``--quiet``: none); the command ends with one line on stderr saying what it compared.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ScenarioError, SimcenterError
from .cli import _check_int, _given_twice, _metric_list, _overrides, _print_table
from .numbers import format_number as _fmt

__all__ = ["add_compare_parser", "compare_command", "Side", "label_sides", "few_replications", "MIN_PAIRS", "CUT_MARK"]

#: Paired replications below which an interval of a difference says little: with n pairs
#: the 95% interval is ``t(n - 1)`` standard errors wide each way, 2.78 at 5 pairs but
#: 3.18 at 4, 4.30 at 3 and 12.71 at 2, against 1.96 with many.
MIN_PAIRS = 5

#: The replications suggested when there are fewer than :data:`MIN_PAIRS`.
SUGGESTED = 10

#: Marks an end of an interval moved to what the difference can take.
CUT_MARK = "*"

#: The longest side name used as a column heading; longer names are shortened.
COLUMN_WIDTH = 24

#: The longest value shown in a label (a long list of staffing is cut).
VALUE_WIDTH = 32


def add_compare_parser(sub) -> None:
    c = sub.add_parser("compare", help="compare two scenarios with common random numbers: each metric's paired difference B - A "
                       "with its 95%% interval")
    c.add_argument("a", metavar="A", help="scenario file A")
    c.add_argument("b", metavar="B", nargs="?", help="scenario file B (default: A again, changed by --b)")
    c.add_argument("--set", action="append", metavar="KEY=VALUE", help="override applied to both (repeatable)")
    c.add_argument("--a", dest="set_a", action="append", metavar="KEY=VALUE", help="override applied to A only (repeatable)")
    c.add_argument("--b", dest="set_b", action="append", metavar="KEY=VALUE", help="override applied to B only (repeatable)")
    c.add_argument("--replications", type=int, metavar="N", help=f"paired replications, at least 2 (default: A's simulation.replications; "
                   f"fewer than {MIN_PAIRS} draws a warning)")
    c.add_argument("--seed", type=int, metavar="S", help="root seed shared by both (default: A's simulation.seed)")
    c.add_argument("--metrics", metavar="M1,M2", help="comma-separated metrics (default: those of the mechanisms either scenario uses)")
    c.add_argument("--json", action="store_true", help="print one JSON object instead of a table: the two sides (label, file, "
                   "overrides), the replications and seed, and a record per metric (every metric unless --metrics)")
    c.add_argument("--quiet", action="store_true", help="no progress bar; only the last line, on stderr, saying what was compared")
    c.set_defaults(func=compare_command)


@dataclass(frozen=True)
class Side:
    """One side of a comparison, named by what sets it apart from the other."""

    label: str                 # "agents.scale=1.2", "baseline", "old/center with agents.staffing=16"
    words: str                 # the same in words: "staffing scale 1.2"
    file: str                  # the scenario file as given
    overrides: dict = field(default_factory=dict)  # this side's own --a or --b
    values: tuple = ()         # the (key, value as text) pairs the label names

    def column(self, other: "Side", letter: str) -> str:
        """The side's column heading: its label if short, else the keys' last parts with
        their values, else ``letter`` (also when the two would read alike)."""
        mine, theirs = self._short(), other._short()
        return mine if mine and theirs and mine != theirs else letter

    def _short(self) -> str | None:
        if len(self.label) <= COLUMN_WIDTH:
            return self.label
        leaves = ", ".join(f"{key.rsplit('.', 1)[-1]}={value}" for key, value in self.values)
        return leaves if leaves and len(leaves) <= COLUMN_WIDTH else None


def _value_text(value) -> str:
    """A value as written on the command line: ``1.2``, ``deadline``, ``true``, ``[10, 12]``,
    cut when long."""
    from ..dotted import MISSING

    if value is MISSING:
        text = "(not set)"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(_value_text(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k} = {_value_text(v)}" for k, v in value.items()) + "}"
    elif isinstance(value, float):
        import numpy as np

        text = np.format_float_positional(value, precision=6, unique=True, fractional=False, trim="-")  # 1000000, 0.00001
    else:
        text = str(value)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def _file_names(path_a: str, path_b: str) -> tuple[str, str]:
    """What tells two scenario files apart: their stems, or else the last parts of their
    paths (without the suffix) as far back as they differ."""
    parts_a, parts_b = Path(path_a).with_suffix("").parts, Path(path_b).with_suffix("").parts
    for depth in range(1, max(len(parts_a), len(parts_b)) + 1):
        name_a, name_b = "/".join(parts_a[-depth:]), "/".join(parts_b[-depth:])
        if name_a != name_b:
            return name_a, name_b
    return str(Path(path_a).resolve()), str(Path(path_b).resolve())


def _same_file(path_a: str, path_b: str | None) -> bool:
    if path_b is None:
        return True
    try:
        return os.path.samefile(path_a, path_b)
    except OSError:
        return os.path.realpath(path_a) == os.path.realpath(path_b)


def label_sides(path_a: str, path_b: str | None, set_a: dict, set_b: dict, a, b) -> tuple[Side, Side]:
    """Name scenarios ``a`` and ``b`` (read from ``path_a`` and ``path_b``, or both from
    ``path_a``, then changed by ``set_a`` and ``set_b``) by what differs between them.

    Two files: each is named by its file (:func:`_file_names`), followed by its own
    overrides. One file: each side is named by the keys overridden on either side whose
    values differ, with that side's value (read from the scenario, so a key changed on one
    side only shows the other's value as in the file).
    """
    from ..dotted import get_dotted
    from .words import parameter_words

    path_b_given = path_b
    path_b = path_b or path_a
    if not _same_file(path_a, path_b_given):
        names = _file_names(path_a, path_b)
        pairs = [[(k, _value_text(v)) for k, v in own.items()] for own in (set_a, set_b)]
    else:
        names = ("", "")
        keys = list(dict.fromkeys([*set_a, *set_b]))
        data = (a.to_dict(), b.to_dict())
        differing = [k for k in keys if get_dotted(data[0], k) != get_dotted(data[1], k)] or keys
        pairs = [[(k, _value_text(get_dotted(d, k))) for k in differing] for d in data]
    sides = []
    for name, values, path, own in zip(names, pairs, (path_a, path_b), (set_a, set_b)):
        label = ", ".join(f"{k}={v}" for k, v in values)
        words = ", ".join(f"{parameter_words(k)} {v}" for k, v in values)
        if name:
            label, words = (f"{name} with {label}", f"{name} with {words}") if values else (name, name)
        sides.append(Side(label, words, str(path), dict(own), tuple(values)))
    return sides[0], sides[1]


def few_replications(n: int, table, shown: list[str]) -> str | None:
    """The warning when the paired intervals of the metrics ``shown`` rest on too few
    replications: fewer than :data:`MIN_PAIRS` in all, or, for some metric, fewer than
    that where it has a value on both sides (a ratio with nothing to divide in the rest).
    None when there are enough."""
    from scipy import stats as sps

    if n < MIN_PAIRS:
        t_n, t_many = sps.t.ppf(0.975, max(n - 1, 1)), sps.t.ppf(0.975, SUGGESTED - 1)
        return (f"only {n} paired replications: each interval of a difference rests on {n - 1} degree{'s' if n != 2 else ''} of "
                f"freedom (± {t_n:.2f} standard errors, against ± {t_many:.2f} with {SUGGESTED}), so it says little; "
                f"give --replications {SUGGESTED} or more")
    rows = table.set_index("metric").loc[shown]
    thin = rows[(rows.pairs > 0) & (rows.pairs < MIN_PAIRS)]
    if thin.empty:
        return None
    names = list(thin.index)
    listed = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    fewest, most = int(thin.pairs.min()), int(thin.pairs.max())
    counts = f"{fewest}" if fewest == most else f"{fewest} to {most}"
    need = math.ceil(n * MIN_PAIRS / fewest)
    return (f"{listed} {'has' if len(names) == 1 else 'have'} a value on both sides in only {counts} of the {n} replications "
            f"(the others had nothing to measure), so {'its interval says' if len(names) == 1 else 'their intervals say'} little; "
            f"give --replications {need} or more")


def _load(path, common: dict, extra: dict):
    from ..scenario import Scenario
    from .filekind import scenario_data

    scenario = Scenario.from_toml_data(scenario_data(path, "compare"), source=str(path))  # a sweep file: the command that runs it
    changes = {**common, **extra}
    try:
        return scenario.replace(changes) if changes else scenario
    except ScenarioError as err:
        raise ScenarioError(err.field, err.message + " (from an override)", value=err.value) from None


def compare_command(args) -> int:
    from ..output.metrics import METRICS, active_metrics
    from ..run.experiment import compare
    from .progress import Progress, done

    common = _overrides(args.set, "--set")
    set_a, set_b = _overrides(args.set_a, "--a"), _overrides(args.set_b, "--b")
    _check_int("--replications", args.replications, 2, 100_000)
    _check_int("--seed", args.seed, 0, 2**63 - 1)
    for flag, extra in (("--a", set_a), ("--b", set_b)):
        for key in ("simulation.seed", "simulation.replications"):
            if key in extra:
                raise SimcenterError(f"{flag} {key}: A and B share their seed and replications (common random numbers); "
                                     "give --seed or --replications for both")
    _given_twice(args, (("--seed", args.seed, "simulation.seed"), ("--replications", args.replications, "simulation.replications")))
    a = _load(args.a, common, set_a)
    b = _load(args.b or args.a, common, set_b)
    if a == b:
        raise SimcenterError("the two scenarios are identical; give a second file or --b KEY=VALUE")
    metrics = _metric_list(args.metrics, "--metrics")
    n = args.replications or a.simulation.replications
    seed = a.simulation.seed if args.seed is None else args.seed
    if n < 2:
        raise SimcenterError(f"simulation.replications of A is {n}; a paired comparison needs >= 2 (give --replications)")
    side_a, side_b = label_sides(args.a, args.b, set_a, set_b, a, b)
    start = time.monotonic()
    with Progress(2 * n, "compare", unit="replication", quiet=args.quiet) as bar:
        table = compare(a, b, replications=n, seed=seed, metrics=metrics, progress=lambda finished, total: bar.update(1))
    used = set(active_metrics(a)) | set(active_metrics(b))
    shown = list(table.metric) if metrics is not None else [m for m in table.metric if m in used]
    warning = few_replications(n, table, shown)
    if warning:
        print(f"simcenter: warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(_json(side_a, side_b, common, n, seed, table, used, warning), indent=2, allow_nan=False, default=str))
    else:
        _print(side_a, side_b, common, args.a if _same_file(args.a, args.b) else None, n, seed, table, shown, len(METRICS))
    done(f"compared {side_a.label} (A) and {side_b.label} (B) over {n} paired replications ({time.monotonic() - start:.1f} s)")
    return 0


def _cell(x, unit: str) -> str:
    """A number of the table: as ``run`` prints it, shares, levels and ratios with four
    decimals (a difference of them is often small), and no minus sign on a zero."""
    text = _fmt(x, "fraction" if unit in ("level 0-1", "ratio") else unit)
    return text[1:] if text.startswith("-") and text != "-" and not text.strip("-0.,") else text


def _number(x):
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def _json(side_a: Side, side_b: Side, common: dict, n: int, seed: int, table, used: set, warning: str | None) -> dict:
    """The JSON document of ``compare --json``."""
    from ..output.analysis import CONFIDENCE
    from ..output.metrics import split_metric

    def side(s: Side) -> dict:
        return {"label": s.label, "words": s.words, "file": s.file, "overrides": s.overrides}

    records = []
    for row in table.to_dict(orient="records"):
        record = {k: (_number(float(v)) if isinstance(v, float) else v) for k, v in row.items()}
        record["significant"], record["cut_low"], record["cut_high"] = bool(row["significant"]), bool(row["cut_low"]), bool(row["cut_high"])
        record["pairs"] = int(row["pairs"])
        record["used"] = split_metric(row["metric"])[0] in used
        records.append(record)
    return {"a": side(side_a), "b": side(side_b), "both": common, "replications": n, "seed": seed, "confidence": CONFIDENCE,
            "difference": "b - a", "warning": warning, "metrics": records}


def _print(side_a: Side, side_b: Side, common: dict, one_file: str | None, n: int, seed: int, table, shown: list[str],
           known: int) -> None:
    """The table of ``compare``: a header naming A and B, a row per metric shown, and the
    notes on what was cut and what was left out."""
    for letter, s in (("A", side_a), ("B", side_b)):
        more = f" ({s.words})" if s.words != s.label else ""
        where = f"  [{s.file}]" if not one_file else ""
        print(f"{letter}: {s.label}{more}{where}")
    both = []
    if one_file:
        both.append(str(one_file))
    if common:
        both.append(", ".join(f"{k}={_value_text(v)}" for k, v in common.items()))
    print(("both: " + " with ".join(both) + "; " if both else "")
          + f"{n} paired replications (common random numbers), seed {seed}; B - A with its 95% interval")
    rows, cut = [], False
    by_metric = table.set_index("metric")
    for name in shown:
        r = by_metric.loc[name]
        low, high = _cell(r.ci_low, r.unit), _cell(r.ci_high, r.unit)
        if r.cut_low:
            low += CUT_MARK
        if r.cut_high:
            high += CUT_MARK
        cut = cut or bool(r.cut_low or r.cut_high)
        significant = "-" if math.isnan(r.ci_low) else ("yes" if r.significant else "no")
        rows.append([name, _cell(r.mean_a, r.unit), _cell(r.mean_b, r.unit), _cell(r["diff"], r.unit), low, high, significant, r.unit])
    _print_table(rows, ["metric", side_a.column(side_b, "A"), side_b.column(side_a, "B"), "B - A", "ci_low", "ci_high", "significant",
                        "unit"])
    if cut:
        print(f"{CUT_MARK} moved to what B - A can take: within [-1, 1] for a fraction or a level, and no further than A's and B's own "
              "intervals allow (for a count: from minus A's upper end to B's upper end)")
    left_out = len(table) - len(shown)
    if left_out > 0 and len(table) == known:
        print(f"({left_out} metrics of mechanisms neither scenario uses are left out here; --json has all)")
