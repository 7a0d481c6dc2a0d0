"""Every example's numbers, pinned: each scenario of `scenarios/` (a week, two
replications), a sweep, the Erlang and failure-demand-adjusted staffing plans and the
evaluation of a plan by simulation must come out exactly as recorded in
`tests/regression/pinned/`. A refactoring of the engine, the metrics or the output
analysis must not move a single number; a deliberate change of the model regenerates the
files and says so in its commit message (see tests/regression/README.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simcenter import Scenario, simulate
from simcenter.staffing import Target, adjusted_plan, erlang_plan, evaluate_plan
from simcenter.sweep import sweep

ROOT = Path(__file__).parent.parent
PINNED = ROOT / "tests" / "regression" / "pinned"
EXAMPLES = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml") if not p.stem.startswith("sweep_"))


def _example(name: str) -> pd.DataFrame:
    s = Scenario.from_file(ROOT / "scenarios" / f"{name}.toml")
    s = s.replace({"simulation.days": 7, "simulation.warmup_days": min(2, s.simulation.warmup_days)})
    return simulate(s, replications=2).replications()


def _sweep() -> pd.DataFrame:
    table, _ = sweep({"base": str(ROOT / "scenarios/noncompliance.toml"), "replications": 2,
                      "set": {"simulation.days": 2, "simulation.warmup_days": 1},
                      "axes": {"agents.scale": [0.9, 1.1], "contact_types.order_status.noncompliance": [0.0, 0.3]}},
                     executor="serial")
    return table


def _plans() -> pd.DataFrame:
    s = Scenario.from_file(ROOT / "scenarios/noncompliance.toml")
    target = Target(0.8, 20.0)
    plans = pd.DataFrame({"erlang": erlang_plan(s, target), "adjusted": adjusted_plan(s, target)})
    evaluated = evaluate_plan(s.replace({"simulation.days": 2, "simulation.warmup_days": 1}), plans["adjusted"].tolist(),
                              replications=2, seed=5)
    return pd.concat([plans, evaluated.reset_index(drop=True).add_prefix("evaluated_")], axis=1)


TABLES = {**{f"example_{name}": (lambda n=name: _example(n)) for name in EXAMPLES}, "sweep_noncompliance": _sweep,
          "staffing_noncompliance": _plans}


def regenerate() -> None:
    """Write the pinned tables again (a deliberate change of the model only)."""
    PINNED.mkdir(parents=True, exist_ok=True)
    for name, make in TABLES.items():
        make().to_csv(PINNED / f"{name}.csv", index=False, float_format="%.17g")


@pytest.mark.parametrize("name", list(TABLES))
def test_numbers_are_pinned(name):
    expected = pd.read_csv(PINNED / f"{name}.csv")
    got = pd.read_csv(pd.io.common.StringIO(TABLES[name]().to_csv(index=False, float_format="%.17g")))
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
