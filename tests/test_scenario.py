"""Scenario values: loading, overrides by dotted key, immutability, serialization, and
the generated reference."""

import dataclasses
from pathlib import Path

import pytest

from simcenter import Scenario, ScenarioError
from simcenter.scenario import parameter_reference, parse_override

ROOT = Path(__file__).parent.parent


@pytest.fixture
def erlang():
    return Scenario.from_file(ROOT / "scenarios/erlang_a.toml")


def test_from_file_reads_core_keys(erlang):
    assert erlang.name == "erlang_a"
    assert erlang.simulation.days == 2 and erlang.simulation.seed == 20261122
    assert erlang.arrivals.calls_per_hour == 200.0
    assert erlang.contact_types[0].handle_time.dist == "exponential"
    assert erlang.patience.mean_s == 300.0 and erlang.agents.staffing == 14
    assert erlang.service_level.target_s == 20.0


def test_scenario_is_frozen(erlang):
    with pytest.raises(dataclasses.FrozenInstanceError):
        erlang.agents.staffing = 3


def test_replace_by_dotted_keys_index_and_name():
    base = Scenario.from_file(ROOT / "scenarios/baseline.toml")
    changed = base.replace(
        {
            "simulation.days": 3,
            "contact_types[1].handle_time.mean_s": 500.0,
            "contact_types.order_status.wrapup_s": 10.0,
            "contact_types.1.share": 0.4,
        }
    )
    assert changed.simulation.days == 3
    assert changed.contact_types[1].handle_time.mean_s == 500.0
    assert changed.contact_types[0].wrapup_s == 10.0
    assert base.simulation.days == 7 and base.contact_types[1].handle_time.mean_s == 420.0
    assert base.replace(**{"simulation.days": 4}).simulation.days == 4


def test_replace_creates_sections_and_revalidates(erlang):
    s = erlang.replace({"calendar.open": "08:00", "calendar.close": "18:00", "agents.staffing": [10] * 20})
    assert s.calendar.open == "08:00" and len(s.staffing_by_interval()) == 20
    with pytest.raises(ScenarioError, match="agents.staffing"):
        erlang.replace({"calendar.open": "08:00"}).replace({"agents.staffing": [1, 2]})
    with pytest.raises(ScenarioError, match="did you mean 'agents.staffing'"):
        erlang.replace({"agents.stafing": 3})


def test_from_dict_does_not_modify_its_input():
    data = {
        "arrivals": {"calls_per_hour": 10.0},
        "contact_types": [{"name": "a", "handle_time": {"dist": "exponential", "mean_s": 60.0}}],
        "agents": {"staffing": 2},
    }
    snapshot = repr(data)
    Scenario.from_dict(data)
    assert repr(data) == snapshot


def test_toml_round_trip_of_examples():
    for path in sorted(p for p in (ROOT / "scenarios").glob("*.toml") if not p.name.startswith("sweep_")):
        s = Scenario.from_file(path)
        assert Scenario.from_toml(s.to_toml()) == s
        assert Scenario.from_dict(s.to_dict()) == s


def test_defaults_give_the_plain_queue():
    s = Scenario.from_dict(
        {
            "arrivals": {"calls_per_hour": 10.0},
            "contact_types": [{"name": "a", "handle_time": {"dist": "exponential", "mean_s": 60.0}}],
            "agents": {"staffing": 2},
        }
    )
    assert s.patience.dist == "none"
    assert (s.calendar.open, s.calendar.close) == ("00:00", "24:00") and len(s.calendar.weekdays) == 7
    assert s.simulation.replications == 10 and s.service_level.target_s == 20.0


@pytest.mark.parametrize(
    "text, key, value",
    [
        ("agents.staffing=16", "agents.staffing", 16),
        ("patience.mean_s=250.5", "patience.mean_s", 250.5),
        ("agents.staffing=[1, 2]", "agents.staffing", [1, 2]),
        ("calendar.after_hours=next_day", "calendar.after_hours", "next_day"),
        ('calendar.open="08:00"', "calendar.open", "08:00"),
        ("name = my run", None, None),
    ],
)
def test_parse_override(text, key, value):
    if key is None:
        with pytest.raises(ScenarioError):
            parse_override(text)
    else:
        assert parse_override(text) == (key, value)


def test_error_carries_field_value_and_allowed(erlang):
    with pytest.raises(ScenarioError) as info:
        erlang.replace({"patience.redial_prob": 1.5})
    err = info.value
    assert err.field == "patience.redial_prob" and err.value == 1.5 and "[0, 1]" in err.allowed
    assert "\n" not in str(err)


def test_reference_doc_is_generated_from_the_schema():
    page = (ROOT / "docs/reference/scenario.md").read_text(encoding="utf-8")
    assert page == parameter_reference(), "regenerate with: simcenter schema --markdown > docs/reference/scenario.md"


def test_every_parameter_is_documented():
    from simcenter.schema import Table, TableList, _fields

    def walk(section):
        for f in _fields(section):
            yield section.__name__, f
            kind = f.metadata["kind"]
            if isinstance(kind, (Table, TableList)):
                yield from walk(kind.section)

    for owner, f in walk(Scenario):
        assert len(f.metadata["doc"]) > 15, f"{owner}.{f.name} has no documentation"
        assert f.metadata["unit"], f"{owner}.{f.name} has no unit"


EXAMPLES = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", [p for p in EXAMPLES if not p.name.startswith("sweep_")], ids=lambda p: p.stem)
def test_every_example_runs_briefly(path):
    import simcenter

    s = Scenario.from_file(path).replace({"simulation.days": 1, "simulation.warmup_days": 1})
    summary = simcenter.simulate(s, replications=2, seed=1).summary().set_index("metric")
    assert summary.loc["offered", "mean"] > 0 and 0 <= summary.loc["service_level", "mean"] <= 1


def test_the_library_is_documented():
    """Each example is commented at its top and listed in the README's table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in EXAMPLES:
        assert path.read_text(encoding="utf-8").startswith("# "), f"{path.name} has no comment at its top"
        assert f"| `scenarios/{path.name}` |" in readme, f"{path.name} is missing from the README's scenario table"


@pytest.mark.parametrize("text", ["x\x1b[31mred", "two\nlines", "bell\x07", "nul\x00"])
def test_names_with_control_characters_are_refused(text):
    """A name is printed to terminals: it must not restyle them or forge a line."""
    base = Scenario.from_file(Path(__file__).parent.parent / "scenarios/erlang_a.toml")
    with pytest.raises(ScenarioError, match="without control characters"):
        base.replace({"name": text})
    assert base.replace({"description": "two\nlines\tand a tab"}).description == "two\nlines\tand a tab"
