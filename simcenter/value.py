"""Customer value: what recoveries earn and broken promises cost beyond the call center.

A customer is worth ``costs.lost_customer`` over the planning horizon (their lifetime value,
lost when they churn). The ``[value]`` table adds three things the queue does not see:

* *service friendship* (seed 003): a customer recovered on a repeat contact becomes more
  loyal than before, worth ``1 + loyalty_gain_fix`` customer values after a recovery by
  ordinary means and ``1 + loyalty_gain_concession`` after one by an empowered agent's
  concession; a customer who stays after a broken promise loses ``loyalty_loss_per_broken``
  of a customer value for it; a customer who churns loses the company whatever they were
  worth by then;
* *word of mouth* (seed 004): each churned customer, and each customer ending the run with
  anger at ``word_of_mouth_anger`` or above, tells a Poisson number of others with mean
  ``word_of_mouth_reach``; each of those is lost as a future customer with chance
  ``word_of_mouth_conversion``;
* optionally (``demand_feedback``), customers lost (churned, or lost to word of mouth)
  lower the first-contact volume of later days: from each midnight on, first contacts
  arrive at ``max(0, 1 - lost / customer_base)`` times the calendar's rate.

Off (``enabled = false``, the default) the model is what it was: no number changes. On
without the demand feedback it only keeps accounts (its draws come from a stream of their
own), so every other number is still unchanged; with the feedback, demand erodes.

This module holds the scenario section; the engine's side is :mod:`simcenter.model.value`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ScenarioError
from .schema import Boolean, Number, param

__all__ = ["Value"]


@dataclass(frozen=True, kw_only=True)
class Value:
    """Customer value: loyalty after recoveries and broken promises, word of mouth, and the
    optional erosion of demand by lost customers. A customer is worth `costs.lost_customer`;
    gains and losses are shares of that (the equations: docs/background/model.md, Customer
    value)."""

    enabled: bool = param(Boolean(), False, unit="-", doc="Keep the customer-value accounts (the `value` metrics). Off: no number of the run changes.")
    loyalty_gain_fix: float = param(Number(0, 10), 0.1, unit="customer values", doc="Value a customer gains when an agent recovers them on a repeat contact by ordinary means, as a share of `costs.lost_customer`.")
    loyalty_gain_concession: float = param(Number(0, 10), 0.3, unit="customer values", doc="Value a customer gains when an empowered agent recovers them by a concession (service friendship): usually larger than a plain fix.")
    loyalty_loss_per_broken: float = param(Number(0, 1), 0.1, unit="customer values", doc="Value a customer who stays loses for each broken promise they notice (never below zero); a customer who churns loses the company their whole value instead.")
    word_of_mouth_reach: float = param(Number(0, 10_000), 10.0, unit="people", doc="Mean number of other people each churned customer, and each customer ending the run at `word_of_mouth_anger` or above, tells (Poisson).")
    word_of_mouth_conversion: float = param(Number(0, 1), 0.05, unit="probability", doc="Chance that a person told is lost as a future customer, worth `costs.lost_customer`.")
    word_of_mouth_anger: float = param(Number(0, 1e9, exclusive_min=True), 2.0, unit="anger", doc="Customers whose anger is at least this when the run ends tell others too (churned customers always do, once).")
    demand_feedback: bool = param(Boolean(), False, unit="-", doc="Let lost customers (churned, or lost to word of mouth) lower the first-contact volume of later days; needs `customer_base`.")
    customer_base: float | None = param(Number(1, 1e12), None, unit="customers", doc="With `demand_feedback`: the customers whose first contacts make `arrivals`; from each midnight on, first contacts arrive at max(0, 1 - lost so far / customer_base) times the calendar's rate.")

    def _check(self, path: str) -> None:
        if self.demand_feedback and not self.enabled:
            raise ScenarioError(f"{path}.demand_feedback", f"is on but {path}.enabled is false: the feedback uses the value accounts; "
                                f"turn {path}.enabled on, or {path}.demand_feedback off as well", value=True)
        if self.demand_feedback and self.customer_base is None:
            raise ScenarioError(f"{path}.customer_base", f"is required when {path}.demand_feedback = true (the customers behind the arrival volume)")
