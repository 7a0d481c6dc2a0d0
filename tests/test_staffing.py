"""Staffing search: Erlang per interval, Erlang adjusted for failure demand, and
simulation (the adjusted plan checked interval by interval, iterative staffing where it
fails, flat bisection), checked against each other and against the service level each plan
achieves in simulation; the one-sided tests, Holm's correction and the moderated noise the
simulated plan rests on; and the command's output, warnings and progress."""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from simcenter import Scenario, analytic, simulate
from simcenter.cli import main
from simcenter.output.metrics import metric
from simcenter.planning.evidence import above, below, benjamini_hochberg, estimate, holm, moderate
from simcenter.planning.plansim import PlanRuns
from simcenter.staffing import STAFF_TABLE_FILE, Target, adjusted_plan, erlang_plan, failure_demand, flat_staffing, staff

ROOT = Path(__file__).parent.parent
TARGET = Target(0.8, 20.0)


@pytest.mark.slow
@pytest.mark.parametrize("patience", ["exponential", "none"])
def test_flat_simulation_staffing_equals_erlang(patience):
    s = Scenario.from_file(ROOT / "scenarios/erlang_a.toml").replace({"simulation.days": 2, "patience.dist": patience})
    exact = analytic.staffing(200, 180, 20, 0.8, 300.0 if patience == "exponential" else None)
    assert erlang_plan(s, TARGET) == [exact] * 48
    result = flat_staffing(s, TARGET, replications=10)
    assert abs(result.agents - exact) <= 1
    # the answer is decided by the intervals: it meets the target, one agent fewer does not
    assert result.tried[result.agents][-1] and not result.tried[result.agents - 1][-1]
    if result.agents != exact:  # only when the formula's answer sits inside the interval
        level = exact if result.agents > exact else result.agents
        mean, low, high = result.tried[level][:3]
        assert low <= 0.8 <= high


@pytest.mark.slow
def test_failure_demand_needs_more_agents_than_erlang_sees():
    # the plain queue with the field's log-normal handling, redials, and promises of which
    # 20% are broken; five warm-up days so that the repeat contacts reach their steady level
    s = Scenario.from_file(ROOT / "scenarios/erlang_a.toml").replace({
        "simulation.days": 3, "simulation.warmup_days": 5,
        "contact_types[0].handle_time": {"dist": "lognormal", "mean_s": 180.0, "cv": 1.0}, "patience.redial_prob": 0.3,
        "contact_types[0].promise_prob": 0.6, "contact_types[0].noncompliance": 0.2,
    })
    fd = failure_demand(s)
    assert fd.contacts > 1.0 and fd.handle_s > 180.0
    naive, adjusted = erlang_plan(s, TARGET)[0], adjusted_plan(s, TARGET)[0]
    flat = flat_staffing(s, TARGET, replications=6)
    # the naive plan misses the target in simulation; the simulation's plan meets it
    missed = simulate(s.replace({"agents.staffing": naive}), replications=6).summary().set_index("metric")
    assert missed.loc["service_level", "ci_high"] < 0.8
    assert flat.service_level >= 0.8 and flat.tried[flat.agents][-1]
    assert naive < flat.agents and naive <= adjusted <= flat.agents


def test_failure_demand_without_promises_is_nothing():
    s = Scenario.from_file(ROOT / "scenarios/erlang_a.toml")
    fd = failure_demand(s)
    assert fd.contacts == 1.0 and fd.handle_s == pytest.approx(180.0) and fd.patience_s == pytest.approx(300.0)
    assert adjusted_plan(s, TARGET) == erlang_plan(s, TARGET)


def test_redials_raise_the_adjusted_staffing():
    s = Scenario.from_file(ROOT / "scenarios/erlang_a.toml").replace({"patience.redial_prob": 0.9, "patience.mean_s": 60.0})
    assert adjusted_plan(s, TARGET)[0] >= erlang_plan(s, TARGET)[0]
    tight = Target(0.95, 5.0)
    assert adjusted_plan(s.replace({"agents.staffing": 10}), tight)[0] >= erlang_plan(s, tight)[0]


