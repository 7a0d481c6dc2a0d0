"""Estimation from a center's own data: a contact log or an interval report in, a fitted
scenario out, with the estimates behind every number and a backtest of the fit.

The layer sits above planning (the backtest simulates, staffing without agent ids uses
the Erlang formulas) and below presentation (the fit report and ``simcenter fit``). Its
entry point is :func:`simcenter.estimate.fitting.fit`, exported as ``simcenter.fit``.
"""
