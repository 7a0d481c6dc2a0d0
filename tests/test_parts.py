"""The engine's parts, each on its own, without simulate(): the queues, the agent pool, the
router and its callback policies, the promise book, the shift plan and the shared formulas.
Each test builds the part with a real SimPy environment and real counters, and stands in for
the rest of the engine with recorders."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import simpy

from simcenter.model.agents import AgentPool
from simcenter.model.calendar import Timeline
from simcenter.model.contact import ABANDONED, ANSWERED, Contact, Origin
from simcenter.model.counters import Accumulator
from simcenter.model.customer import Customer
from simcenter.model.formulas import angry_talk, expected_angry_talk, noncompliance_by_day, patience_divisor, work_time
from simcenter.model.promises import BROKEN, CALLING, GAVE_UP, KEPT, PENDING, Callback, PromiseBook
from simcenter.model.queues import CallbackQueue, InboundQueue
from simcenter.model.router import POLICIES, Router, policy_for
from simcenter.model.shiftplan import plan_changes
from simcenter.model.streams import block_draws, generator
from simcenter.scenario import Scenario, scenario_json_schema

ROOT = Path(__file__).parent.parent
HOUR = 3600.0


def _contact(i: int, ctype: int = 0, repeat: bool = False) -> Contact:
    return Contact(i, Customer(i), Origin.REPEAT if repeat else Origin.FIRST, ctype, 100.0, 60.0, repeat)


def _scenario(**changes) -> Scenario:
    base = Scenario.from_file(ROOT / "scenarios/noncompliance.toml").replace({"simulation.days": 2, "simulation.warmup_days": 0})
    return base.replace(changes) if changes else base


# -- queues -----------------------------------------------------------------------------


def test_the_inbound_queue_is_first_come_first_served_and_skips_abandoned_callers():
    q = InboundQueue()
    contacts = [_contact(i) for i in range(5)]
    for c in contacts:
        q.append(c)
    contacts[0].state = ABANDONED
    contacts[2].state = ABANDONED
    assert q.waiting() == [contacts[1], contacts[3], contacts[4]]
    assert len(q) == 5  # abandoned callers stay until an agent reaches them
    assert q.has_waiting() and len(q) == 4  # the abandoned head is dropped when looked at
    assert q.next_waiting() is contacts[1]
    assert q.next_waiting() is contacts[3]  # contacts[2] skipped
    contacts[4].state = ABANDONED
    assert not q.has_waiting() and q.next_waiting() is None and len(q) == 0


def test_the_callback_queue_is_by_due_time_and_skips_dead_callbacks():
    q = CallbackQueue()
    customer = Customer(0)
    late, early, tie_a, tie_b = (Callback(customer, 0, due, 0) for due in (50.0, 10.0, 30.0, 30.0))
    for cb in (late, early, tie_a, tie_b):
        q.push(cb)
    assert q.peek() is early
    q.pop()
    assert q.peek() is tie_a  # equal due times: the one queued first
    tie_a.state = KEPT  # reached by an agent meanwhile: skipped
    assert q.peek() is tie_b
    tie_b.state = BROKEN
    assert q.peek() is late and len(q) == 1
    q.pop()
    assert q.peek() is None and not q


# -- the agent pool ------------------------------------------------------------------------


def _pool(reserve: int = 0, n_intervals: int = 4, width: float = HOUR):
    env = simpy.Environment()
    stats = Accumulator(n_intervals, width)
    pool = AgentPool(env, stats, reserve=reserve)
    came: list[int] = []

    def dispatch(agent, now):  # the router's part: here every new agent goes idle
        came.append(agent)
        pool.idle.append(agent)

    pool.dispatch = dispatch
    return env, stats, pool, came


def test_agents_come_on_duty_with_the_lowest_free_number_and_idle_ones_leave_at_once():
    env, stats, pool, came = _pool()
    pool.start([(0.0, 3), (HOUR, 1), (2 * HOUR, 2)])
    assert came == [0, 1, 2] and pool.on_duty == 3
    env.run(until=1.5 * HOUR)
    assert pool.on_duty == 1 and pool.leaving == 0 and pool.idle == [0]  # the last to go idle leave first
    env.run(until=2.5 * HOUR)
    assert came[-1] == 1 and pool.on_duty == 2  # number 1 is free again, before number 2
    env.run(until=4 * HOUR)
    pool.close_books(4 * HOUR, [False] * 4)
    assert stats.staffed_s == pytest.approx([3 * HOUR, HOUR, 2 * HOUR, 2 * HOUR])
    assert stats.overtime_s == [0.0] * 4


def test_busy_agents_leave_when_they_finish_and_their_extra_time_is_overtime():
    env, stats, pool, came = _pool()
    pool.start([(0.0, 2), (HOUR, 0)])
    pool.idle.clear()  # both busy
    env.run(until=1.5 * HOUR)
    assert pool.on_duty == 2 and pool.leaving == 2  # the plan fell while they were busy
    pool.leaving -= 1
    pool.go_off_duty(0, env.now)  # the first finishes half an hour after their time
    env.run(until=2 * HOUR)
    assert pool.on_duty == 1
    pool.close_books(2 * HOUR, [False] * 4)
    assert stats.staffed_s[:2] == pytest.approx([2 * HOUR, 1.5 * HOUR])
    assert stats.overtime_s[:2] == pytest.approx([0.0, 1.5 * HOUR])  # all of it beyond the plan of 0


def test_a_busy_agent_asked_to_leave_stays_when_the_plan_rises_again():
    env, stats, pool, came = _pool()
    pool.start([(0.0, 2), (HOUR, 1), (2 * HOUR, 2)])
    pool.idle.clear()
    env.run(until=1.5 * HOUR)
    assert pool.leaving == 1
    env.run(until=2.5 * HOUR)
    assert pool.leaving == 0 and came == [0, 1] and pool.on_duty == 2  # nobody new came


def test_the_first_agents_on_duty_are_reserved_up_to_the_policy():
    env, stats, pool, came = _pool(reserve=2)
    pool.start([(0.0, 4)])
    assert pool.reserved == {0, 1}
    pool.idle.remove(0)
    pool.go_off_duty(0, 0.0)
    assert pool.reserved == {1}


def test_concession_windows_count_all_their_agent_time_as_overtime():
    env, stats, pool, came = _pool()
    pool.start([(0.0, 2)])
    env.run(until=4 * HOUR)
    pool.close_books(4 * HOUR, [False, False, True, False])
    assert stats.overtime_s == [0.0, 0.0, 2 * HOUR, 0.0]


# -- the router and the callback priority policies ---------------------------------------------


class _Center:
    """The engine's side of the router: records who was given what."""

    def __init__(self, policy_name: str, **callbacks):
        scenario = _scenario(**{"callbacks.priority": policy_name, **{f"callbacks.{k}": v for k, v in callbacks.items()}})
        self.env, self.stats, self.pool, _ = _pool(reserve=policy_for(scenario.callbacks).reserve)
        self.given: list[tuple] = []
        self.inbound, self.callbacks = InboundQueue(), CallbackQueue()
        self.router = Router(self.inbound, self.callbacks, self.pool, policy_for(scenario.callbacks),
                             lambda c, a, now: self.given.append(("contact", c.id, a)),
                             lambda cb, a, now: self.given.append(("callback", cb.due, a)),
                             is_open=(True, False), interval_s=HOUR)
        self.pool.dispatch = self.router.agent_free

    def work(self, contacts: int, callbacks: list[float]) -> None:
        for i in range(contacts):
            self.inbound.append(_contact(i))
        for due in callbacks:
            self.callbacks.push(Callback(Customer(99), 0, due, 0))


