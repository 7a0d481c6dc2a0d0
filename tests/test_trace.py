"""The trace of a run: one row per inbound contact and per callback attempt, its documented
columns and types, its conservation laws against the run's own counters, the file and the
DataFrame alike, and the contact log made from it."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simcenter
from simcenter.errors import SimcenterError
from simcenter.estimate.history import classify
from simcenter.estimate.logs import read_contact_log
from simcenter.estimate.synthetic import default_start, log_frame_from_trace
from simcenter.model.calendar import Timeline
from simcenter.model.records import TRACE_COLUMNS, TRACE_SPEC
from simcenter.output.metrics import METRICS
from simcenter.output.trace import read_trace, row_bytes, trace_categories, trace_reference
from simcenter.present.cli import main

ROOT = Path(__file__).parent.parent


from tests.runs import callbacks, example, plain  # noqa: F401,E402 (fixtures shared with the other results tests)


# -- the trace -------------------------------------------------------------------------------


def test_without_trace_true_trace_says_how_to_get_one(plain):
    with pytest.raises(SimcenterError, match=r"trace=True"):
        plain[1].trace()
    with pytest.raises(SimcenterError, match="trace must be True"):
        simcenter.simulate(plain[0], replications=1, trace=3)


def test_trace_has_the_documented_columns_and_types(callbacks):
    s, r = callbacks
    t = r.trace()
    assert list(t.columns) == list(TRACE_COLUMNS)
    for spec in TRACE_SPEC:
        assert str(t[spec.name].dtype) == spec.dtype, spec.name
    cats = trace_categories(s)
    for name in ("origin", "outcome", "direction", "contact_type", "group"):
        assert tuple(t[name].cat.categories) == cats[name]
    assert set(t.direction) == {"inbound", "callback"}
    assert set(t.outcome[t.direction == "callback"]) == {"reached", "not_reached"}
    assert (t.origin[t.direction == "callback"] == "callback").all() and (t.attempt[t.direction == "inbound"] == 0).all()
    # the memory the reference states is the memory the columns take
    assert t.memory_usage(index=False).sum() / len(t) == pytest.approx(row_bytes(cats), abs=0.5)


def test_trace_reference_is_generated():
    page = (ROOT / "docs/reference/trace.md").read_text(encoding="utf-8")
    assert page == trace_reference(), "regenerate with: simcenter schema --trace > docs/reference/trace.md"
    for spec in TRACE_SPEC:
        assert f"| `{spec.name}` | {spec.dtype} | {spec.unit} |" in page
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["schema", "--trace"]) == 0
    assert out.getvalue() == page


def _per_interval(rows: pd.DataFrame, s, reps: int) -> np.ndarray:
    """Rows counted per replication and reported interval (the run after warm-up)."""
    tl = Timeline.from_scenario(s)
    k = rows.day.to_numpy(int) * tl.intervals_per_day + rows.interval.to_numpy(int) - tl.warmup_intervals
    out = np.zeros((reps, tl.n_intervals - tl.warmup_intervals))
    np.add.at(out, (rows.replication.to_numpy(int), k), 1)
    return out


def test_every_contact_and_callback_attempt_is_counted_once(callbacks):
    s, r = callbacks
    t = r.trace()
    reps = r.n_replications
    inbound, calls = t[t.direction == "inbound"], t[t.direction == "callback"]
    # each inbound contact has one row: its outcome
    assert not inbound.duplicated(["replication", "contact_id"]).any()
    reported = inbound[~inbound.warmup]
    for outcome in ("answered", "abandoned", "waiting_at_end"):
        assert np.array_equal(_per_interval(reported[reported.outcome == outcome], s, reps), r.counters[outcome]), outcome
    offered = reported[reported.outcome.isin(["answered", "abandoned", "waiting_at_end"])]
    assert np.array_equal(_per_interval(offered, s, reps), r.counters["offered"])
    table = r.replications()
    assert (table.answered + table.abandoned + table.waiting_at_end == table.offered).all()
    # callback attempts: one row each, counted where the agent dialled
    assert len(calls[~calls.warmup]) > 100
    assert np.array_equal(_per_interval(calls[~calls.warmup], s, reps), r.counters["callback_attempts"])
    assert (calls[~calls.warmup].groupby("replication").size().to_numpy() == table.callback_attempts.to_numpy()).all()
    # a reached callback keeps its promise: counted where the promise was made (arrival - wait)
    reached = calls[calls.outcome == "reached"]
    made = reached.arrival_s.to_numpy() - reached.wait_s.to_numpy(float)
    tl = Timeline.from_scenario(s)
    promised = reached.assign(day=(made // 86_400).astype(int), interval=((made % 86_400) // tl.interval_s).astype(int))
    promised = promised[promised.day >= s.simulation.warmup_days]
    assert np.array_equal(_per_interval(promised, s, reps), r.counters["callbacks_kept"])
    # each promise's attempts are 1, 2, ... in time, before its due time, and a reached one is the last
    calls = calls.sort_values(["replication", "contact_id", "arrival_s"])
    key = calls.replication.astype(np.int64) * 10**9 + calls.contact_id
    position = calls.groupby(key.to_numpy()).cumcount().to_numpy() + 1
    assert np.array_equal(calls.attempt.to_numpy(), position) and (calls.attempt <= s.callbacks.max_attempts).all()
    assert (calls.arrival_s < calls.due_s).all()
    later = key.duplicated(keep="last").to_numpy()  # not the promise's last attempt
    assert (calls.outcome[later] == "not_reached").all()
    # the contact that made the promise was answered by the same customer, and ended when the promise was made
    origin = inbound.set_index(["replication", "contact_id"]).loc[list(zip(calls.replication, calls.contact_id))]
    assert (origin.outcome == "answered").all() and np.array_equal(origin.customer_id.to_numpy(), calls.customer_id.to_numpy())
    done = origin.arrival_s.to_numpy() + origin[["wait_s", "talk_s", "wrapup_s"]].astype(float).sum(axis=1).to_numpy()
    assert np.allclose(calls.arrival_s.to_numpy() - calls.wait_s.to_numpy(float), done, atol=1e-3)
    # an unreached attempt takes the agent callbacks.attempt_s
    missed = calls[calls.outcome == "not_reached"]
    assert np.allclose(missed.talk_s, s.callbacks.attempt_s) and (missed.wrapup_s == 0).all()


#: Every example scenario, and the paths of the engine they leave off (each callback policy,
#: concession windows, out-of-policy requests), a day each.
EXAMPLES = [p.stem for p in sorted((ROOT / "scenarios").glob("*.toml")) if not p.stem.startswith("sweep_")]
VARIANTS = {
    "deadline": ("callback_conflict", {"callbacks.priority": "deadline", "callbacks.deadline_window_min": 45}),
    "reserved": ("callback_conflict", {"callbacks.priority": "reserved", "callbacks.reserved_agents": 3}),
    "callbacks_first": ("callback_conflict", {"callbacks.priority": "callbacks_first"}),
    "conceded": ("baseline", {"calendar.after_hours": "conceded", "calendar.concession_window_minutes": 60}),
    "out_of_policy": ("noncompliance", {"policy.out_of_policy_prob": 0.2, "policy.override_prob": 0.3}),
}
CASES = [pytest.param(name, {}, marks=[pytest.mark.slow] if name == "skill_chaining" else [], id=name) for name in EXAMPLES] + \
    [pytest.param(base, changes, id=variant) for variant, (base, changes) in VARIANTS.items()]


@pytest.mark.parametrize("name, changes", CASES)
def test_the_trace_adds_up_to_the_counters_in_every_example(name, changes):
    """In every example: each inbound contact has one row, and its outcomes add up, per
    replication and interval, to the counters (offered, answered, abandoned, waiting at the
    end, lost and deferred while closed); callback rows to ``callback_attempts``; and
    ``talk_s + wrapup_s`` of every row with an agent, from when the agent took it, is the busy
    time the counters hold (clipped to the reported days), to float32 precision."""
    base = example(name)
    s = base.replace({"simulation.days": 1, "simulation.warmup_days": min(1, base.simulation.warmup_days), **changes})
    r = simcenter.simulate(s, replications=2, seed=9, trace=True)
    t = r.trace()
    reps = r.n_replications
    inbound = t[t.direction == "inbound"]
    assert not inbound.duplicated(["replication", "contact_id"]).any()
    reported = inbound[~inbound.warmup]
    for outcome in ("answered", "abandoned", "waiting_at_end", "lost_after_hours", "deferred"):
        assert np.array_equal(_per_interval(reported[reported.outcome == outcome], s, reps), r.counters[outcome]), outcome
    offered = reported[reported.outcome.isin(["answered", "abandoned", "waiting_at_end"])]
    assert np.array_equal(_per_interval(offered, s, reps), r.counters["offered"])
    calls = t[(t.direction == "callback") & ~t.warmup]
    assert np.array_equal(_per_interval(calls, s, reps), r.counters["callback_attempts"])
    tl = Timeline.from_scenario(s)
    worked = t[t.agent >= 0]
    start = np.where(worked.direction == "callback", worked.arrival_s, worked.arrival_s + worked.wait_s.astype(float))
    end = start + worked.talk_s.astype(float) + worked.wrapup_s.astype(float)
    first = tl.warmup_intervals * tl.interval_s
    busy = np.clip(end, first, tl.horizon_s) - np.clip(start, first, tl.horizon_s)
    per_rep = np.bincount(worked.replication.to_numpy(), weights=busy, minlength=reps)
    assert np.allclose(per_rep, r.counters["busy_s"].sum(axis=1), rtol=1e-5)
    assert set(worked.group.astype(str)) <= set(r.group_names) and t.group[t.agent < 0].isna().all()
    assert (worked.outcome.isin(["answered", "reached", "not_reached"])).all()


def test_the_trace_file_holds_what_trace_returns(callbacks, tmp_path):
    s, r = callbacks
    kept = r.trace()
    for name in ("trace.csv", "trace.parquet"):
        written = simcenter.simulate(s, replications=2, seed=5, trace=tmp_path / name)
        assert all(np.array_equal(written.counters[k], r.counters[k]) for k in r.counters)  # keeping a trace moves no number
        back = written.trace()  # read back from the file
        assert back.equals(kept) and back.dtypes.equals(kept.dtypes)
        assert all(back[c].cat.categories.equals(kept[c].cat.categories) for c in kept if kept[c].dtype == "category")
        raw = pd.read_csv(tmp_path / name) if name.endswith(".csv") else pd.read_parquet(tmp_path / name)
        assert list(raw.columns) == list(TRACE_COLUMNS) and len(raw) == len(kept)
    # without the scenario: the names found in the file
    loose = read_trace(tmp_path / "trace.csv")
    for name in ("contact_type", "queue", "group", "outcome"):
        assert loose[name].astype(str).equals(kept[name].astype(str)), name
    gone = simcenter.simulate(s, replications=1, seed=5, trace=tmp_path / "gone.csv")
    (tmp_path / "gone.csv").unlink()
    with pytest.raises(SimcenterError, match="no longer there"):
        gone.trace()


def test_trace_true_is_refused_where_it_would_not_fit(monkeypatch, plain):
    import simcenter.run.runner as runner

    from simcenter.model.budget import estimate

    s = plain[0]
    est = estimate(s)
    run, trace = est.run_memory(1, len(METRICS)), 2.0 * row_bytes(trace_categories(s)) * est.contacts
    monkeypatch.setattr(runner, "machine_memory", lambda: 2 * run + trace)  # the run fits in half, the run and trace do not
    simcenter.simulate(s, replications=1)
    with pytest.raises(SimcenterError, match=r"trace='trace.parquet'"):
        simcenter.simulate(s, replications=1, trace=True)


# -- the contact log from a trace with callbacks -----------------------------------------------


def test_the_contact_log_has_the_centers_callbacks_and_fit_leaves_them_out_of_histories(callbacks):
    s, r = callbacks
    t = r.trace()
    frame = log_frame_from_trace(t, default_start(s))
    one = t[(t.replication == 0) & ~t.warmup]
    calls = one[one.direction == "callback"]
    assert (frame.direction == "callback").sum() == len(calls)
    assert frame.contact_id.is_unique
    cb = frame[frame.direction == "callback"]
    assert (cb.wait_s == 0).all() and (cb.outcome == "answered").sum() == (calls.outcome == "reached").sum()
    assert cb.talk_s[cb.outcome == "abandoned"].isna().all()
    log = read_contact_log(frame)
    assert log.callback.sum() == len(calls)
    # the calls customers made are sorted out the same with or without the center's callbacks
    inbound_only = read_contact_log(frame[frame.direction == "inbound"].drop(columns="direction"))
    with_cb, without = classify(log, 4 * 3600.0, 14 * 86_400.0), classify(inbound_only, 4 * 3600.0, 14 * 86_400.0)
    assert np.array_equal(with_cb.kind[log.inbound], without.kind)
    assert np.array_equal(with_cb.next_gap[log.inbound], without.next_gap, equal_nan=True)
    assert np.isnan(with_cb.next_gap[log.callback]).all()