def test_staff_command(capsys, tmp_path):
    out = tmp_path / "plan.csv"
    args = ["staff", str(ROOT / "scenarios/erlang_a.toml"), "--target", "0.8/20", "--replications", "3", "--set", "simulation.days=1"]
    assert main(args + ["--max-abandon", "0.05", "--out", str(out), "--quiet"]) == 0
    captured = capsys.readouterr()
    text = captured.out
    assert "load (Erlangs)" in text and "abandon" in text and "abandonment" in text
    assert "erlang" in text and "adjusted" in text and "simulated" in text
    err = captured.err.strip().splitlines()
    # three replications cannot check the plan to one agent: said on stderr, then where the plan went
    assert any(line.startswith("simcenter: warning: with 3 replications") for line in err), err
    assert err[-1] == f"staff: wrote the per-interval plan (48 intervals) to {out} (3 replications per plan)"
    import pandas as pd

    table = pd.read_csv(out)
    assert list(table.columns) == list(STAFF_TABLE_FILE.csv_header) and len(table) == 48
    assert set(table.departure) <= {"none", "misses", "spare"}
    assert ((table.sl_low_simulated <= table.sl_simulated) & (table.sl_simulated <= table.sl_high_simulated)).all()
    assert main(args + ["--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["warnings"] == doc["summary"]["simulated"]["warnings"] and doc["warnings"]
    assert doc["units"]["offered_load"].startswith("Erlangs") and doc["summary"]["simulated"]["resolution"] > 1
    assert main(["staff", str(ROOT / "scenarios/erlang_a.toml"), "--target", "80/20"]) == 2
    assert "--target" in capsys.readouterr().err
    assert main(args + ["--max-replications", "2"]) == 2
    assert "--max-replications" in capsys.readouterr().err


def test_max_replications_doubles_while_the_check_is_too_coarse(capsys):
    args = ["staff", str(ROOT / "scenarios/erlang_a.toml"), "--target", "0.8/20", "--set", "simulation.days=1"]
    assert main(args + ["--replications", "2", "--max-replications", "8", "--json", "--quiet"]) == 0
    sim = json.loads(capsys.readouterr().out)["summary"]["simulated"]
    assert sim["replications"] == 8  # 2 and 4 replications see only departures of many agents


def test_plans_are_judged_on_replications_the_search_did_not_use():
    s = Scenario.from_file(ROOT / "scenarios/erlang_a.toml").replace({"simulation.days": 1})
    table, summary = staff(s, TARGET, replications=3, seed=11)
    plan = table["adjusted"].tolist()
    level = [np.mean([metric("service_level", r) for r in PlanRuns(s, 11).runs(plan, 3, first=first)], axis=0) for first in (0, 3)]
    assert np.allclose(table["sl_adjusted"], level[1]) and not np.allclose(table["sl_adjusted"], level[0])
    assert summary["simulated"]["replications"] == 3


def test_staff_shows_progress_on_a_terminal_and_quiet_silences_it(tmp_path):
    import os
    import pty
    import subprocess
    import sys

    def stderr_on_a_terminal(*extra) -> str:
        import fcntl
        import struct
        import termios

        parent, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 columns wide
        proc = subprocess.Popen([sys.executable, "-m", "simcenter", "staff", str(ROOT / "scenarios/erlang_a.toml"), "--target", "0.8/20",
                                 "--replications", "2", "--set", "simulation.days=1", *extra],
                                stdout=subprocess.DEVNULL, stderr=child, cwd=tmp_path)
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(parent, 4096)
            except OSError:  # the command has ended and closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(parent)
        assert proc.wait(timeout=120) == 0
        return b"".join(chunks).decode(errors="replace")

    shown = stderr_on_a_terminal()
    assert "staff: simulated replications" in shown and ("replication/s" in shown or "s/replication" in shown), shown
    quiet = stderr_on_a_terminal("--quiet")
    assert "simulated replications" not in quiet and "staff: printed the per-interval plan (48 intervals)" in quiet, quiet


def test_the_simulated_plan_leaves_erlang_where_the_load_lags_a_peak():
    """A small peak: 300 calls an hour, 1200 for an hour, then 300 again, 3-minute calls.
    After the peak the arrival rate has fallen but its calls are still in hand: Erlang's
    level for 300 calls an hour misses the target there by far, the simulation shows it and
    staffs the interval for what it measures; the quiet intervals before the peak keep it."""
    rates = [300] * 4 + [1200] * 4 + [300] * 4
    s = Scenario.from_dict({
        "name": "small_peak", "simulation": {"days": 1, "warmup_days": 0, "interval_minutes": 15, "seed": 1},
        "calendar": {"open": "08:00", "close": "11:00"}, "arrivals": {"calls_per_hour": rates},
        "contact_types": [{"name": "general", "share": 1.0, "handle_time": {"dist": "exponential", "mean_s": 180.0}}],
        "patience": {"dist": "exponential", "mean_s": 300.0}, "agents": {"staffing": 10}, "service_level": {"target_s": 20.0},
    })
    table, summary = staff(s, TARGET, replications=10)
    after = table.set_index("interval").loc["10:00"]
    assert after.departure == "misses" and after.simulated > after.adjusted
    assert after.sl_high_adjusted < 0.8 and after.sl_low_simulated > after.sl_high_adjusted  # judged on fresh replications
    assert summary["simulated"]["misses"][0] == "10:00" and summary["simulated"]["settled"]
    before = table.iloc[:4]
    assert (before.simulated == before.adjusted).all() and (before.departure == "none").all()


# -- the tests the simulated plan rests on -------------------------------------------------


def _fractions(rng, intervals, reps, calls, p, spread=0.0):
    """Replications of ``intervals`` independent intervals, each offered a Poisson number
    of contacts (mean ``calls``) of which a fraction ``p`` is answered in time on average;
    with ``spread``, each replication's own chance is Beta-distributed around ``p``
    (overdispersion, as a shared queue makes)."""
    offered = rng.poisson(calls, (reps, intervals))
    chance = np.full((reps, intervals), p) if spread == 0 else rng.beta(p / spread, (1 - p) / spread, (reps, intervals))
    hits = rng.binomial(offered, chance)
    return [{"offered": offered[r].astype(float), "answered_in_target": hits[r].astype(float)} for r in range(reps)]


@pytest.mark.parametrize("reps,spread", [(3, 0.0), (10, 0.0), (3, 0.02), (10, 0.02)])
def test_the_one_sided_tests_hold_their_level(reps, spread):
    """At the boundary of each hypothesis the share of intervals the test rejects is its
    level (within a 99.9% binomial interval of the count), with few replications and with
    overdispersion alike: the noise each interval shares with the others is borrowed, not
    assumed away."""
    rng = np.random.default_rng(2026)
    intervals = 4000
    est = estimate(_fractions(rng, intervals, reps, 100, 0.8, spread), "service_level")
    for alpha in (0.05, 0.01):
        for p in (below(est, 0.8), above(est, 0.8)):
            low, high = stats.binom.interval(0.999, intervals, alpha)
            assert low <= (p < alpha).sum() <= high, (alpha, (p < alpha).mean())


def test_holm_and_benjamini_hochberg_keep_their_error_rates():
    rng = np.random.default_rng(5)
    families = 2000
    bound = stats.binom.interval(0.999, families, 0.05)[1]
    # every hypothesis true: either procedure rejects anything at most 5% of the time
    for procedure in (holm, benjamini_hochberg):
        assert sum(procedure(rng.uniform(size=48), 0.05).any() for _ in range(families)) <= bound
    # 12 false hypotheses among 48 (effects of 3 standard errors): Benjamini-Hochberg keeps
    # the share of false discoveries among its discoveries at 5% on average, and finds more
    # than Holm
    shares, found = [], [0, 0]
    for _ in range(families):
        z = rng.normal(size=48) + np.r_[np.full(12, 3.0), np.zeros(36)]
        p = stats.norm.sf(z)
        bh = benjamini_hochberg(p, 0.05)
        shares.append(bh[12:].sum() / max(1, bh.sum()))
        found[0] += holm(p, 0.05)[:12].sum()
        found[1] += bh[:12].sum()
    assert np.mean(shares) <= 0.05 + 3 * np.std(shares) / np.sqrt(families)
    assert found[1] > 1.2 * found[0]


def test_moderation_shares_the_noise_only_where_the_intervals_agree():
    rng = np.random.default_rng(9)
    df = np.full(48, 2.0)
    alike = 3.0 * rng.chisquare(2, 48) / 2
    posterior, dof = moderate(alike, df)
    assert np.ptp(posterior) < 0.5 * np.ptp(alike) and dof.min() > 20  # pooled towards 3
    assert 1.5 < np.median(posterior) < 6
    unlike = np.exp(rng.normal(0, 3, 48)) * rng.chisquare(2, 48) / 2
    posterior, dof = moderate(unlike, df)
    assert dof.max() < 10 and np.corrcoef(np.log(posterior), np.log(unlike))[0, 1] > 0.9  # each keeps its own