@pytest.mark.parametrize("policy, agent, expected", [
    ("inbound_first", 0, "contact"),
    ("callbacks_first", 0, "callback"),
    ("reserved", 0, "callback"),  # agent 0 came on duty first: reserved
    ("reserved", 3, "contact"),
    ("deadline", 0, "contact"),  # due in two hours, beyond the 30-minute window
])
def test_each_callback_policy_chooses_between_a_caller_and_a_callback(policy, agent, expected):
    center = _Center(policy, reserved_agents=1, deadline_window_min=30)
    center.pool.start([(0.0, 4)])  # four agents come on duty, nothing to do: idle
    center.pool.idle.clear()
    center.work(contacts=1, callbacks=[2 * HOUR])
    center.router.agent_free(agent, 0.0)
    assert center.given[0][0] == expected


def test_the_deadline_policy_takes_a_callback_once_it_is_due_soon():
    center = _Center("deadline", deadline_window_min=30)
    center.work(contacts=1, callbacks=[2 * HOUR])
    center.router.agent_free(0, 1.6 * HOUR)
    assert center.given == [("callback", 2 * HOUR, 0)]


def test_with_no_caller_waiting_every_policy_takes_the_callback():
    for name in POLICIES:
        center = _Center(name)
        center.work(contacts=0, callbacks=[5 * HOUR])
        center.router.agent_free(7, 0.0)
        assert center.given == [("callback", 5 * HOUR, 7)], name


