"""Out-of-policy requests: what a customer asks that the rules do not allow.

Some answered contacts ask for something against the rules (``policy.out_of_policy_prob``).
The agent refuses, and the customer gets angrier (``policy.refusal_anger``), unless
management overrules the agent and concedes (``policy.override_prob``): a concession the
customer gets and the agent resents (their morale pays ``morale.management_override``).
"""

from __future__ import annotations

from .streams import Purpose

__all__ = ["Requests"]


class Requests:
    """The out-of-policy requests of one replication; ``uniforms(purpose, index)`` gives
    its random streams, ``decay`` the anger decay per second."""

    def __init__(self, policy, stats, uniforms, decay: float):
        self.policy = policy
        self.stats = stats
        self.decay = decay
        self._request_u = uniforms(Purpose.POLICY, 0)
        self._override_u = uniforms(Purpose.POLICY, 1)

    def after_contact(self, contact, now: float) -> bool:
        """Whether the answered ``contact`` asked against the rules and management overrode
        the agent's refusal (a concession)."""
        pol = self.policy
        if self._request_u() >= pol.out_of_policy_prob:
            return False
        st = self.stats
        k = contact.interval
        st.out_of_policy[k] += 1
        if pol.override_prob > 0.0 and self._override_u() < pol.override_prob:
            st.overrides[k] += 1
            st.concessions[k] += 1
            return True
        if pol.refusal_anger > 0.0:
            contact.customer.add_anger(pol.refusal_anger, now, self.decay)
        return False
