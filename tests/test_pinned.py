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


def _shifted(scenario: Scenario, **agents) -> Scenario:
    data = scenario.to_dict()
    data["agents"] = {k: v for k, v in data["agents"].items() if k != "staffing"} | agents
    data["shifts"] = [
        {"name": "early", "start": "07:30", "length_h": 8.0, "days": ["mon", "tue", "wed", "thu", "fri", "sat"], "headcount": 30,
         "breaks": [{"after_h": 2.0, "minutes": 15.0}, {"after_h": 4.0, "minutes": 30.0}]},
        {"name": "late", "start": "12:00", "length_h": 8.5, "days": ["mon", "tue", "wed", "thu", "fri", "sat"], "headcount": 25},
    ]
    return Scenario.from_dict(data)


def _variant(name: str, changes: dict, shifts: dict | None = None):
    """An example with mechanisms the examples leave off, each path of the engine run once."""
    def make() -> pd.DataFrame:
        s = Scenario.from_file(ROOT / "scenarios" / f"{name}.toml").replace({"simulation.days": 5, "simulation.warmup_days": 1, **changes})
        if shifts is not None:
            s = _shifted(s, **shifts)
        return simulate(s, replications=2, seed=17).replications()
    return make


#: Mechanisms the examples do not switch on: every callback policy, concession windows,
#: out-of-policy requests, shifts with breaks and shrinkage (with and without a roster), and
#: demand eroding fast enough to show in five days, with every source of anger.
VARIANTS = {
    "callbacks_first": _variant("callback_conflict", {"callbacks.priority": "callbacks_first"}),
    "reserved": _variant("callback_conflict", {"callbacks.priority": "reserved", "callbacks.reserved_agents": 3}),
    "deadline": _variant("callback_conflict", {"callbacks.priority": "deadline", "callbacks.deadline_window_min": 45}),
    "conceded": _variant("baseline", {"calendar.after_hours": "conceded", "calendar.concession_window_minutes": 60}),
    "out_of_policy": _variant("noncompliance", {"policy.out_of_policy_prob": 0.2, "policy.override_prob": 0.3, "policy.refusal_anger": 1.0}),
    "shifts_shrinkage": _variant("baseline", {"calendar.after_hours": "conceded"}, {"shrinkage": 0.1}),
    "shifts_roster": _variant("spiral", {}, {}),
    "value_feedback": _variant("word_of_mouth", {"value.customer_base": 2000.0, "customers.anger_per_wait_min": 0.5,
                                                 "policy.out_of_policy_prob": 0.1, "policy.refusal_anger": 1.0}),
}


def _run_json() -> pd.DataFrame:
    """``simcenter run --json`` of every example (three days, two replications), one row per
    example with the document as text."""
    import contextlib
    import io

    from simcenter.cli import main

    rows = []
    for name in EXAMPLES:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["run", str(ROOT / "scenarios" / f"{name}.toml"), "--json", "--replications", "2",
                         "--set", "simulation.days=3", "--set", f"simulation.warmup_days={1 if name != 'erlang_a' else 0}"])
        rows.append({"example": name, "code": code, "json": out.getvalue()})
    return pd.DataFrame(rows)


TABLES = {**{f"example_{name}": (lambda n=name: _example(n)) for name in EXAMPLES}, "sweep_noncompliance": _sweep,
          "staffing_noncompliance": _plans, **{f"variant_{name}": make for name, make in VARIANTS.items()},
          "run_json": _run_json}


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