def test_a_new_policy_reaches_the_queues_through_the_router():
    """The seam a new policy plugs into: a rule on the callback backlog, built as the
    architecture page says (a CallbackPolicy subclass; the router binds it)."""
    from simcenter.model.router import CallbackPolicy

    class Backlog(CallbackPolicy):
        def takes_callback(self, cb, agent, now):
            return self.router.callbacks.pending() > 1

    center = _Center("inbound_first")
    center.router.policy = policy = Backlog()
    policy.bind(center.router)
    center.work(contacts=2, callbacks=[HOUR])
    center.router.agent_free(0, 0.0)
    assert center.given == [("contact", 0, 0)]  # one callback waits: callers first
    center.work(contacts=0, callbacks=[2 * HOUR])
    center.router.agent_free(1, 0.0)
    assert center.given[-1] == ("callback", HOUR, 1)  # two wait: the earliest due goes first


def test_the_policies_are_the_choices_of_the_scenario_schema():
    schema = scenario_json_schema()
    assert set(schema["properties"]["callbacks"]["properties"]["priority"]["enum"]) == set(POLICIES)


def test_an_arriving_contact_goes_to_the_agent_idle_last_or_waits():
    center = _Center("inbound_first")
    center.pool.start([(0.0, 2)])
    assert center.router.contact_arrived(_contact(1), 0.0)
    assert center.given == [("contact", 1, 1)]
    center.router.contact_arrived(_contact(2), 0.0)
    assert not center.router.contact_arrived(_contact(3), 0.0) and [c.id for c in center.inbound.waiting()] == [3]


def test_a_leaving_agent_finishes_the_queue_after_closing_but_not_while_open():
    center = _Center("inbound_first")
    center.pool.start([(0.0, 2)])
    center.pool.idle.clear()
    center.pool.plan = 0
    center.pool.leaving = 2
    center.work(contacts=2, callbacks=[])
    center.router.agent_done(0, 0.5 * HOUR)  # open: leaves, the callers wait for others
    assert center.given == [] and center.pool.on_duty == 1
    center.router.agent_done(1, 1.5 * HOUR)  # closed: close-out
    assert center.given == [("contact", 0, 1)] and center.pool.on_duty == 1


# -- the promise book -------------------------------------------------------------------------


class _Book:
    def __init__(self, **changes):
        self.scenario = s = _scenario(**changes)
        self.timeline = tl = Timeline.from_scenario(s)
        self.env = simpy.Environment()
        self.stats = Accumulator(tl.n_intervals, tl.interval_s)
        self.arrived: list[Contact] = []
        self.offered: list[Callback] = []
        ids = iter(range(1000, 2000))

        def rng(purpose, index=0):
            return generator(4, 0, purpose, index)

        self.book = PromiseBook(s, tl, self.env, self.stats, rng, lambda p, i=0: block_draws(rng(p, i).random), 1e-6,
                                lambda: next(ids), lambda c, now: self.arrived.append(c), lambda cb, now: self.offered.append(cb))


