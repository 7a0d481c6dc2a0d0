"""``simcenter staff``: the staffing search, for one queue (per interval: Erlang, adjusted
Erlang and simulation side by side) or for several queues and skill groups (agents per
group, :mod:`simcenter.planning.skillstaff`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import SimcenterError
from .cli import _check_int, _given_twice, _load, _parse_target, _print_table

__all__ = ["staff_command", "UNITS"]


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


def _target(args):
    from ..planning.staffing import Target

    level, seconds = _parse_target(args.target)
    if args.max_abandon is not None and not 0 < args.max_abandon < 1:
        raise SimcenterError(f"--max-abandon must be in (0, 1), got {args.max_abandon}")
    return Target(level, seconds, args.max_abandon)


def _one_queue(args) -> int:
    from ..outputs import check_file
    from ..planning.staffing import STAFF_TABLE_FILE, flat_staffing, staff
    from .progress import Progress, done

    scenario = _load(args)
    if scenario.agent_groups:
        return _groups(args, scenario)
    if args.queue_target:
        raise SimcenterError("--queue-target needs a scenario with [[agent_groups]]")
    _given_twice(args, (("--seed", args.seed, "simulation.seed"), ("--replications", args.replications, "simulation.replications")))
    target = _target(args)
    reps, inputs = _replications(args, scenario)
    _check_int("--max-replications", args.max_replications, reps, 100_000)
    most = args.max_replications or reps
    if most > reps:
        from ..run.runner import check_run

        check_run(scenario, most)
    if args.out:
        check_file(args.out, STAFF_TABLE_FILE, "--out", inputs)
    with Progress(0, "staff: simulated replications", "replication", quiet=args.quiet) as bar:
        table, summary = staff(scenario, target, replications=reps, seed=args.seed, max_replications=most, progress=bar)
    flat = None
    if args.flat:
        with Progress(0, "staff --flat: simulated replications", "replication", quiet=args.quiet) as bar:
            flat = flat_staffing(scenario, target, replications=reps, seed=args.seed, progress=bar)
    if args.json:
        print(json.dumps(_json(scenario, target, table, summary, flat), indent=2))
    else:
        _print_plan(scenario, target, table, summary, flat)
    sys.stdout.flush()
    sim = summary["simulated"]
    for text in sim["warnings"]:
        print(f"simcenter: warning: {text}", file=sys.stderr)
    if args.out:
        from .._io import atomic_write_text

        check_file(args.out, STAFF_TABLE_FILE, "--out", inputs)
        atomic_write_text(Path(args.out), table.to_csv(index=False))
    where = f"wrote the per-interval plan ({len(table)} intervals) to {args.out}" if args.out else \
        f"printed the per-interval plan ({len(table)} intervals){' as JSON' if args.json else ''} on standard output"
    done(f"staff: {where} ({sim['replications']} replications per plan)")
    return 0


#: Units of the per-interval table's columns (``--json``; the CSV has the same columns).
UNITS = {"calls_per_hour": "first contacts per hour", "offered_load": "Erlangs (busy agents plus the work of those who abandoned)",
         "erlang": "agents", "adjusted": "agents", "simulated": "agents",
         "sl_*": "fraction of offered contacts answered within the target time",
         "abandon_*": "fraction of offered contacts that abandoned",
         "departure": "why the simulated plan leaves the adjusted one: misses (the adjusted level misses the target), "
                      "spare (one agent fewer still meets it) or none"}


def _json(scenario, target, table, summary, flat) -> dict:
    doc = {"scenario": scenario.name,
           "target": {"level": target.level, "answer_s": target.answer_s, "max_abandon": target.max_abandon},
           "units": UNITS, "intervals": json.loads(table.to_json(orient="records")), "summary": summary,
           "warnings": summary["simulated"]["warnings"]}
    if flat is not None:
        doc["flat"] = {"agents": flat.agents, "service_level": flat.service_level, "ci_low": flat.ci_low,
                       "ci_high": flat.ci_high, "replications": flat.replications}
    return doc


_WHY = {"none": "", "misses": "adjusted misses target", "spare": "adjusted has agents to spare"}


def _print_plan(scenario, target, table, summary, flat) -> None:
    """The per-interval table, the plans' totals and how the simulated plan was found."""
    from ..planning.staffing import PLANS

    sim = summary["simulated"]
    caps = target.max_abandon is not None
    print(f"{scenario.name}: staffing for {target} ({sim['replications']} replications per plan, common random numbers)")
    headers = ["interval", "calls/h", "load (Erlangs)"]
    for name in PLANS:
        headers += [name, "sl"] + (["abandon"] if caps else [])
    rows = []
    for r in table.to_dict("records"):
        row = [r["interval"], f"{r['calls_per_hour']:,.0f}", f"{r['offered_load']:,.1f}"]
        for name in PLANS:
            row += [str(r[name]), f"{r[f'sl_{name}']:.3f}"] + ([f"{r[f'abandon_{name}']:.3f}"] if caps else [])
        rows.append(row + [_WHY[r["departure"]]])
    if (table["departure"] == "none").all():
        _print_table([row[:-1] for row in rows], headers)
    else:
        _print_table(rows, headers + ["simulation found"])
    print(f"load: offered load measured with the simulated plan; sl: fraction answered within {target.answer_s:g} s"
          + ("; abandon: fraction abandoning" if caps else "")
          + f"; each plan simulated on {sim['replications']} replications the search did not use")
    print()
    rows = []
    for name in PLANS:
        s = summary[name]
        row = [name, f"{s['agent_hours_per_day']:,.1f}", f"{s['service_level']:.3f}", f"[{s['ci_low']:.3f}, {s['ci_high']:.3f}]"]
        if caps:
            row += [f"{s['abandon_rate']:.3f}", f"[{s['abandon_ci_low']:.3f}, {s['abandon_ci_high']:.3f}]"]
        rows.append(row)
    _print_table(rows, ["plan", "agent h/day", "service level", "95% interval"] + (["abandonment", "95% interval"] if caps else []))
    up, down, rule = len(sim["misses"]), len(sim["spare"]), f"false discovery rate {sim['alpha']:.0%} over the intervals"
    if not up and not down:
        print(f"simulated plan: the adjusted level in every interval (the simulation shows none where it misses the target or has "
              f"an agent to spare; {rule})")
    else:
        print(f"simulated plan: the adjusted level kept in {len(table) - up - down} of {len(table)} intervals; more agents in {up} "
              f"where the simulation shows it misses the target, fewer in {down} where it shows an agent to spare ({rule}); "
              f"{sim['iterations']} iterations, {'settled' if sim['settled'] else 'NOT settled'}")
    if flat is not None:
        print(f"flat staffing (bisection in simulation): {flat.agents} agents, service level {flat.service_level:.3f} "
              f"[{flat.ci_low:.3f}, {flat.ci_high:.3f}] over {flat.replications} replications")


def _groups(args, scenario) -> int:
    """Agents per group meeting every queue's target (Wallace-Whitt search)."""
    from ..outputs import FileKind, check_file
    from ..planning.skillstaff import skill_staffing
    from ..planning.staffing import Target
    from .progress import done, stage

    _given_twice(args, (("--seed", args.seed, "simulation.seed"), ("--replications", args.replications, "simulation.replications")))
    if args.flat:
        raise SimcenterError("--flat is for one queue; with [[agent_groups]] the group sizes found are flat already")
    if args.max_replications is not None:
        raise SimcenterError("--max-replications is for one queue's per-interval plan; with [[agent_groups]] give --replications")
    base = _target(args)
    seconds = base.answer_s
    targets = {c.name: base for c in scenario.contact_types}
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
        stage(f"  evaluation {n}: {sum(sizes.values())} agents, shortfall {shortfall:.3f}", quiet=args.quiet or args.json)

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
    done(f"staff: {f'wrote the agents per group to {args.out}' if args.out else 'printed the agents per group on standard output'}")
    return 0 if result.met else 1
