"""Staffing several skill groups: how many agents each group needs so that every queue
meets its target, with the fewest agents in all.

With several queues and groups no formula gives the answer (an agent of a group with two
skills serves two queues, and who takes what depends on the routing), so the search is in
simulation, after an Erlang baseline:

1. **Erlang baseline** (:func:`erlang_baseline`). Each queue on its own: Erlang A (C
   when callers never abandon) for its first-contact rate averaged over the open hours,
   its handling time (talk + wrap-up) and its callers' mean patience (the contact type's
   own, if it has one; for a pooled component, the one with the queues' abandonment
   hazards weighted by rate). Then *pooled where
   groups overlap*: queues linked by a group with several skills form a component, and the
   component is staffed as one queue with its total rate and load-weighted handling time,
   the lower bound full flexibility would reach. The separate sum is what specialists
   need, the pooled number what the best cross-training could reach.
2. **Simulation search** (:func:`skill_staffing`), after the procedure of Wallace and
   Whitt (2005, *Resource pooling and staffing in call centers with skill-based
   routing*): start from the pooled totals, given to each component's groups in proportion
   to the load of the queues they serve first; simulate (every evaluation with the same
   seeds: common random numbers); while a queue misses its target, try one more agent in
   each group with that queue's skill and keep the one that most reduces the total
   shortfall; once every target holds, take agents away one at a time, the group with the
   most agents first, as long as every target still holds.

Group sizes are flat (the same on duty all open hours, replacing the groups' staffing and
shifts), and a queue's target is judged on the run as a whole: the mean over replications
of its service level (and abandonment, with ``max_abandon``), as ``simcenter staff --flat``
does for one queue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import SimcenterError
from ..model.center import run_replication
from ..model.expectations import patience_mean_s
from ..model.patience import PatienceClass, mean_s as mix_mean_s
from ..output.analysis import reported
from ..output.metrics import metric
from ..scenario import Scenario
from .staffing import Target, _staff, first_contact_rates

__all__ = ["erlang_baseline", "skill_staffing", "SkillStaffing", "components"]


def components(scenario: Scenario) -> list[list[int]]:
    """Queues (indexes of contact types) linked by groups with several skills."""
    parent = list(range(len(scenario.contact_types)))
    index = {c.name: q for q, c in enumerate(scenario.contact_types)}

    def find(q: int) -> int:
        while parent[q] != q:
            parent[q] = parent[parent[q]]
            q = parent[q]
        return q

    for g in scenario.agent_groups:
        qs = [index[s.queue] for s in g.skills]
        for q in qs[1:]:
            parent[find(q)] = find(qs[0])
    out: dict[int, list[int]] = {}
    for q in range(len(parent)):
        out.setdefault(find(q), []).append(q)
    return list(out.values())


def _queue_loads(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Per queue: first-contact rate (contacts/hour, mean over the open intervals of the
    widest day, each at its mean over the days it is open) and handling time (s)."""
    total = float(np.mean(first_contact_rates(scenario)))
    rates = np.array([total * c.share for c in scenario.contact_types])
    handle = np.array([c.handle_time.mean + c.wrapup_s for c in scenario.contact_types])
    return rates, handle


def _targets(scenario: Scenario, target: Target | dict) -> list[Target]:
    names = [c.name for c in scenario.contact_types]
    if isinstance(target, Target):
        return [target] * len(names)
    unknown = sorted(set(target) - set(names))
    if unknown:
        raise SimcenterError(f"a target names queue {unknown[0]!r}, which the scenario does not have; queues: {', '.join(names)}")
    missing = [n for n in names if n not in target]
    if missing:
        raise SimcenterError(f"no target for queue {missing[0]!r}; give one per queue, or one for all")
    out = [target[n] for n in names]
    if len({t.answer_s for t in out}) > 1:
        raise SimcenterError("per-queue targets may differ in level and abandonment, not in answer time: the run measures "
                             f"service level at one service_level.target_s; got {sorted({t.answer_s for t in out})}")
    return out


