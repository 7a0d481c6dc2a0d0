"""Every notebook runs end to end (small sizes), and is committed without outputs."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow  # each notebook starts a kernel: the full suite runs them, the quick subset leaves them out

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_seven_stories_are_there():
    assert [p.stem for p in NOTEBOOKS] == ["01_quickstart", "02_validation", "03_broken_promises", "04_staffing_vs_recovery", "05_scaling_out", "06_multiskill", "07_from_data"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    book = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and not c.get("execution_count") for c in book.cells if c.cell_type == "code"), \
        f"{path.name} is committed with outputs; clear them"
    monkeypatch.setenv("SIMCENTER_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = NotebookClient(book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in book.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    # every notebook ends in something to look at: a figure or a table
    last = [c for c in book.cells if c.cell_type == "code"][-1]
    assert last.outputs, f"{path.name}: the last cell shows nothing"
