"""The hostile corpus, part 1: what the user owns is never overwritten, nothing asked is
silently ignored, no input gives a traceback (the harness and its promise:
tests/hostile_harness.py; the cases: tests/hostile/cases.toml)."""

import pytest

from .hostile_harness import CASES, cases_of, check_case, make_results


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return make_results(tmp_path_factory.mktemp("made"))


@pytest.mark.parametrize("case", cases_of("overwrite", "ignored", "traceback"))
def test_hostile_case(case, tmp_path, made):
    check_case(case, tmp_path, made)


def test_the_corpus_covers_every_class():
    from .hostile_harness import CLASSES

    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names)), "case names repeat"
    assert len(CASES) >= 80
    assert {case["class"] for case in CASES} == set(CLASSES)
    counts = {cls: sum(case["class"] == cls for case in CASES) for cls in CLASSES}
    assert all(n >= 3 for n in counts.values()), counts
