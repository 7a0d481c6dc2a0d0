"""The hostile corpus, part 2: no valid scenario runs forever or blows up memory, no input
that cannot answer hangs a command, a signal leaves no file or process behind, and the
smaller promises (the harness and its promise: tests/hostile_harness.py; the cases:
tests/hostile/cases.toml)."""

import pytest

from .hostile_harness import cases_of, check_case, make_results

pytestmark = pytest.mark.slow  # every hostile run is a subprocess of its own: the full suite runs them, the quick subset leaves them out


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return make_results(tmp_path_factory.mktemp("made"))


@pytest.mark.parametrize("case", cases_of("endless", "memory", "hang", "leftovers", "smaller"))
def test_hostile_case(case, tmp_path, made):
    check_case(case, tmp_path, made)
