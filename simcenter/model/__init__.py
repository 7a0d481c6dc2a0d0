"""The model: the contact center as a SimPy discrete-event simulation.

Customers, contacts, agents and promises, and the engine that runs them
(:class:`simcenter.model.center.CallCenter`), built from parts behind narrow seams: the
queues, the agent pool, the router, the promise book, the shift plan, the workforce roster.
A run's product is its counters (:mod:`simcenter.model.counters`), per-interval sums that
the output layer turns into metrics. Nothing here imports the output, run, planning or
presentation layers.
"""