def test_a_broken_fulfilment_promise_brings_the_customer_back_angrier():
    b = _Book(**{"contact_types.order_status.promise_prob": 1.0, "contact_types.order_status.noncompliance": 1.0,
                 "contact_types.order_status.promise_due": {"dist": "deterministic", "mean_h": 2.0},
                 "promises.notice_delay": {"dist": "deterministic", "mean_h": 1.0}, "promises.return_prob": 1.0,
                 "customers.churn_anger": 100.0})
    first = _contact(1)
    first.interval = 3
    assert b.book.end_contact(first, 100.0, morale=1.0) == 0  # no recovery on a first contact
    assert sum(b.stats.promises_made) == 1 and sum(b.stats.promises_broken) == 1 and b.arrived == []
    b.env.run(until=100.0 + 3 * HOUR + 1.0)
    [repeat] = b.arrived
    assert repeat.repeat and repeat.origin == Origin.REPEAT and repeat.customer is first.customer and repeat.id == 1000
    assert first.customer.anger == pytest.approx(b.scenario.customers.anger_per_broken_promise, rel=1e-3)
    assert b.book.repeats == 1


def test_a_kept_promise_is_counted_and_brings_nobody_back():
    b = _Book(**{"contact_types.order_status.promise_prob": 1.0, "contact_types.order_status.noncompliance": 0.0,
                 "contact_types.order_status.promise_due": {"dist": "deterministic", "mean_h": 2.0}})
    b.book.end_contact(_contact(1), 0.0, morale=1.0)
    b.env.run(until=b.timeline.horizon_s)
    assert sum(b.stats.promises_kept) == 1 and b.arrived == []


def test_a_recovered_repeat_contact_closes_the_case_and_calms_the_customer():
    b = _Book(**{"recovery.base": 20.0})  # recovery all but certain
    repeat = _contact(1, repeat=True)
    repeat.customer.anger = 2.0
    assert b.book.end_contact(repeat, 0.0, morale=1.0) == 2
    assert sum(b.stats.recoveries) == 1 and sum(b.stats.promises_made) == 0
    assert repeat.customer.anger == pytest.approx(2.0 * (1 - b.scenario.recovery.calm_on_success))


def test_a_callback_is_offered_called_and_kept_or_retried_until_it_is_broken():
    changes = {"contact_types.order_status.promise_prob": 1.0, "contact_types.order_status.promise_kind": "callback",
               "contact_types.order_status.promise_due": {"dist": "deterministic", "mean_h": 1.0},
               "callbacks.retry_delay_min": 20.0, "callbacks.max_attempts": 5}
    kept = _Book(**changes, **{"callbacks.reach_prob": 1.0})
    kept.book.end_contact(_contact(1), 0.0, morale=1.0)
    [cb] = kept.offered
    assert cb.state == PENDING and kept.book.attempt(cb, 60.0) > 0 and cb.state == KEPT
    kept.env.run(until=2 * HOUR)
    assert sum(kept.stats.callbacks_kept) == 1 and sum(kept.stats.callbacks_broken) == 0

    missed = _Book(**changes, **{"callbacks.reach_prob": 0.0})
    missed.book.end_contact(_contact(1), 0.0, morale=1.0)
    cb = missed.offered[0]
    attempts = 0
    while True:  # an agent calls whenever the callback is offered
        cb = missed.offered.pop()
        assert missed.book.attempt(cb, missed.env.now) is None and cb.state == CALLING
        attempts += 1
        missed.book.end_attempt(cb, missed.env.now)
        if cb.state == GAVE_UP:
            break
        missed.env.run(until=missed.env.now + 20 * 60.0 + 1.0)
    assert attempts == 3 and not missed.offered  # at 0, 20 and 40 minutes; a fourth would come past the due time
    missed.env.run(until=2 * HOUR)
    assert cb.state == BROKEN and sum(missed.stats.callbacks_broken) == 1
    missed.book.finish()
    assert sum(missed.stats.promises_open) == 0


