"""simcenter fit on small logs: Kaplan-Meier by hand, censored patience against the naive
mean, bad data, column mappings and time zones, the files the command writes."""

from __future__ import annotations

import math
import os
import tomllib

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import simcenter
from simcenter.estimate.families import choose, fit_durations, fit_patience, kaplan_meier
from simcenter.estimate.history import FIRST, REDIAL, REPEAT, classify
from simcenter.estimate.logs import LogError, read_contact_log
from simcenter.estimate.synthetic import default_start, interval_report_from_trace, log_frame_from_trace
from simcenter.present.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def simulated_log(tmp_path, scenario, name="log.csv", seed=1):
    """One replication of ``scenario`` as a contact log file, with its trace."""
    trace = tmp_path / f"{name}.trace.parquet"
    simcenter.simulate(scenario.replace({"simulation.replications": 1}), seed=seed, trace=trace)
    tr = pd.read_parquet(trace)
    frame = log_frame_from_trace(tr, default_start(scenario))
    path = tmp_path / name
    if name.endswith(".parquet"):
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path, tr


def erlang_a(**changes):
    base = {"simulation.days": 4, "simulation.warmup_days": 1, "agents.staffing": 11}
    return simcenter.Scenario.from_file(os.path.join(ROOT, "scenarios/erlang_a.toml")).replace({**base, **changes})


# -- Kaplan-Meier and censored patience -------------------------------------------------


def test_kaplan_meier_matches_a_hand_computed_example():
    # waits 1, 2, 2 (one answered), 3, 4 (answered), 5; abandonments at 1, 2, 3 and 5
    t = [1, 2, 2, 3, 4, 5]
    e = [True, True, False, True, False, True]
    times, surv, se = kaplan_meier(t, e)
    # at 1: 6 at risk, 1 event -> 5/6; at 2: 5 at risk, 1 event -> 5/6 * 4/5 = 2/3;
    # at 3: 3 at risk (2, 2 gone), 1 event -> 2/3 * 2/3 = 4/9; at 5: 1 at risk, 1 event -> 0
    assert list(times) == [1, 2, 3, 5]
    assert np.allclose(surv, [5 / 6, 2 / 3, 4 / 9, 0.0])
    # Greenwood at 1: S^2 * 1/(6*5)
    assert math.isclose(se[0], (5 / 6) * math.sqrt(1 / 30))
    ref = stats.ecdf(stats.CensoredData(uncensored=[1, 2, 3, 5], right=[2, 4]))
    assert np.allclose(ref.sf.evaluate(times), surv)


def test_families_are_told_apart_and_their_intervals_hold_the_truth():
    rng = np.random.default_rng(7)
    for family, x, mean, cv in (("exponential", rng.exponential(200, 20_000), 200, 1.0),
                                ("lognormal", rng.lognormal(np.log(300) - 0.5 * np.log(2), np.sqrt(np.log(2)), 20_000), 300, 1.0),
                                ("gamma", rng.gamma(2.0, 100, 20_000), 200, 1 / math.sqrt(2))):
        best = choose(fit_durations(x))
        assert best.family == family
        assert best.mean_low < mean < best.mean_high
        assert best.cv_low <= cv <= best.cv_high


def test_censored_patience_is_right_where_the_naive_mean_is_badly_biased(tmp_path):
    # Erlang A, 11 agents for 10 Erlangs: most callers are answered, their waits censor patience
    path, _ = simulated_log(tmp_path, erlang_a())
    fit = simcenter.fit(path)
    est = fit.estimates
    censored = est[(est.section == "patience") & est.quantity.str.contains("exponential")].iloc[0]
    naive = est[est.quantity == "naive mean of abandoners' waits"].iloc[0]
    assert abs(naive.estimate / 300.0 - 1) > 0.3
    assert abs(censored.estimate / 300.0 - 1) < 0.1
    assert censored.low < 300.0 < censored.high
    assert fit.scenario.patience.dist == "exponential"
    # the patience of the log's own abandoned callers is exactly what the trace recorded
    pat = fit_patience(fit.log.wait, ~fit.log.answered)
    assert pat[0].events == int((~fit.log.answered).sum())


