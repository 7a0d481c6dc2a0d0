"""The fitted scenario as a TOML file whose every number says where it came from.

Each fitted value is written with a comment: how many observations it rests on, the
estimate's 95% interval or fit statistic, and, where the log cannot tell a parameter
apart from another, what was assumed. The text is read back with
:meth:`simcenter.Scenario.from_toml`, so the file is valid exactly as written.

What a contact log identifies, and what it does not (said in the file and the report):

* failure demand shows as the chance ``q`` that an answered first contact is followed by
  another within the repeat window. The model makes it ``promise_prob x noncompliance x
  return_prob``; the log sees only the product. Without case references the scenario
  puts it all in ``noncompliance`` with every answered contact making a promise
  (``promise_prob = 1``, ``return_prob = 1``); with them, ``promise_prob`` is the share
  of answered first contacts that opened a case;
* the delay to a repeat is the promise's due time plus the time until the customer
  notices: fitted as a shifted exponential (maximum likelihood: the shift is the
  shortest delay, the mean excess the mean less it), the shift written as a
  deterministic ``promise_due`` per type, the excess as an exponential
  ``promises.notice_delay``;
* a repeat contact that recovers the customer ends the chain; one that fails makes
  another promise. The chance that an answered repeat is followed by another repeat,
  beside ``q``, gives the recovery probability, written as ``recovery.base`` at the
  default training and support, with the anger term (``anger_weight``) set to zero: the
  log cannot tell anger's part;
* repeats' longer talk is written as ``customers.resolution_anger_factor`` for the one
  unit of anger a broken promise adds (de-escalation time set to zero), and repeat
  callers' shorter patience as ``customers.patience_anger_factor``;
* churn, anger from waiting and callbacks' promises are not seen in a log of contacts
  that happened; they keep neutral values, said in the comments.
"""

from __future__ import annotations

import math
import re

from ..schema import toml_key, toml_value

__all__ = ["ScenarioText", "value_text"]


def _float(x: float) -> str:
    if x == int(x) and abs(x) < 1e15:
        return f"{x:.1f}"
    return repr(float(f"{x:.6g}"))


def value_text(v) -> str:
    """A value as TOML, floats to six significant digits (a fitted number carries no more)."""
    return toml_value(v, _float)


def _plain(text: str) -> str:
    """One line of comment: control characters (a newline in a file's name...) become spaces."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029\ud800-\udfff]", " ", text)


def _comment(text: str | None) -> str:
    return f"  # {_plain(text)}" if text else ""


class ScenarioText:
    """Builds the file: ``section(name)``, ``put(key, value, comment)``, ``note(text)``."""

    def __init__(self, header: list[str]):
        self.lines = [f"# {_plain(h)}" if h else "#" for h in header]
        self.lines.append("")

    def top(self, key: str, value, comment: str | None = None) -> None:
        self.lines.append(f"{toml_key(key)} = {value_text(value)}{_comment(comment)}")

    def section(self, name: str, array: bool = False, comment: str | None = None) -> None:
        self.lines.append("")
        if comment:
            self.lines.append(f"# {_plain(comment)}")
        self.lines.append(f"[[{name}]]" if array else f"[{name}]")

    def note(self, text: str) -> None:
        self.lines.append(f"# {_plain(text)}")

    def put(self, key: str, value, comment: str | None = None) -> None:
        text = value_text(value)
        if len(text) > 100 and isinstance(value, (list, tuple)):
            if comment:
                self.note(comment)
            items = [value_text(x) for x in value]
            rows = [", ".join(items[i:i + 12]) for i in range(0, len(items), 12)]
            self.lines.append(f"{toml_key(key)} = [" + (",\n" + " " * (len(key) + 4)).join(rows) + "]")
            return
        self.lines.append(f"{toml_key(key)} = {text}{_comment(comment)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def ci(est, low, high, unit: str = "", digits: int = 3) -> str:
    fmt = lambda x: f"{x:,.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"  # noqa: E731
    if low is None or not (math.isfinite(low) and math.isfinite(high)):
        return f"{fmt(est)}{unit}"
    return f"{fmt(est)}{unit}, 95% CI {fmt(low)} to {fmt(high)}"
