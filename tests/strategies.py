"""Hypothesis strategies that generate valid scenarios across the schema, kept small
enough that one simulation takes a fraction of a second."""

from hypothesis import strategies as st

from simcenter.schema import WEEKDAYS

INTERVALS = (15, 30, 60)


@st.composite
def distributions(draw, mean_lo=30.0, mean_hi=600.0):
    dist = draw(st.sampled_from(["exponential", "lognormal", "deterministic", "empirical", "gamma"]))
    mean = draw(st.floats(mean_lo, mean_hi))
    if dist in ("lognormal", "gamma"):
        return {"dist": dist, "mean_s": mean, "cv": draw(st.floats(0.1, 2.0))}
    if dist == "empirical":
        return {"dist": dist, "samples_s": draw(st.lists(st.floats(1.0, mean_hi), min_size=1, max_size=8))}
    return {"dist": dist, "mean_s": mean}


@st.composite
def scenario_data(draw, max_rate=120.0, max_agents=12):
    """Plain data of a valid scenario (a dict ready for Scenario.from_dict)."""
    minutes = draw(st.sampled_from(INTERVALS))
    per_day = 1440 // minutes
    open_k = draw(st.integers(0, per_day - 1))
    close_k = draw(st.integers(open_k + 1, per_day))
    n_open = close_k - open_k

    def clock(k):
        m = k * minutes
        return f"{m // 60:02d}:{m % 60:02d}"

    weekdays = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True))
    data = {
        "simulation": {
            "days": draw(st.integers(1, 2)),
            "warmup_days": draw(st.integers(0, 1)),
            "replications": draw(st.integers(1, 2)),
            "seed": draw(st.integers(0, 2**32)),
            "interval_minutes": minutes,
        },
        "calendar": {
            "open": clock(open_k),
            "close": clock(close_k),
            "weekdays": weekdays,
            "start_weekday": draw(st.sampled_from(WEEKDAYS)),
            "after_hours": draw(st.sampled_from(["lost", "next_day"])),
            "next_day_spread_minutes": draw(st.floats(0, 120)),
        },
        "agents": {
            "staffing": draw(
                st.one_of(
                    st.integers(0, max_agents),
                    st.lists(st.integers(0, max_agents), min_size=n_open, max_size=n_open),
                )
            )
        },
        "service_level": {"target_s": draw(st.floats(0, 120))},
    }
    if draw(st.booleans()):
        rate = draw(
            st.one_of(
                st.floats(0, max_rate),
                st.lists(st.floats(0, max_rate), min_size=n_open, max_size=n_open),
            )
        )
        arrivals = {"calls_per_hour": rate}
    else:
        arrivals = {"calls_per_day": draw(st.floats(0, max_rate * n_open * minutes / 60))}
        if draw(st.booleans()):
            arrivals["profile"] = draw(st.lists(st.floats(0.01, 10), min_size=n_open, max_size=n_open))
    if draw(st.booleans()):
        arrivals["day_of_week"] = draw(st.dictionaries(st.sampled_from(WEEKDAYS), st.floats(0, 2), max_size=7))
    arrivals["after_hours_calls_per_hour"] = draw(st.floats(0, 20))
    data["arrivals"] = arrivals

    n_types = draw(st.integers(1, 3))
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=n_types - 1, max_size=n_types - 1)))
    bounds = [0, *cuts, 100]
    data["contact_types"] = [
        {
            "name": f"type{i}",
            "share": (bounds[i + 1] - bounds[i]) / 100,
            "handle_time": draw(distributions()),
            "wrapup_s": draw(st.floats(0, 60)),
        }
        for i in range(n_types)
    ]
    data["patience"] = draw(patiences())
    for ctype in data["contact_types"]:  # some types with their callers' own patience
        if draw(st.integers(0, 3)) == 0:
            ctype["patience"] = draw(patiences())
    return data


@st.composite
def patiences(draw):
    """A [patience] table (or a contact type's own)."""
    dist = draw(st.sampled_from(["exponential", "lognormal", "none"]))
    patience = {
        "dist": dist,
        # below 1: with a redial probability of 1 and nobody answering (a roster that has
        # quit), every caller redials until the horizon, a storm of a million contacts that
        # is tested once on its own (test_properties.py) rather than at random here
        "redial_prob": draw(st.floats(0, 0.95)),
        "redial_delay_mean_s": draw(st.floats(1, 3600)),
    }
    if dist != "none":
        patience["mean_s"] = draw(st.floats(5, 900))
    if dist == "lognormal":
        patience["cv"] = draw(st.floats(0.1, 2))
    return patience


