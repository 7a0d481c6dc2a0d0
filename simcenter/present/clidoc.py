"""The command line's own documentation, generated from its parser
(:func:`simcenter.present.cli.build_parser`), so that it cannot drift from the program: the
reference page ``docs/reference/cli.md`` (:func:`cli_reference`, also printed by
``simcenter schema --cli``) and the synopsis of the README's "command line at a glance"
(:func:`synopsis`), one entry per command with every option.

``python -m simcenter.present.clidoc`` writes both into a source checkout (the README's
block between its ``synopsis`` markers); ``tests/test_docs.py`` fails when either differs
from what the parser gives.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["cli_reference", "synopsis", "readme_synopsis", "with_synopsis", "BEGIN", "END"]

#: The markers around the README's generated synopsis.
BEGIN = "<!-- synopsis: generated from the parser by `python -m simcenter.present.clidoc`; do not edit by hand -->"
END = "<!-- end of synopsis -->"

#: Where a synopsis line is wrapped.
WIDTH = 110


def _commands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _metavar(action: argparse.Action) -> str:
    """What an option takes, as its usage line shows it: the metavar, else the choices,
    else N for an integer, X for a number, the name in capitals otherwise."""
    if action.metavar is not None:
        return action.metavar if isinstance(action.metavar, str) else " ".join(action.metavar)
    if action.choices is not None:
        return "|".join(str(c) for c in action.choices)
    if action.type is int:
        return "N"
    if action.type is float:
        return "X"
    return action.dest.upper()


def _item(action: argparse.Action) -> str:
    """One argument as the synopsis writes it, without the brackets of an optional one."""
    if not action.option_strings:  # a positional
        name = _metavar(action)
        return f"{name} ..." if action.nargs in ("*", "+") else name
    flag = min(action.option_strings, key=len)  # the short form where there is one (-o), as the docs write it
    if action.nargs == 0:  # store_true and the like
        return flag
    text = f"{flag} {_metavar(action)}"
    return f"{text} ..." if isinstance(action, argparse._AppendAction) else text


def _items(command: argparse.ArgumentParser) -> list[str]:
    """The arguments of one command in the parser's order, each bracketed unless required;
    a group of exclusive options once, as ``[--a | --b]``."""
    groups = {id(a): g for g in command._mutually_exclusive_groups for a in g._group_actions}
    items, seen = [], set()
    for action in command._actions:
        if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
            continue
        group = groups.get(id(action))
        if group is not None:
            if id(group) in seen:
                continue
            seen.add(id(group))
            text = " | ".join(_item(a) for a in group._group_actions)
            items.append(f"({text})" if group.required else f"[{text}]")
            continue
        required = action.required if action.option_strings else action.nargs not in ("?", "*")
        items.append(_item(action) if required else f"[{_item(action)}]")
    return items


def synopsis(width: int = WIDTH) -> str:
    """Every command with every option, one entry per command, wrapped at ``width``
    characters (the README's "command line at a glance")."""
    from .cli import build_parser

    lines = []
    for name, command in _commands(build_parser()).choices.items():
        head = f"simcenter {name}"
        line = head
        for item in _items(command):
            if len(line) + 1 + len(item) > width and line.strip() != head:
                lines.append(line)
                line = " " * len(head)
            line += " " + item
        lines.append(line)
    return "\n".join(lines) + "\n"


def readme_synopsis(text: str) -> str | None:
    """The synopsis in the README ``text`` (between :data:`BEGIN` and :data:`END`, inside a
    ``text`` code block), or None when the markers are missing."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return None
    block = text[start + len(BEGIN):end].strip("\n")
    fence = "```text\n"
    return block[len(fence):-3] if block.startswith(fence) and block.endswith("```") else block


def with_synopsis(text: str) -> str:
    """The README ``text`` with its synopsis block replaced by the generated one."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no synopsis markers ({BEGIN} ... {END})")
    return text[:start] + f"{BEGIN}\n```text\n{synopsis()}```\n" + text[end:]


def cli_reference() -> str:
    """The command-line reference page (docs/reference/cli.md): every command's help."""
    import functools

    from .cli import build_parser

    parser = build_parser()
    sub = _commands(parser)
    out = [
        "# Command-line reference",
        "",
        "Generated from the program itself (`simcenter schema --cli`); a test keeps this page equal to it.",
        "Every command ends with one of these exit codes; every message is one line on stderr, never a",
        "traceback:",
        "",
        "| code | meaning |",
        "|---|---|",
        "| 0 | success |",
        "| 2 | bad input: a scenario, sweep file, override, option or results directory is not valid, or an output would replace something simcenter did not write or a file the command reads; the message names the field or the path, the value and what is allowed; nothing is written |",
        "| 1 | a failure while running: a full disk, a file that cannot be written, a Dask cluster that stops answering, a run stopped by its work guard, or a bug (`internal error`; `SIMCENTER_DEBUG=1` shows the traceback) |",
        "| 130 | interrupted by Ctrl-C (SIGINT) |",
        "| 143 | stopped by SIGTERM |",
        "| 129 | stopped by SIGHUP |",
        "",
        "An interrupted command removes its temporary files and stops its worker processes before it exits;",
        "a sweep keeps every finished chunk for `--resume`. Warnings are one line on stderr:",
        "`simcenter: warning: ...`.",
        "",
    ]
    for name, command in sub.choices.items():
        command.formatter_class = functools.partial(argparse.HelpFormatter, width=100)
        out += [f"## simcenter {name}", "", "```text", command.format_help().rstrip(), "```", ""]
    return "\n".join(out)


def main() -> int:
    """Write the README's synopsis and ``docs/reference/cli.md`` into the source checkout
    this package runs from (or into the checkout named as the one argument)."""
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
    readme, page = root / "README.md", root / "docs" / "reference" / "cli.md"
    if not readme.is_file() or not page.parent.is_dir():
        print(f"no source checkout at {root} (README.md and docs/reference/ are needed)", file=sys.stderr)
        return 2
    readme.write_text(with_synopsis(readme.read_text(encoding="utf-8")), encoding="utf-8")
    page.write_text(cli_reference(), encoding="utf-8")
    print(f"wrote the synopsis into {readme} and the reference into {page}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