# -- the shift plan ------------------------------------------------------------------------------


def _shifts(scenario: Scenario, shifts: list, **agents) -> Scenario:
    data = scenario.to_dict()
    data["agents"] = {k: v for k, v in data["agents"].items() if k != "staffing"} | agents
    data["shifts"] = shifts
    return Scenario.from_dict(data)


def test_without_shifts_the_plan_is_the_calendar_staffing():
    s = _scenario()
    tl = Timeline.from_scenario(s)
    assert plan_changes(s, tl, 1, 0) == tl.staffing_changes()


def test_shifts_and_breaks_expand_into_changes_of_the_agents_on_duty():
    s = _shifts(_scenario(**{"simulation.days": 1}), [
        {"name": "early", "start": "08:00", "length_h": 8.0, "headcount": 10, "breaks": [{"after_h": 2.0, "minutes": 30.0}]},
        {"name": "late", "start": "12:00", "length_h": 6.0, "headcount": 4},
    ])
    changes = plan_changes(s, Timeline.from_scenario(s), 1, 0)
    assert changes == [(0.0, 0), (8 * HOUR, 10), (10 * HOUR, 0), (10.5 * HOUR, 10), (12 * HOUR, 14), (16 * HOUR, 4), (18 * HOUR, 0)]


def test_shrinkage_draws_each_shift_days_present_agents_and_repeats_with_the_seed():
    s = _shifts(_scenario(**{"simulation.days": 30}), [{"name": "day", "start": "08:00", "length_h": 8.0, "headcount": 100}],
                shrinkage=0.2)
    tl = Timeline.from_scenario(s)
    present = [n for t, n in plan_changes(s, tl, 1, 0) if n > 0]
    assert len(present) == 30 and 70 < np.mean(present) < 90 and len(set(present)) > 1
    assert plan_changes(s, tl, 1, 0) == plan_changes(s, tl, 1, 0) != plan_changes(s, tl, 1, 1)
    assert all(n == 100 for t, n in plan_changes(s, tl, 1, 0, roster=True) if n > 0)  # a roster models absence itself


def test_agents_on_duty_at_closing_stay_on_through_the_concession_window():
    s = _shifts(_scenario(**{"simulation.days": 1, "calendar.after_hours": "conceded", "calendar.concession_window_minutes": 60}),
                [{"name": "day", "start": "08:00", "length_h": 12.0, "headcount": 5}])  # the center closes at 20:00
    assert plan_changes(s, Timeline.from_scenario(s), 1, 0) == [(0.0, 0), (8 * HOUR, 5), (21 * HOUR, 0)]


# -- the shared formulas ---------------------------------------------------------------------------


def test_the_expected_angry_talk_time_is_the_mean_of_the_engines_draws():
    cust = _scenario(**{"customers.resolution_anger_factor": 0.3, "customers.deescalation_s_per_anger": 90.0,
                        "customers.deescalation_cap_s": 200.0}).customers
    draws = np.random.default_rng(3).standard_exponential(200_000)
    talks = np.array([angry_talk(240.0, 1.5, e, cust) for e in draws])
    half = 1.96 * talks.std(ddof=1) / math.sqrt(len(talks))
    assert abs(talks.mean() - expected_angry_talk(240.0, 1.5, cust)) < half
    assert expected_angry_talk(240.0, 0.0, cust) == 240.0 and patience_divisor(0.0, cust) == 1.0
    assert work_time(100.0, 1.0, 20.0) == 120.0


def test_noncompliance_by_day_follows_the_outages_after_the_warm_up():
    s = _scenario(**{"simulation.days": 6, "simulation.warmup_days": 2,
                     "promises.outages": [{"start_day": 2, "end_day": 3, "noncompliance": 0.9}]})
    table = noncompliance_by_day(s)
    base = [c.noncompliance for c in s.contact_types]
    assert len(table) == 8 and table[0] == base and table[2] == base
    assert table[3] == table[4] == [0.9] * len(base) and table[5] == base