def with_promises(data, draw):
    """Add promises, callbacks, anger and recovery to scenario data."""
    for ctype in data["contact_types"]:
        ctype["promise_prob"] = draw(st.floats(0, 1))
        ctype["promise_kind"] = draw(st.sampled_from(["fulfilment", "callback"]))
        ctype["noncompliance"] = draw(st.floats(0, 1))
        ctype["promise_due"] = {"dist": draw(st.sampled_from(["deterministic", "exponential"])), "mean_h": draw(st.floats(0, 30))}
    data["simulation"]["warmup_days"] = 0
    data["promises"] = {
        "notice_delay": {"dist": "exponential", "mean_h": draw(st.floats(0, 24))},
        "callback_notice_delay": {"dist": "exponential", "mean_h": draw(st.floats(0, 5))},
        "return_prob": draw(st.floats(0, 1)),
    }
    data["callbacks"] = {
        "priority": draw(st.sampled_from(["inbound_first", "callbacks_first", "reserved", "deadline"])),
        "reserved_agents": draw(st.integers(0, 3)),
        "reach_prob": draw(st.floats(0, 1)),
        "max_attempts": draw(st.integers(1, 4)),
        "retry_delay_min": draw(st.floats(0, 120)),
    }
    data["customers"] = {"anger_per_wait_min": draw(st.floats(0, 1)), "churn_anger": draw(st.floats(0.5, 10))}
    data["recovery"] = {"enabled": draw(st.booleans()), "empowerment": draw(st.floats(0, 1))}
    return data


@st.composite
def promise_scenarios(draw):
    return with_promises(draw(scenario_data(max_rate=60.0, max_agents=8)), draw)


@st.composite
def workforce_scenarios(draw):
    data = with_promises(draw(scenario_data(max_rate=60.0, max_agents=8)), draw)
    data["workforce"] = {
        "enabled": True,
        "headcount": draw(st.integers(1, 12)),
        "target_headcount": draw(st.integers(0, 12)),
        "hiring_delay_days": draw(st.integers(0, 3)),
        "hiring_selectivity": draw(st.floats(0, 1)),
        "absence_rate": draw(st.floats(0, 1)),
        "quit_rate": draw(st.floats(0, 1)),
        "quit_morale_factor": draw(st.floats(0, 20)),
        "slowdown_morale_factor": draw(st.floats(0, 10)),
        "new_hire_slowdown": draw(st.floats(1, 3)),
    }
    data["morale"] = {
        "per_anger": draw(st.floats(0, 1)),
        "aggression_prob_per_anger": draw(st.floats(0, 1)),
        "aggression": draw(st.floats(0, 1)),
        "failed_recovery": draw(st.floats(0, 1)),
        "recovery_success": draw(st.floats(0, 1)),
        "occupancy_threshold": draw(st.floats(0, 1)),
        "occupancy_penalty": draw(st.floats(0, 1)),
        "recovery_days": draw(st.floats(0.1, 30)),
    }
    data["simulation"]["days"] = draw(st.integers(1, 4))
    return data


@st.composite
def any_scenario_data(draw):
    """Across the whole schema: the core, and at random promises (callbacks, anger,
    recovery), agents as people, out-of-policy requests, outages, and concessions after
    closing."""
    data = draw(st.one_of(scenario_data(max_rate=60.0, max_agents=8), promise_scenarios(), workforce_scenarios()))
    if draw(st.booleans()):
        data["policy"] = {"out_of_policy_prob": draw(st.floats(0, 1)), "override_prob": draw(st.floats(0, 1))}
    if "promises" in data and draw(st.booleans()):
        start = draw(st.integers(1, 3))
        data["promises"]["outages"] = [{"start_day": start, "end_day": start + draw(st.integers(0, 2)), "noncompliance": draw(st.floats(0, 1))}]
    minutes = data["simulation"]["interval_minutes"]
    if draw(st.booleans()) and data["calendar"]["close"] != "00:00":
        data["calendar"]["after_hours"] = "conceded"
        data["calendar"]["concession_window_minutes"] = minutes * draw(st.integers(1, 2))
    return data


def mangle(data, text: str, keys, values, new_values=()) -> str:
    """``text`` (a TOML file) with one line dropped, doubled, replaced by random text,
    a ``key = value`` line inserted (from ``keys`` and ``values``), or, with
    ``new_values``, the value of a line replaced by one of them."""
    lines = text.splitlines()
    i = data.draw(st.integers(0, len(lines) - 1))
    action = data.draw(st.sampled_from(["drop", "dup", "edit", "insert", *(["value"] if new_values else [])]))
    if action == "drop":
        del lines[i]
    elif action == "dup":
        lines.insert(i, lines[i])
    elif action == "edit":
        lines[i] = data.draw(st.text(max_size=40))
    elif action == "insert":
        lines.insert(i, f"{data.draw(st.sampled_from(list(keys)))} = {data.draw(st.sampled_from(list(values)))}")
    else:
        key, sep, _ = lines[i].partition("=")
        if sep:
            lines[i] = f"{key}= {data.draw(st.sampled_from(list(new_values)))}"
    return "\n".join(lines)
