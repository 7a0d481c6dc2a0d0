"""Running: replications of a scenario, comparisons, sweeps and where they execute.

:func:`simcenter.run.runner.simulate`, :func:`simcenter.run.experiment.compare`,
:func:`simcenter.run.sweep.sweep` with its sweep files and executors (in-process, a process
pool, Dask).
"""