def test_histories_agree_with_the_engine(tmp_path):
    s = erlang_a(**{"patience.redial_prob": 0.5, "patience.redial_delay_mean_s": 300.0})
    path, tr = simulated_log(tmp_path, s)
    log = read_contact_log(path)
    hist = classify(log, 4 * 3600.0, 14 * 86_400.0)
    seen = tr[tr.outcome.isin(["answered", "abandoned"]) & ~tr.warmup].sort_values("arrival_s", kind="stable")
    truth = seen.origin.map({"first": FIRST, "redial": REDIAL, "repeat": REPEAT, "next_day": FIRST}).to_numpy()
    agree = (truth == hist.kind).mean()
    assert agree > 0.995  # only redials of callers who abandoned before the log began differ


# -- the fitted scenario -----------------------------------------------------------------


def test_every_fitted_number_says_where_it_came_from(tmp_path):
    path, _ = simulated_log(tmp_path, erlang_a(**{"patience.redial_prob": 0.3}))
    fit = simcenter.fit(path)
    data = tomllib.loads(fit.toml)
    assert simcenter.Scenario.from_dict(data) == fit.scenario
    lines = fit.toml.splitlines()
    for key in ("calls_per_day", "handle_time", "redial_prob", "staffing", "profile"):
        i = next(i for i, line in enumerate(lines) if line.startswith(f"{key} ="))
        said = lines[i] + lines[i - 1] + " ".join(lines[i - 3:i])
        assert "#" in said and "n = " in said, key
    assert "95% CI" in fit.toml
    assert set(fit.estimates.columns) == set(simcenter.estimate.fitting.ESTIMATE_COLUMNS)


@pytest.mark.slow  # statistical or property-based: the full suite runs it
def test_a_fitted_log_backtests_inside_its_bands(tmp_path):
    path, _ = simulated_log(tmp_path, erlang_a(**{"simulation.days": 6}))
    fit = simcenter.fit(path, backtest=True, replications=8, seed=3)
    assert fit.backtest_coverage() >= 0.9
    assert set(fit.backtest.statistic) == {"offered", "service_level", "abandonment", "asa_s", "aht_s", "repeat_rate"}


def test_an_interval_report_fits_demand_handling_and_patience(tmp_path):
    s = erlang_a(**{"simulation.days": 7})
    trace = tmp_path / "t.parquet"
    simcenter.simulate(s.replace({"simulation.replications": 1}), trace=trace)
    rep = interval_report_from_trace(pd.read_parquet(trace), s, default_start(s))
    rep.to_csv(tmp_path / "report.csv", index=False)
    fit = simcenter.fit(tmp_path / "report.csv")
    assert fit.report is not None and fit.log is None
    assert abs(fit.scenario.arrivals.calls_per_day / 4800 - 1) < 0.02
    assert fit.scenario.contact_types[0].handle_time.dist == "exponential"
    pat = fit.estimates[fit.estimates.section == "patience"].iloc[0]
    assert pat.low < 300 < pat.high
    assert set(fit.scenario.agents.staffing) == {11}


def test_parquet_and_csv_logs_fit_alike_and_columns_map(tmp_path):
    path, tr = simulated_log(tmp_path, erlang_a(**{"simulation.days": 2}))
    a = simcenter.fit(path)
    frame = pd.read_csv(path).rename(columns={"arrival": "call_start", "wait_s": "queue_s"})
    frame.to_parquet(tmp_path / "mine.parquet", index=False)
    b = simcenter.fit(tmp_path / "mine.parquet", columns="arrival=call_start,wait_s=queue_s")
    assert a.toml.split("\n", 1)[1].replace("log.csv", "X") .replace('"log"', '"X"') \
        == b.toml.split("\n", 1)[1].replace("mine.parquet", "X").replace('"mine"', '"X"')
    c = simcenter.fit(frame, columns={"arrival": "call_start", "wait_s": "queue_s"})
    assert c.scenario.arrivals == a.scenario.arrivals


