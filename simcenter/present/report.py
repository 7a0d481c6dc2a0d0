"""Saved results to a self-contained HTML report.

:func:`html_report` puts the scenario, the summary table and every figure that applies
(:mod:`simcenter.present.figures`) into one HTML page with the images inline (base64 PNG),
so it opens anywhere without network access.
"""

from __future__ import annotations

import base64
import html
import io

from ..outputs import FileKind
from .figures import KINDS, PLOT_KINDS, applicable_kinds, figure, required_agents_table
from .saved import SavedResults, load_results

__all__ = ["SavedResults", "load_results", "figure", "applicable_kinds", "html_report", "REPORT_FILE", "PLOT_KINDS", "KINDS", "required_agents_table"]

#: The HTML report, recognised as simcenter's by its generator tag.
REPORT_FILE = FileKind("report", (".html", ".htm"))


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def html_report(r: SavedResults, target: float = 0.8, progress=None) -> str:
    """One self-contained HTML page: the scenario, the summary table, and every plot that
    applies, images inline. ``progress``, if given, is called with 1 after each figure is
    drawn (:meth:`simcenter.present.progress.Progress.update` fits; there are
    ``len(applicable_kinds(r))`` figures)."""
    from .. import __version__

    s = r.scenario
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f'<meta name="generator" content="simcenter {__version__}">',
        f"<title>simcenter report: {html.escape(s.name or '')}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}"
        "table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}"
        "th{background:#f3f3f3}pre{background:#f7f7f7;padding:1rem;overflow:auto;font-size:.8rem}"
        "img{max-width:100%;display:block;margin:1rem 0}</style></head><body>",
        f"<h1>simcenter report: {html.escape(s.name or '')}</h1>",
        f"<p>{html.escape(s.description or '')}</p>",
        f"<p>{'Sweep over ' + html.escape(', '.join(r.parameters)) if r.kind == 'sweep' else 'Run'} "
        f"from <code>{html.escape(str(r.path))}</code>; simcenter {__version__}; service-level target {target:g} "
        f"within {s.service_level.target_s:g} s.</p>",
        "<h2>Summary</h2>",
    ]
    if r.kind == "sweep":
        from ..planning.tradeoff import wide

        table = wide(r.summary).drop(columns=["run_id"])
    else:
        table = r.summary
    parts.append(table.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0))
    parts.append("<h2>Figures</h2>")
    for kind in applicable_kinds(r):
        fig = figure(r, kind, target=target)
        parts.append(f"<h3>{html.escape(kind)}</h3>")
        parts.append(f'<img alt="{html.escape(kind)}" src="data:image/png;base64,{_png(fig)}">')
        if progress is not None:
            progress(1)
    parts.append("<h2>Scenario</h2>")
    parts.append(f"<pre>{html.escape(s.to_toml())}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)
