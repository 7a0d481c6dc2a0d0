"""The spiral of scenarios/spiral.toml and how the recovery policy of
scenarios/spiral_recovered.toml stops it, over 26 weeks."""

import pytest

pytestmark = pytest.mark.slow  # a year of a spiralling center, twice (about 35 s)

import simcenter
from simcenter.results import confidence_interval

from .test_workforce import spiral


@pytest.fixture(scope="module")
def spirals():
    runs = {}
    for name in ("spiral", "spiral_recovered"):
        runs[name] = simcenter.simulate(spiral(name, **{"simulation.replications": 3}))
    return runs


def _change(results, metric):
    """Per-replication change of a metric from the first to the last four weeks, as a
    Student-t interval over replications."""
    days = results.scenario.simulation.days
    first = results.replications(days=range(0, 28))[metric].to_numpy()
    last = results.replications(days=range(days - 28, days))[metric].to_numpy()
    return confidence_interval(last - first)


def test_spiral_declines(spirals):
    r = spirals["spiral"]
    for metric in ("morale_mean", "headcount", "service_level"):
        mean, low, high = _change(r, metric)
        assert high < 0, f"{metric} should fall: change {mean:.3g} [{low:.3g}, {high:.3g}]"


def test_recovery_policy_stops_the_spiral(spirals):
    """With the recovery policy, morale and headcount do not end lower than they started
    (their change's interval is not below zero), and the center ends far better off than
    without it. The outage's extra contacts still cost some service level."""
    rec, spi = spirals["spiral_recovered"], spirals["spiral"]
    for metric in ("morale_mean", "headcount"):
        mean, low, high = _change(rec, metric)
        assert high >= 0, f"{metric} fell: change {mean:.3g} [{low:.3g}, {high:.3g}]"
    days = rec.scenario.simulation.days
    end_rec = rec.replications(days=range(days - 28, days))
    end_spi = spi.replications(days=range(days - 28, days))
    for metric in ("morale_mean", "headcount", "service_level"):
        assert end_rec[metric].min() > end_spi[metric].max(), metric