def _patience_s(scenario: Scenario, queues: list, rates: np.ndarray) -> float | None:
    """Mean patience (s) of the callers of ``queues`` (None: they never hang up): the
    scenario's when no contact type has its own; else a queue's own, and for several the
    one with their abandonment hazards weighted by rate (:mod:`simcenter.model.patience`)."""
    if not scenario.has_type_patience:
        return patience_mean_s(scenario)
    mix = [PatienceClass(scenario.patience_of(q), 1.0, scenario.patience_key(q), (q,)) for q in queues]
    weights = [float(rates[q]) for q in queues]
    mean = mix_mean_s(mix, weights if sum(weights) > 0 else None)
    return None if mean == math.inf else mean


def erlang_baseline(scenario: Scenario, target: Target | dict) -> pd.DataFrame:
    """Per queue: ``queue, calls_per_hour, handle_s, separate`` (Erlang agents for the
    queue alone), ``component`` and ``pooled`` (agents for the component as one queue,
    given on each of its queues' rows)."""
    if not scenario.agent_groups:
        raise SimcenterError("the scenario has no [[agent_groups]]; use the per-interval staffing search")
    targets = _targets(scenario, target)
    rates, handle = _queue_loads(scenario)
    rows = []
    for ci, comp in enumerate(components(scenario)):
        rate = float(rates[comp].sum())
        aht = float((rates[comp] * handle[comp]).sum() / rate) if rate > 0 else float(handle[comp].mean())
        strict = max(comp, key=lambda q: (targets[q].level, -targets[q].answer_s))  # the component meets its strictest target
        pooled = _staff(rate, aht, _patience_s(scenario, comp, rates), targets[strict])
        for q in comp:
            rows.append((scenario.contact_types[q].name, float(rates[q]), float(handle[q]),
                         _staff(float(rates[q]), float(handle[q]), _patience_s(scenario, [q], rates), targets[q]), ci, pooled))
    return pd.DataFrame(rows, columns=["queue", "calls_per_hour", "handle_s", "separate", "component", "pooled"])


@dataclass(frozen=True)
class SkillStaffing:
    """The result of :func:`skill_staffing`: ``sizes`` (group -> agents), the per-queue
    table of the final evaluation, and every evaluation made (``history``: sizes and
    per-queue service levels)."""

    sizes: dict
    by_queue: pd.DataFrame
    baseline: pd.DataFrame
    met: bool
    evaluations: int
    history: list = field(default_factory=list, repr=False)

    @property
    def agents(self) -> int:
        return int(sum(self.sizes.values()))


def _with_sizes(scenario: Scenario, sizes: dict, answer_s: float | None = None) -> Scenario:
    """The scenario with flat group sizes (shifts dropped) and the targets' answer time."""
    changes = {f"agent_groups.{name}.staffing": int(n) for name, n in sizes.items()}
    if answer_s is not None:
        changes["service_level.target_s"] = answer_s
    return scenario.replace({"shifts": [], "agents.scale": 1.0, **changes})


