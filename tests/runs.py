"""Runs shared by the tests of the Python results and of the trace: small, seeded, and
computed once per test module that uses them."""

from __future__ import annotations

from pathlib import Path

import pytest

import simcenter

ROOT = Path(__file__).parent.parent


def example(name: str, **changes) -> simcenter.Scenario:
    return simcenter.Scenario.from_file(ROOT / "scenarios" / f"{name}.toml").replace(changes)


@pytest.fixture(scope="module")
def callbacks():
    """callback_conflict: half the contacts promised a callback, near capacity; a warm-up day."""
    s = example("callback_conflict", **{"simulation.days": 1, "simulation.warmup_days": 1})
    return s, simcenter.simulate(s, replications=2, seed=5, trace=True)


@pytest.fixture(scope="module")
def plain():
    s = example("erlang_a", **{"simulation.days": 1})
    return s, simcenter.simulate(s, replications=3, seed=2)
