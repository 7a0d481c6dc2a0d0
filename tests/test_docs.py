"""Documentation that runs: the README's commands and every Python block in the README and
docs, and the generated reference pages kept equal to the code."""

import re
import shlex
from pathlib import Path

import pytest

from simcenter.cli import main
from simcenter.stats import metrics_reference

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _blocks(path: Path, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def _command_after(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\s*```bash\n(.*?)\n```", text, flags=re.S)
    assert match, f"README.md has no bash block after <!-- {marker} -->"
    return match.group(1)


PY_BLOCKS = [(p, i, code) for p in PAGES for i, code in enumerate(_blocks(p, "python"))]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A scratch directory that looks like the project's root (scenarios/, notebooks/), so
    that examples run as written and write nothing into the checkout."""
    for name in ("scenarios", "notebooks", "examples"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("page, index, code", PY_BLOCKS, ids=[f"{p.relative_to(ROOT)}#{i}" for p, i, _ in PY_BLOCKS])
def test_python_blocks_run(page, index, code, workdir):
    exec(compile(code, f"{page.name} block {index}", "exec"), {"__name__": "__doc__"})


BASH_BLOCKS = [(p, i, code) for p in PAGES for i, code in enumerate(_blocks(p, "bash"))]
INSTALL_LINES = ("python3 -m venv .venv",)


@pytest.mark.parametrize("page, index, code", BASH_BLOCKS, ids=[f"{p.relative_to(ROOT)}#{i}" for p, i, _ in BASH_BLOCKS])
def test_command_blocks_run(page, index, code, workdir, capsys):
    """Every simcenter command in a bash block runs as written and exits 0; the only other
    lines allowed are the README's install commands, which CI runs as written."""
    for line in code.splitlines():
        argv = shlex.split(line, comments=True)
        if not argv:
            continue
        if line.startswith(INSTALL_LINES):
            invocation = shlex.split(line.split("&&")[-1].strip())
            if invocation[0] != "simcenter":
                continue  # the install-and-test command: CI runs it (.ci/run)
            argv = invocation
        assert argv[0] == "simcenter", f"{page.name}: not a simcenter command: {line}"
        assert main(argv[1:]) == 0, f"{page.name}: {line}\n{capsys.readouterr().err}"


def test_scenario_examples_load():
    from simcenter import Scenario

    for page in PAGES:
        for text in _blocks(page, "toml"):
            if "[[contact_types]]" in text:
                assert Scenario.from_toml(text, source=page.name).contact_types


def test_cli_reference_is_generated():
    from simcenter.cli import cli_reference

    page = (ROOT / "docs/reference/cli.md").read_text(encoding="utf-8")
    assert page == cli_reference(), ("regenerate with: python -m simcenter.present.clidoc (or simcenter schema --cli > "
                                     "docs/reference/cli.md)")


def test_readme_synopsis_is_generated_from_the_parser():
    """The README's "command line at a glance" lists every option of every command, as the
    parser has them."""
    from simcenter.present.clidoc import readme_synopsis, synopsis

    block = readme_synopsis((ROOT / "README.md").read_text(encoding="utf-8"))
    assert block is not None, "README.md has lost its synopsis markers (see simcenter/present/clidoc.py: BEGIN, END)"
    assert block == synopsis(), ("the README's synopsis differs from the parser's; regenerate it (and docs/reference/cli.md) "
                                 "with: python -m simcenter.present.clidoc")


def test_the_synopsis_lists_every_option_of_every_command():
    import argparse

    from simcenter.present.clidoc import _commands, synopsis
    from simcenter.present.cli import build_parser

    entries = {}
    for line in synopsis().splitlines():
        if line.startswith("simcenter "):
            name = line.split()[1]
            entries[name] = line
        else:
            entries[name] += line
    commands = _commands(build_parser()).choices
    assert list(entries) == list(commands)
    for name, command in commands.items():
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            shown = min(action.option_strings, key=len) if action.option_strings else (action.metavar or action.dest.upper())
            assert shown in entries[name], (name, shown)


def test_readme_run_command_works_as_written(capsys, monkeypatch):
    """The first command installs the package and runs an example; here the install is
    the test environment's, and the simcenter invocation runs exactly as written."""
    command = _command_after("run-command")
    assert "pip install -e ." in command
    invocation = command.split("&&")[-1].strip()
    argv = shlex.split(invocation)
    assert argv[0] == "simcenter"
    monkeypatch.chdir(ROOT)
    assert main(argv[1:]) == 0
    assert "service_level" in capsys.readouterr().out


def test_ci_runs_the_readme_test_command():
    command = _command_after("test-command")
    assert command.endswith("pytest") and "'.[test]'" in command
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert "test-command" in ci  # CI extracts the command from the README, so they cannot differ


def test_data_reference_is_generated():
    from simcenter.estimate.reference import data_reference

    assert (ROOT / "docs/reference/contact-log.md").read_text(encoding="utf-8") == data_reference()


def test_metrics_reference_is_generated():
    page = (ROOT / "docs/reference/metrics.md").read_text(encoding="utf-8")
    assert page == metrics_reference(), "regenerate with: simcenter schema --metrics > docs/reference/metrics.md"


def test_links_between_pages_resolve():
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#:]+\.md)\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to missing {target}"


SWEEP_BLOCKS = [(p, i, text) for p in PAGES for i, text in enumerate(_blocks(p, "toml")) if re.search(r"^base = ", text, flags=re.M)]


@pytest.mark.parametrize("page, index, text", SWEEP_BLOCKS, ids=[f"{p.relative_to(ROOT)}#{i}" for p, i, _ in SWEEP_BLOCKS])
def test_sweep_file_examples_load(page, index, text, tmp_path):
    from simcenter.sweep import load_sweep

    (tmp_path / "sweep.toml").write_text(re.sub(r'^base = "([^"]+)"', lambda m: f'base = "{ROOT / "scenarios" / m.group(1)}"', text, flags=re.M))
    assert load_sweep(tmp_path / "sweep.toml").points