def test_timestamps_with_offsets_need_the_time_zone(tmp_path):
    path, _ = simulated_log(tmp_path, erlang_a(**{"simulation.days": 2}))
    frame = pd.read_csv(path)
    local = pd.to_datetime(frame["arrival"])
    frame["arrival"] = local.dt.tz_localize("Europe/Madrid").dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S.%f%z")
    frame.to_csv(tmp_path / "utc.csv", index=False)
    with pytest.raises(LogError, match="time zone"):
        simcenter.fit(tmp_path / "utc.csv")
    fit = simcenter.fit(tmp_path / "utc.csv", timezone="Europe/Madrid")
    back = read_contact_log(path)
    assert np.allclose(fit.log.arrival, back.arrival, atol=1e-3)


# -- bad data: one line, the column and the first bad row, exit 2, nothing written --------


def _log_rows(tmp_path):
    path, _ = simulated_log(tmp_path, erlang_a(**{"simulation.days": 1, "simulation.warmup_days": 0}))
    return pd.read_csv(path, dtype=str, keep_default_na=False)


BAD = {
    "missing column": (lambda f: f.drop(columns=["talk_s"]), "no column 'talk_s'"),
    "bad timestamp": (lambda f: f.assign(arrival=f.arrival.where(f.index != 6, "yesterday")), "column 'arrival', row 7: 'yesterday' is not a timestamp"),
    "negative wait": (lambda f: f.assign(wait_s=f.wait_s.where(f.index != 9, "-3")), "column 'wait_s', row 10: -3 is negative"),
    "negative talk": (lambda f: f.assign(talk_s=f.talk_s.where(f.index != 0, "-1.5")), "column 'talk_s', row 1: -1.5 is negative"),
    "unknown outcome": (lambda f: f.assign(outcome=f.outcome.where(f.index != 4, "transferred")), "column 'outcome', row 5: 'transferred' is not one of answered, abandoned"),
    "text duration": (lambda f: f.assign(wait_s=f.wait_s.where(f.index != 2, "ten")), "column 'wait_s', row 3: 'ten' is not a number"),
    "no rows": (lambda f: f.iloc[:0], "no rows"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_logs_get_one_line_naming_the_column_and_row(tmp_path, capsys, case):
    change, message = BAD[case]
    change(_log_rows(tmp_path)).to_csv(tmp_path / "bad.csv", index=False)
    code = main(["fit", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err, err
    errors = [line for line in err.splitlines() if line.startswith("simcenter:")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content,message", [(b"", "is empty"), (b"\xff\xfe\x00garbage", "cannot be read")])
def test_empty_and_unreadable_files(tmp_path, capsys, content, message):
    (tmp_path / "x.csv").write_bytes(content)
    assert main(["fit", str(tmp_path / "x.csv"), "--out", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err


def test_an_interval_report_with_more_answered_than_offered(tmp_path, capsys):
    rep = pd.DataFrame({"interval_start": ["2026-01-05 08:00", "2026-01-05 08:30"], "offered": [10, 12], "answered": [9, 13],
                        "abandoned": [1, 0], "aht_s": [200, 210], "agents": [3, 3]})
    rep.to_csv(tmp_path / "r.csv", index=False)
    assert main(["fit", str(tmp_path / "r.csv"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "column 'answered', row 2: 13 answered exceeds 12 offered" in err
    assert not (tmp_path / "out").exists()


def test_a_scenario_given_to_fit_is_named_for_what_it_is(tmp_path, capsys):
    assert main(["fit", os.path.join(ROOT, "scenarios/baseline.toml"), "--out", str(tmp_path / "out")]) == 2
    assert "scenario file" in capsys.readouterr().err


def test_bad_options_and_mappings(tmp_path, capsys):
    path, _ = simulated_log(tmp_path, erlang_a(**{"simulation.days": 1, "simulation.warmup_days": 0}))
    for argv, message in ((["--columns", "arrivall=x"], "'arrivall' is not a column simcenter reads"),
                          (["--columns", "arrival"], "is not NAME=COLUMN"),
                          (["--interval-minutes", "7"], "must divide a day"),
                          (["--timezone", "Mars/Olympus"], "is not a time zone name"),
                          (["--columns", "arrival=start"], "no column 'start'")):
        assert main(["fit", str(path), "--out", str(tmp_path / "out"), *argv]) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# -- the command --------------------------------------------------------------------------


def test_run_writes_a_contact_log_and_fit_writes_its_results(tmp_path, capsys):
    log = tmp_path / "center.csv"
    assert main(["run", os.path.join(ROOT, "scenarios/erlang_a.toml"), "--replications", "1", "--set", "simulation.days=2",
                 "--contact-log", str(log)]) == 0
    assert "contact log of replication 1" in capsys.readouterr().err
    out = tmp_path / "fitted"
    assert main(["fit", str(log), "--out", str(out), "--quiet"]) == 0
    said = capsys.readouterr()
    assert said.err == "" and f"to {out}/" in said.out
    for name in ("scenario.toml", "estimates.csv", "report.html", "arrival_profile.png", "handling_time.png", "patience.png", "manifest.json"):
        assert (out / name).is_file(), name
    assert main(["validate", str(out / "scenario.toml")]) == 0
    # run again into the same directory: simcenter's own files are replaced
    assert main(["fit", str(log), "--out", str(out), "--quiet"]) == 0
    # a directory of the user's is refused before any work
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    assert main(["fit", str(log), "--out", str(mine)]) == 2
    assert (mine / "notes.txt").read_text() == "keep" and len(list(mine.iterdir())) == 1
    # the contact log is not written over a file of the user's
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    assert main(["run", os.path.join(ROOT, "scenarios/erlang_a.toml"), "--replications", "1", "--contact-log", str(other)]) == 2
    assert other.read_text() == "a,b\n1,2\n"


@pytest.mark.slow  # statistical or property-based: the full suite runs it
def test_types_that_wait_differently_get_their_own_patience_and_gamma_talk_is_told(tmp_path):
    s = erlang_a(**{"simulation.days": 6}).replace({"contact_types": [
        {"name": "sales", "share": 0.5, "handle_time": {"dist": "gamma", "mean_s": 180.0, "cv": 0.6},
         "patience": {"dist": "exponential", "mean_s": 120.0}},
        {"name": "care", "share": 0.5, "handle_time": {"dist": "exponential", "mean_s": 180.0},
         "patience": {"dist": "exponential", "mean_s": 600.0, "redial_prob": 0.5}}]})
    path, _ = simulated_log(tmp_path, s)
    fit = simcenter.fit(path)
    by_name = {c.name: c for c in fit.scenario.contact_types}
    assert by_name["sales"].handle_time.dist == "gamma" and by_name["care"].handle_time.dist == "exponential"
    assert by_name["sales"].patience is not None and by_name["care"].patience is not None
    assert abs(by_name["sales"].patience.mean_s / 120 - 1) < 0.1 and abs(by_name["care"].patience.mean_s / 600 - 1) < 0.15
    assert by_name["sales"].patience.redial_prob < 0.05 < 0.4 < by_name["care"].patience.redial_prob
    simcenter.simulate(fit.scenario.replace({"simulation.days": 1}), replications=1)  # the fitted file runs


# -- what a hostile user tried -----------------------------------------------------------------


def test_a_users_own_log_is_never_replaced_by_run_contact_log(tmp_path):
    mine = tmp_path / "acd_export.csv"
    mine.write_text("contact_id,customer_id,arrival,contact_type,outcome,wait_s,talk_s,wrapup_s,agent_id,direction\n"
                    "1,7,2026-01-05 08:00:00,all,answered,3,200,10,4,inbound\n")
    before = mine.read_bytes()
    assert main(["run", os.path.join(ROOT, "scenarios/erlang_a.toml"), "--replications", "1", "--contact-log", str(mine)]) == 2
    assert mine.read_bytes() == before


def test_odd_data_gets_one_line_not_an_internal_error(tmp_path, capsys):
    rows = _log_rows(tmp_path)
    cases = {
        "wait_zero.csv": rows.assign(wait_s="0"),
        "year_1600.csv": rows.assign(arrival=rows.arrival.str.replace("2026", "1600", regex=False)),
        "dates_only.csv": rows.assign(arrival=rows.arrival.str[:10]),
        "huge_wait.csv": rows.assign(wait_s="1e308"),
        "mixed_offsets.csv": rows.assign(arrival=rows.arrival.where(rows.index != 3, rows.arrival + "+01:00")),
    }
    for name, frame in cases.items():
        frame.to_csv(tmp_path / name, index=False)
        code = main(["fit", str(tmp_path / name), "--out", str(tmp_path / f"out_{name}"), "--quiet"])
        err = capsys.readouterr().err
        assert code in (0, 2) and "internal error" not in err and "Traceback" not in err, (name, err)
        if code == 0:  # the fitted scenario is valid and runs
            assert main(["validate", str(tmp_path / f"out_{name}" / "scenario.toml")]) == 0
    # a file name that would write TOML of its own into the comments
    sly = tmp_path / "center\ncosts = { agent_hour = 999999.0 }\n#.csv"
    rows.to_csv(sly, index=False)
    fit = simcenter.fit(sly)
    assert fit.scenario.costs.agent_hour != 999999.0
    # strings with missing values, as pd.read_csv(dtype=str) gives
    text = pd.read_csv(tmp_path / "wait_zero.csv", dtype=str)
    text["talk_s"] = text["talk_s"].where(text["outcome"] == "answered")
    assert simcenter.fit(text.assign(wait_s=rows.wait_s)).scenario


def test_interval_reports_that_do_not_add_up(tmp_path, capsys):
    s = erlang_a(**{"simulation.days": 2})
    trace = tmp_path / "t.parquet"
    simcenter.simulate(s.replace({"simulation.replications": 1}), trace=trace)
    rep = interval_report_from_trace(pd.read_parquet(trace), s, default_start(s))
    rep.to_csv(tmp_path / "r.csv", index=False)
    assert main(["fit", str(tmp_path / "r.csv"), "--out", str(tmp_path / "o1"), "--interval-minutes", "15"]) == 2
    assert "--interval-minutes 30" in capsys.readouterr().err
    pd.concat([rep, rep.iloc[[5]]]).to_csv(tmp_path / "dup.csv", index=False)
    assert main(["fit", str(tmp_path / "dup.csv"), "--out", str(tmp_path / "o2")]) == 2
    assert "repeats the queue" in capsys.readouterr().err
    # the center's agents repeated on each queue's row are taken once
    s2 = s.replace({"contact_types": [{"name": "a", "share": 0.5, "handle_time": {"dist": "exponential", "mean_s": 180.0}},
                                      {"name": "b", "share": 0.5, "handle_time": {"dist": "exponential", "mean_s": 180.0}}]})
    simcenter.simulate(s2.replace({"simulation.replications": 1}), trace=tmp_path / "t2.parquet")
    two = interval_report_from_trace(pd.read_parquet(tmp_path / "t2.parquet"), s2, default_start(s2))
    two["agents"] = 11  # the center's agents, repeated on both queues' rows
    fit = simcenter.fit(two)
    assert set(fit.scenario.agents.staffing) == {11}
    assert fit.scenario.patience.dist == "exponential"


def test_a_fit_without_backtest_retires_the_earlier_backtest(tmp_path):
    path, _ = simulated_log(tmp_path, erlang_a(**{"simulation.days": 2}))
    out = tmp_path / "out"
    assert main(["fit", str(path), "--out", str(out), "--backtest", "--replications", "2", "--quiet"]) == 0
    assert (out / "backtest.csv").exists()
    assert main(["fit", str(path), "--out", str(out), "--quiet"]) == 0
    assert not (out / "backtest.csv").exists() and not (out / "backtest.png").exists()


def test_type_names_with_dollars_draw(tmp_path):
    path, _ = simulated_log(tmp_path, erlang_a(**{"simulation.days": 1, "contact_types": [
        {"name": "refunds $5-$50", "handle_time": {"dist": "exponential", "mean_s": 180.0}}]}))
    assert main(["fit", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0


def test_without_agent_ids_the_staffing_meets_each_intervals_observed_service(tmp_path):
    path, _ = simulated_log(tmp_path, erlang_a())
    fit = simcenter.fit(pd.read_csv(path).drop(columns=["agent_id"]))
    plan = np.asarray(fit.scenario.agents.staffing)
    # each value rests on one date's ~100 contacts of the interval, whose service level is
    # noisy: the estimate is centred on the log's 11 agents, and most intervals are near them
    assert np.median(plan) == 11
    assert np.mean(np.abs(plan - 11) <= 2) >= 0.8
    assert "no agent_id" in fit.toml
