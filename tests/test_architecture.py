"""The package's layers: each module imports only from its own layer and the ones below, and
no two modules import each other at load time. Read from the source (every import, those
inside functions included), so a shortcut taken anywhere shows here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "simcenter"

#: The layers, bottom up. The base holds the scenario and what every layer shares.
LAYERS = ("base", "model", "output", "run", "planning", "estimate", "present")
#: The one import that goes up: a scenario is only valid if the work it describes is bounded,
#: and the bound rests on the model's formulas (simcenter.model.budget).
ALLOWED_UP = {("simcenter.scenario", "simcenter.model.budget")}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 2 and parts[1] in LAYERS else 0


def _imports(module: str, path: Path, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        found |= {c for c in candidates if c.startswith("simcenter")}
    return found


def _resolve(name: str, modules: dict) -> str | None:
    from simcenter._moved import MOVED

    name = MOVED.get(name, name)
    return name if name in modules else None


def test_no_module_imports_a_layer_above_its_own():
    modules = _modules()
    wrong = []
    for module, path in modules.items():
        if module in ("simcenter", "simcenter.__main__", "simcenter._moved") or module.count(".") == 1 and module.split(".")[1] in LAYERS:
            continue  # the package's public face and the layers' own descriptions
        for target in _imports(module, path):
            target = _resolve(target, modules)
            if target and _layer(target) > _layer(module) and (module, target) not in ALLOWED_UP:
                wrong.append(f"{module} ({LAYERS[_layer(module)]}) imports {target} ({LAYERS[_layer(target)]})")
    assert not wrong, "\n".join(wrong)


def test_modules_load_without_import_circles():
    modules = _modules()
    graph = {m: {t for t in map(lambda x: _resolve(x, modules), _imports(m, p, top_level_only=True)) if t and t != m}
             for m, p in modules.items()}
    state: dict[str, int] = {}

    def visit(m: str, trail: list) -> None:
        state[m] = 1
        for t in graph[m]:
            if t.startswith(m + "."):
                continue  # a package loading its own submodules
            if state.get(t) == 1:
                raise AssertionError("import circle: " + " -> ".join(trail + [m, t]))
            if not state.get(t):
                visit(t, trail + [m])
        state[m] = 2

    for m in graph:
        if not state.get(m):
            visit(m, [])


@pytest.mark.parametrize("old, new", __import__("simcenter._moved", fromlist=["MOVED"]).MOVED.items())
def test_the_old_module_names_are_the_moved_modules(old, new):
    import importlib

    assert importlib.import_module(old) is importlib.import_module(new)


def test_the_sweep_function_stays_the_package_attribute():
    import simcenter
    import simcenter.sweep  # noqa: F401 (the old module name)
    from simcenter.sweep import load_sweep  # noqa: F401

    assert callable(simcenter.sweep) and simcenter.sweep.__name__ == "sweep"


def test_the_old_names_are_attributes_of_the_package_and_run_as_before():
    """``import simcenter`` then ``simcenter.experiment.compare``, ``python -m simcenter.cli``:
    as before the layout, in a fresh interpreter."""
    import subprocess
    import sys

    from simcenter._moved import MOVED

    names = [old.rpartition(".")[2] for old in MOVED]
    code = ("import simcenter, importlib\n"
            f"for name in {names!r}:\n"
            "    importlib.import_module('simcenter.' + name)\n"
            "    value = getattr(simcenter, name)\n"
            "    assert callable(value) if name == 'sweep' else value.__name__.startswith('simcenter.'), name\n"
            "print(simcenter.experiment.compare.__module__, simcenter.stats.Accumulator.__module__)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["simcenter.run.experiment", "simcenter.model.counters"]
    done = subprocess.run([sys.executable, "-m", "simcenter.cli", "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("simcenter"), done.stderr
