"""The Erlang formulas against published values, an independent numerical solution, and
their limits."""

import math

import numpy as np
import pytest
from scipy import linalg

from simcenter import analytic

# Erlang B table: offered load (Erlangs, two decimals as published) at 1% blocking.
ERLANG_B_1PCT = [(1, 0.01), (5, 1.36), (10, 4.46), (20, 12.03), (50, 37.90), (100, 84.06)]


@pytest.mark.parametrize("n, load", ERLANG_B_1PCT)
def test_erlang_b_matches_published_table(n, load):
    # The table rounds the load to 0.01: 1% blocking lies between the neighbours.
    assert analytic.erlang_b(n, load - 0.005) < 0.01 < analytic.erlang_b(n, load + 0.005)


def test_erlang_b_small_cases_by_hand():
    assert analytic.erlang_b(0, 3.0) == 1.0
    assert analytic.erlang_b(1, 1.0) == pytest.approx(0.5)
    # B(2, 2) = (2^2/2) / (1 + 2 + 2) = 0.4
    assert analytic.erlang_b(2, 2.0) == pytest.approx(0.4)


def test_classic_erlang_c_example():
    # 100 calls per 30 minutes, 180 s AHT: 14 agents give P(wait) 0.1741, SL 0.8884.
    m = analytic.erlang_c_metrics(14, 200.0, 180.0, 20.0)
    assert round(m.p_wait, 4) == 0.1741
    assert round(m.service_level, 4) == 0.8884
    assert m.occupancy == pytest.approx(10 / 14)
    assert m.asa_s == pytest.approx(0.1741319 * 180 / 4, rel=1e-5)  # C / (n mu - lambda)
    assert analytic.staffing(200.0, 180.0, 20.0, 0.8) == 14
    assert analytic.staffing(200.0, 180.0, 20.0, 0.8891) == 15


def test_erlang_c_unstable_queue():
    m = analytic.erlang_c_metrics(10, 200.0, 180.0, 20.0)
    assert m.p_wait == 1.0 and m.service_level == 0.0 and math.isinf(m.asa_s)


def _erlang_a_by_ctmc(n, lam, mu, theta, t, q_max=400):
    """Erlang A by brute force: the truncated birth-death chain solved as a linear system,
    and P(answered within t | q) from the matrix exponential of the tagged caller's
    absorbing chain. Independent of the closed forms in simcenter.analytic."""
    size = n + q_max + 1
    Q = np.zeros((size, size))
    for j in range(size):
        if j + 1 < size:
            Q[j, j + 1] = lam
        if j > 0:
            Q[j, j - 1] = min(j, n) * mu + max(j - n, 0) * theta
        Q[j, j] = -Q[j].sum()
    A = np.vstack([Q.T, np.ones(size)])
    b = np.zeros(size + 1)
    b[-1] = 1
    pi = np.linalg.lstsq(A, b, rcond=None)[0]
    p_wait = pi[n:].sum()
    # Tagged caller with q ahead: states q..0 ahead, then served (absorbing) or abandoned.
    sl_within, p_ab, wait_all = 0.0, 0.0, 0.0
    for q in range(q_max):
        w = pi[n + q]
        if w < 1e-15:
            continue
        m = q + 1
        G = np.zeros((m + 2, m + 2))  # states: i ahead = q..0 -> index q-i; m = served; m+1 = abandoned
        for idx in range(m):
            i = q - idx
            G[idx, idx + 1 if idx + 1 < m else m] += n * mu + i * theta
            G[idx, m + 1] += theta
            G[idx, idx] = -(n * mu + i * theta + theta)
        P = linalg.expm(G * t)
        sl_within += w * P[0, m]
        p_served = np.prod([(n * mu + i * theta) / (n * mu + (i + 1) * theta) for i in range(q + 1)])
        p_ab += w * (1 - p_served)
        # expected time before leaving the queue: fundamental matrix of transient part
        T = G[:m, :m]
        wait_all += w * float(-np.linalg.solve(T, np.ones(m))[0])
    return p_wait, (1 - p_wait) + sl_within, p_ab, wait_all


@pytest.mark.parametrize("n, cph, aht, patience", [(1, 14.0, 180.0, 300.0), (3, 70.0, 150.0, 120.0), (5, 130.0, 180.0, 600.0)])
def test_erlang_a_against_brute_force_chain(n, cph, aht, patience):
    m = analytic.erlang_a_metrics(n, cph, aht, patience, 20.0)
    p_wait, sl, p_ab, mean_wait = _erlang_a_by_ctmc(n, cph / 3600, 1 / aht, 1 / patience, 20.0)
    assert m.p_wait == pytest.approx(p_wait, rel=1e-7)
    assert m.service_level == pytest.approx(sl, rel=1e-7)
    assert m.abandon_rate == pytest.approx(p_ab, rel=1e-7)
    assert m.mean_wait_s == pytest.approx(mean_wait, rel=1e-6)


