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


@pytest.mark.parametrize("page, index, code", PY_BLOCKS, ids=[f"{p.relative_to(ROOT)}#{i}" for p, i, _ in PY_BLOCKS])
def test_python_blocks_run(page, index, code, monkeypatch):
    monkeypatch.chdir(ROOT)
    exec(compile(code, f"{page.name} block {index}", "exec"), {"__name__": "__doc__"})


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
