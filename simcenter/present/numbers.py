"""Numbers as a reader sees them, in the command-line tables and in the HTML report alike.

A metric's value is shown with thousands separators and the decimals its unit deserves
(four for a share, ratio or level, one for a count, two otherwise), never in scientific
notation, and a missing value (NaN: nothing to divide) as a dash. :func:`format_number`
is the one place this is decided; :func:`format_percent` shows a fraction as a
percentage and :func:`format_value` a swept parameter's value as it was given.
"""

from __future__ import annotations

import math
from numbers import Real

__all__ = ["format_number", "format_percent", "format_value", "MISSING"]

#: How a missing value (None, NaN) is shown.
MISSING = "-"


def _missing(x) -> bool:
    return x is None or (isinstance(x, Real) and not isinstance(x, bool) and math.isnan(x))


def _fixed(x: float, decimals: int) -> str:
    """``x`` with ``decimals`` decimals and thousands separators; no minus sign on a value
    that rounds to zero; infinities in words."""
    if math.isinf(x):
        return "infinite" if x > 0 else "minus infinite"
    text = f"{x:,.{decimals}f}"
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def format_number(x, unit: str) -> str:
    """A metric's value in ``unit`` as the ``run`` table shows it: ``0.7726`` (a share, ratio
    or level), ``9,604.3`` (a count), ``17,280.00`` (anything else); ``-`` when missing.
    The rule is :func:`simcenter.output.display.number`'s, so that ``repr(results)`` and
    the notebook table show the same digits.

    >>> format_number(0.77262, "fraction"), format_number(9604.33, "contacts"), format_number(1.5e7, "currency")
    ('0.7726', '9,604.3', '15,000,000.00')
    >>> format_number(float("nan"), "s"), format_number(-0.001, "s")
    ('-', '0.00')
    """
    from ..output.display import number

    return number(x, unit)


def format_percent(x, decimals: int = 2) -> str:
    """A fraction as a percentage: ``0.77262`` -> ``77.26%``; ``-`` when missing.

    >>> format_percent(0.77262), format_percent(1.0), format_percent(None)
    ('77.26%', '100.00%', '-')
    """
    if _missing(x):
        return MISSING
    return _fixed(float(x) * 100.0, decimals) + "%"


def format_value(v, significant: int | None = None) -> str:
    """A parameter's value as given, without scientific notation: ``0.15``, ``1,000``,
    ``0.0000001``, ``true``, ``"text"`` as is; with ``significant``, a number rounded to
    that many significant digits (a Latin hypercube's draws: ``0.123457``).

    >>> format_value(0.15), format_value(1000), format_value(1e-7), format_value(2.0), format_value(True)
    ('0.15', '1,000', '0.0000001', '2', 'true')
    >>> format_value(-0.5), format_value(12345.678), format_value(0.12345678901, significant=6)
    ('-0.5', '12,345.678', '0.123457')
    """
    if isinstance(v, bool):
        return "true" if v else "false"
    if _missing(v):
        return MISSING
    if isinstance(v, Real):
        if math.isinf(v):
            return _fixed(float(v), 0)
        if float(v).is_integer():
            return _fixed(float(v), 0)
        import numpy as np

        if significant:
            text = np.format_float_positional(float(v), precision=significant, unique=True, fractional=False, trim="-")
        else:
            text = np.format_float_positional(float(v), trim="-")  # the shortest digits that read back as v
        sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
        whole, _, frac = digits.partition(".")
        return f"{sign}{int(whole):,}" + (f".{frac}" if frac else "")
    return str(v)
