"""The output: from a run's counters to metrics, estimates and tables.

The metric registry (:mod:`simcenter.output.metrics`), output analysis (confidence
intervals, the warm-up cut, MSER-5, replications until precise:
:mod:`simcenter.output.analysis`), the results tables (:mod:`simcenter.output.results`) and
the per-contact trace writer (:mod:`simcenter.output.trace`). Uses the scenario and the
model's counters; knows nothing of runners, plans or plots.
"""
