"""``simcenter staff``: the staffing search, for one queue (per interval: Erlang, adjusted
Erlang and simulation side by side) or for several queues and skill groups (agents per
group, :mod:`simcenter.planning.skillstaff`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import SimcenterError
from .cli import _check_int, _given_twice, _load, _parse_target, _print_table

__all__ = ["staff_command"]


def staff_command(args) -> int:
    return _one_queue(args)


def _replications(args, scenario):
    """Replications per evaluation (checked, and the run's cost), and the command's inputs."""
    from ..outputs import Inputs
    from ..run.runner import check_run

    _check_int("--replications", args.replications, 2, 100_000)
    _check_int("--seed", args.seed, 0, 2**63 - 1)
    reps = args.replications or scenario.simulation.replications
    if reps < 2:
        raise SimcenterError(f"simulation.replications is {reps}; staffing needs >= 2 (give --replications)")
    check_run(scenario, reps)
    return reps, Inputs(args.file)


def _one_queue(args) -> int:
    from ..outputs import check_file
    from ..planning.staffing import STAFF_TABLE_FILE, Target, flat_staffing, staff

    scenario = _load(args)
    if scenario.agent_groups:
        return _groups(args, scenario)
    if args.queue_target:
        raise SimcenterError("--queue-target needs a scenario with [[agent_groups]]")
    _given_twice(args, (("--seed", args.seed, "simulation.seed"), ("--replications", args.replications, "simulation.replications")))
    level, seconds = _parse_target(args.target)
    if args.max_abandon is not None and not 0 < args.max_abandon < 1:
        raise SimcenterError(f"--max-abandon must be in (0, 1), got {args.max_abandon}")
    target = Target(level, seconds, args.max_abandon)
    reps, inputs = _replications(args, scenario)
    if args.out:
        check_file(args.out, STAFF_TABLE_FILE, "--out", inputs)
    table, summary = staff(scenario, target, replications=reps, seed=args.seed)
    flat = flat_staffing(scenario, target, replications=reps, seed=args.seed) if args.flat else None
    if args.json:
        doc = {"scenario": scenario.name, "target": {"level": level, "answer_s": seconds, "max_abandon": args.max_abandon},
               "intervals": json.loads(table.to_json(orient="records")), "summary": summary}
        if flat is not None:
            doc["flat"] = {"agents": flat.agents, "service_level": flat.service_level, "ci_low": flat.ci_low,
                           "ci_high": flat.ci_high, "replications": flat.replications}
        print(json.dumps(doc, indent=2))
    else:
        print(f"{scenario.name}: staffing for {target} ({reps} replications per simulation, common random numbers)")
        rows = [[r.interval, f"{r.calls_per_hour:,.0f}", f"{r.offered_load:.1f}", str(r.erlang), f"{r.sl_erlang:.3f}", str(r.adjusted),
                 f"{r.sl_adjusted:.3f}", str(r.simulated), f"{r.sl_simulated:.3f}"] for r in table.itertuples()]
        _print_table(rows, ["interval", "calls/h", "load", "erlang", "sl", "adjusted", "sl", "simulated", "sl"])
        print()
        rows = [[name, f"{s['agent_hours_per_day']:,.1f}", f"{s['service_level']:.3f}", f"[{s['ci_low']:.3f}, {s['ci_high']:.3f}]"]
                for name, s in summary.items()]
        _print_table(rows, ["plan", "agent_h/day", "service_level", "95% interval"])
        sim = summary["simulated"]
        print(f"simulated plan: {sim['iterations']} iterations, {'settled' if sim['settled'] else 'NOT settled (raise the replications)'}")
        if flat is not None:
            print(f"flat staffing (bisection in simulation): {flat.agents} agents, service level {flat.service_level:.3f} "
                  f"[{flat.ci_low:.3f}, {flat.ci_high:.3f}] over {flat.replications} replications")
    if args.out:
        from .._io import atomic_write_text

        check_file(args.out, STAFF_TABLE_FILE, "--out", inputs)
        atomic_write_text(Path(args.out), table.to_csv(index=False))
    return 0


def _groups(args, scenario) -> int:
    """Agents per group meeting every queue's target (Wallace-Whitt search)."""
    from ..outputs import FileKind, check_file
    from ..planning.skillstaff import skill_staffing
    from ..planning.staffing import Target

    _given_twice(args, (("--seed", args.seed, "simulation.seed"), ("--replications", args.replications, "simulation.replications")))
    if args.flat:
        raise SimcenterError("--flat is for one queue; with [[agent_groups]] the group sizes found are flat already")
    level, seconds = _parse_target(args.target)
    if args.max_abandon is not None and not 0 < args.max_abandon < 1:
        raise SimcenterError(f"--max-abandon must be in (0, 1), got {args.max_abandon}")
    targets = {c.name: Target(level, seconds, args.max_abandon) for c in scenario.contact_types}
    for text in args.queue_target or []:
        name, sep, value = text.partition("=")
        if not sep or name not in targets:
            raise SimcenterError(f"--queue-target {text!r}: give QUEUE=LEVEL/SECONDS with a queue of the scenario "
                                 f"({', '.join(targets)})")
        q_level, q_seconds = _parse_target(value, f"--queue-target {name}")
        if q_seconds != seconds:
            raise SimcenterError(f"--queue-target {text!r}: the seconds must equal --target's ({seconds:g}); the run measures "
                                 "service level at one answer time")
        targets[name] = Target(q_level, q_seconds, args.max_abandon)
    reps, inputs = _replications(args, scenario)
    kind = FileKind("group staffing table", (".csv",), ("group", "agents"))
    if args.out:
        check_file(args.out, kind, "--out", inputs)

    def progress(n, sizes, shortfall):
        if not args.json:
            print(f"  evaluation {n}: {sum(sizes.values())} agents, shortfall {shortfall:.3f}", file=sys.stderr, flush=True)

    result = skill_staffing(scenario, targets, replications=reps, seed=args.seed, progress=progress)
    if args.json:
        doc = {"scenario": scenario.name, "targets": {q: {"level": t.level, "answer_s": t.answer_s, "max_abandon": t.max_abandon}
                                                      for q, t in targets.items()},
               "groups": result.sizes, "agents": result.agents, "met": result.met, "evaluations": result.evaluations,
               "queues": json.loads(result.by_queue.to_json(orient="records")),
               "baseline": json.loads(result.baseline.to_json(orient="records"))}
        print(json.dumps(doc, indent=2))
    else:
        print(f"{scenario.name}: agents per group for every queue's target ({reps} replications per evaluation, common random numbers)")
        if scenario.shifts or any(isinstance(g.staffing, tuple) for g in scenario.agent_groups):
            print("(the groups' shifts and per-interval plans are replaced by flat group sizes, the same all open hours)")
        b = result.baseline
        _print_table([[r.queue, f"{r.calls_per_hour:,.0f}", f"{r.handle_s:.0f}", str(r.separate), str(r.component), str(r.pooled)]
                      for r in b.itertuples()], ["queue", "calls/h", "handle_s", "erlang alone", "component", "erlang pooled"])
        print(f"Erlang: {int(b.separate.sum())} agents as separate queues, "
              f"{int(b.drop_duplicates('component').pooled.sum())} pooled where groups overlap")
        print()
        _print_table([[name, str(n)] for name, n in result.sizes.items()], ["group", "agents"])
        print()
        _print_table([[r.queue, f"{r.target:g}/{r.answer_s:g}", f"{r.service_level:.3f}", f"{r.abandon_rate:.3f}", "yes" if r.met else "NO"]
                      for r in result.by_queue.itertuples()], ["queue", "target", "service_level", "abandon_rate", "met"])
        print(f"simulation: {result.agents} agents after {result.evaluations} evaluations"
              + ("" if result.met else "; NOT every target met within the evaluations allowed"))
    if args.out:
        from .._io import atomic_write_text

        check_file(args.out, kind, "--out", inputs)
        lines = ["group,agents"] + [f"{name},{n}" for name, n in result.sizes.items()]
        atomic_write_text(Path(args.out), "\n".join(lines) + "\n")
    return 0 if result.met else 1