def test_erlang_a_little_and_balance_identities():
    m = analytic.erlang_a_metrics(20, 450.0, 180.0, 240.0, 20.0)
    # E[wait] = P(abandon) * mean patience (Little's law on the abandoning flow)
    assert m.mean_wait_s == pytest.approx(m.abandon_rate * 240.0, rel=1e-12)
    # carried load = served arrivals x AHT
    assert m.occupancy * 20 == pytest.approx(450 / 3600 * (1 - m.abandon_rate) * 180, rel=1e-12)
    # waits of answered and abandoned callers add up to the mean wait
    assert m.asa_s * (1 - m.abandon_rate) <= m.mean_wait_s


@pytest.mark.parametrize("n, cph", [(1, 10.0), (14, 200.0), (100, 1900.0)])
def test_erlang_a_tends_to_erlang_c_as_patience_grows(n, cph):
    c = analytic.erlang_c_metrics(n, cph, 180.0, 20.0)
    previous = math.inf
    for patience in (1e4, 1e6, 1e8):
        a = analytic.erlang_a_metrics(n, cph, 180.0, patience, 20.0)
        gap = abs(a.service_level - c.service_level) + abs(a.p_wait - c.p_wait)
        assert gap < previous
        previous = gap
    assert a.service_level == pytest.approx(c.service_level, abs=1e-5)
    assert a.asa_s == pytest.approx(c.asa_s, rel=1e-4)
    assert a.abandon_rate < 1e-5


def test_erlang_a_overload_is_finite():
    m = analytic.erlang_a_metrics(10, 400.0, 180.0, 300.0, 20.0)  # 20 Erlangs on 10 agents
    assert 0.45 < m.abandon_rate < 0.55
    assert m.occupancy == pytest.approx(1.0, abs=1e-3)
    assert all(math.isfinite(v) for v in m.as_dict().values())


@pytest.mark.parametrize("model", ["A", "C"])
def test_stable_to_two_thousand_agents(model):
    patience = 300.0 if model == "A" else None
    for load in (0.8, 0.95, 0.99):
        m = analytic.metrics(2000, 2000 * 20 * load, 180.0, 20.0, patience)
        values = m.as_dict()
        assert all(math.isfinite(v) for v in values.values()), values
        assert 0 <= m.p_wait <= 1 and 0 <= m.service_level <= 1 and 0 <= m.abandon_rate <= 1
    # more agents never hurt
    sls = [analytic.metrics(k, 2000 * 20 * 0.95, 180.0, 20.0, patience).service_level for k in (1900, 1950, 2000, 2050)]
    assert sls == sorted(sls)


def test_staffing_with_abandonment_cap_and_monotone_in_target():
    base = analytic.staffing(400.0, 240.0, 20.0, 0.8, patience_s=180.0)
    capped = analytic.staffing(400.0, 240.0, 20.0, 0.5, patience_s=180.0, max_abandon=0.01)
    m = analytic.erlang_a_metrics(capped, 400.0, 240.0, 180.0, 20.0)
    assert m.abandon_rate <= 0.01
    assert analytic.erlang_a_metrics(capped - 1, 400.0, 240.0, 180.0, 20.0).abandon_rate > 0.01 or (
        analytic.erlang_a_metrics(capped - 1, 400.0, 240.0, 180.0, 20.0).service_level < 0.5
    )
    targets = [analytic.staffing(400.0, 240.0, 20.0, sl, patience_s=180.0) for sl in (0.5, 0.7, 0.8, 0.9, 0.95)]
    assert targets == sorted(targets) and base in targets
    # Erlang A needs no more agents than Erlang C (abandonment relieves the queue)
    assert base <= analytic.staffing(400.0, 240.0, 20.0, 0.8)


def test_staffing_table_marks_minimum():
    table = analytic.staffing_table(200.0, 180.0, 20.0, 0.8, around=2)
    assert list(table.agents) == [12, 13, 14, 15, 16]
    assert list(table.meets_target) == [False, False, True, True, True]


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf, True, "5"])
def test_formula_inputs_are_checked(bad):
    with pytest.raises((ValueError, TypeError)):
        analytic.erlang_a_metrics(10, bad, 180.0, 300.0, 20.0)