def _evaluate(scenario: Scenario, sizes: dict, replications: int, seed: int, answer_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Per queue: service level and abandonment, each the mean over replications."""
    s = _with_sizes(scenario, sizes, answer_s)
    sl, ab = [], []
    for r in range(replications):
        books = run_replication(s, seed, r)["queues"]
        sums = [{k: reported(s, v).sum() for k, v in b.items()} for b in books]
        with np.errstate(divide="ignore", invalid="ignore"):
            sl.append([float(metric("service_level", x)) for x in sums])
            ab.append([float(metric("abandon_rate", x)) for x in sums])
    return np.nanmean(np.array(sl), axis=0), np.nanmean(np.array(ab), axis=0)


def _shortfall(sl: np.ndarray, ab: np.ndarray, targets: list[Target]) -> np.ndarray:
    short = np.array([max(0.0, t.level - x) if not math.isnan(x) else 0.0 for x, t in zip(sl, targets)])
    for q, t in enumerate(targets):
        if t.max_abandon is not None and not math.isnan(ab[q]):
            short[q] += max(0.0, ab[q] - t.max_abandon)
    return short


def skill_staffing(scenario: Scenario, target: Target | dict, replications: int = 10, seed: int | None = None,
                   max_evaluations: int = 200, progress=None) -> SkillStaffing:
    """Group sizes that meet every queue's target (one :class:`Target`, or a dict by queue
    name) with the fewest agents, by the search described in the module's docstring.
    ``progress(evaluations, sizes, shortfall)`` is called after each evaluation."""
    if replications < 2:
        raise SimcenterError(f"replications must be >= 2, got {replications}")
    targets = _targets(scenario, target)
    baseline = erlang_baseline(scenario, target)
    root = scenario.simulation.seed if seed is None else seed
    groups = [g.name for g in scenario.agent_groups]
    index = {c.name: q for q, c in enumerate(scenario.contact_types)}
    primary, able_by_queue = {}, {}  # queue -> its primary groups, and every group with its skill
    for q, c in enumerate(scenario.contact_types):
        able = scenario.skill_holders(c.name)
        best = min(skill.priority for _, skill in able)
        primary[q] = [g.name for g, skill in able if skill.priority == best]
        able_by_queue[q] = [g.name for g, _ in able]

    # Start: each component's pooled total, shared by load among the groups that serve its queues first.
    share = dict.fromkeys(groups, 0.0)
    for row in baseline.drop_duplicates("component").itertuples():
        comp = baseline.loc[baseline.component == row.component]
        load = (comp.calls_per_hour * comp.handle_s).to_numpy()
        total = load.sum()
        for (_, qrow), w in zip(comp.iterrows(), load):
            q = index[qrow.queue]
            for name in primary[q]:
                share[name] += row.pooled * (w / total if total > 0 else 1.0 / len(comp)) / len(primary[q])
    sizes = {name: int(math.ceil(share[name] - 1e-9)) for name in groups}

    history, cache = [], {}

    def evaluate(sz: dict):
        key = tuple(sz[n] for n in groups)
        if key not in cache:
            if len(cache) >= max_evaluations:
                raise _Budget()
            sl, ab = _evaluate(scenario, sz, replications, root, targets[0].answer_s)
            cache[key] = (sl, ab, _shortfall(sl, ab, targets))
            history.append({"sizes": dict(sz), "service_level": sl.tolist(), "abandon_rate": ab.tolist()})
            if progress is not None:
                progress(len(cache), dict(sz), float(cache[key][2].sum()))
        return cache[key]

    met = False
    try:
        sl, ab, short = evaluate(sizes)
        while short.sum() > 0:  # add: the best single agent for the worst queue
            worst = int(np.argmax(short))
            best = None
            for name in able_by_queue[worst]:
                trial = {**sizes, name: sizes[name] + 1}
                total = evaluate(trial)[2].sum()
                if best is None or total < best[0]:
                    best = (total, trial)
            sizes = best[1]
            sl, ab, short = evaluate(sizes)
        met = True
        removed = True
        while removed:  # take away: the largest group first, while every target holds
            removed = False
            for name in sorted(groups, key=lambda n: -sizes[n]):
                if sizes[name] == 0:
                    continue
                trial = {**sizes, name: sizes[name] - 1}
                if evaluate(trial)[2].sum() == 0:
                    sizes, removed = trial, True
                    break
        sl, ab, short = evaluate(sizes)
    except _Budget:  # the last sizes accepted were evaluated
        sl, ab, short = cache[tuple(sizes[n] for n in groups)]
    table = pd.DataFrame({
        "queue": [c.name for c in scenario.contact_types],
        "target": [t.level for t in targets],
        "answer_s": [t.answer_s for t in targets],
        "service_level": sl,
        "abandon_rate": ab,
        "met": short == 0,
    })
    return SkillStaffing(sizes=sizes, by_queue=table, baseline=baseline, met=met and bool((short == 0).all()),
                         evaluations=len(cache), history=history)


class _Budget(Exception):
    """The search used its evaluations."""
