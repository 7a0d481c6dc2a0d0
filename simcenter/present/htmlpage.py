"""The HTML of a self-contained page: its style for screen and print, and tables that stay
readable at any size.

A report is mailed, opened offline and printed to PDF, so everything it needs is inside
it: the style sheet, a few lines of script, no fonts or libraries from a network. A table
(:func:`table`) sits in a box of its own that scrolls when it is wider or longer than
the page, so the page itself never runs off the screen; a long table can be sorted by any
column (a click on its header) and paged; on paper every row is printed, the controls are
left out, and a table too wide for the sheet is printed in parts, each repeating the
leading columns (the point's parameters, the metric's name).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

__all__ = ["Cell", "Column", "table", "page", "STYLE", "SCRIPT", "PRINT_WIDTH_PX"]

#: The width a printed table may take: A4 less 12 mm margins, at 96 px per inch.
PRINT_WIDTH_PX = 700
#: Pixels per character of a table cell (8.5 pt system sans-serif, digits) and per cell of padding.
_CHAR_PX, _PAD_PX = 6.8, 14


@dataclass(frozen=True)
class Cell:
    """One cell: ``html`` shown (already escaped), ``value`` it sorts by (None sorts last),
    ``title`` shown on hover."""

    html: str
    value: float | str | None = None
    title: str = ""


@dataclass(frozen=True)
class Column:
    """A column: its header (escaped HTML), a tooltip, and whether it *leads* (names the row:
    repeated in every printed part of a table too wide for the sheet)."""

    head: str
    title: str = ""
    lead: bool = False
    align: str = "right"


def _width(column: Column, cells: list[Cell]) -> float:
    """A column's width on paper, estimated from its longest line (headers wrap at spaces)."""
    import re

    def longest(text: str, words: bool) -> int:
        lines = re.split(r"<br\s*/?>|<wbr>", text)
        plain = [re.sub(r"<[^>]+>", "", html.unescape(x) if "&" in x else x) for x in lines]
        return max((len(w) for x in plain for w in (x.split() if words else [x])), default=0)

    widest = max([longest(column.head, True)] + [longest(c.html, False) for c in cells])
    return widest * _CHAR_PX + _PAD_PX


def _parts(columns: list[Column], rows: list[list[Cell]]) -> list[list[int]]:
    """The columns of each printed part: every leading column, then as many others as the
    sheet holds (at least one)."""
    lead = [i for i, c in enumerate(columns) if c.lead]
    widths = [_width(c, [r[i] for r in rows]) for i, c in enumerate(columns)]
    room = PRINT_WIDTH_PX - sum(widths[i] for i in lead)
    parts: list[list[int]] = []
    current: list[int] = []
    used = 0.0
    for i, c in enumerate(columns):
        if c.lead:
            continue
        if current and used + widths[i] > room:
            parts.append(current)
            current, used = [], 0.0
        current.append(i)
        used += widths[i]
    if current or not parts:
        parts.append(current)
    return [lead + p for p in parts]


def _sort_key(value) -> str:
    """A cell's value as the script sorts it: numbers in plain digits (never ``1e-05``)."""
    if isinstance(value, float):
        import numpy as np

        return np.format_float_positional(value, trim="-") if math.isfinite(value) else ""
    return str(value)


def _cell_html(cell: Cell, align: str, tag: str = "td", sortable: bool = True) -> str:
    attrs = f' data-v="{html.escape(_sort_key(cell.value))}"' if cell.value is not None and sortable else ""
    attrs += f' title="{html.escape(cell.title)}"' if cell.title else ""
    attrs += ' class="left"' if align == "left" else ""
    return f"<{tag}{attrs}>{cell.html}</{tag}>"


def _table_html(columns: list[Column], rows: list[list[Cell]], which: list[int], caption: str, ident: str = "",
                sortable: bool = False, per_page: int = 0) -> str:
    classes = ["data"] + (["js-table"] if sortable or per_page else [])
    attrs = f' id="{ident}"' if ident else ""
    attrs += f' data-page="{per_page}"' if per_page else ""
    head = []
    for i in which:
        c = columns[i]
        title = f' title="{html.escape(c.title)}"' if c.title else ""
        cls = ' class="left"' if c.align == "left" else ""
        label = f'<button type="button" class="sort">{c.head}</button>' if sortable else c.head
        lead = " data-lead" if c.lead else ""
        head.append(f'<th scope="col"{title}{cls}{lead}>{label}</th>')
    keys = bool(sortable or per_page)  # only the table the script sorts needs the values it sorts by
    body = ["<tr>" + "".join(_cell_html(r[i], columns[i].align, "th" if columns[i].lead and i == which[0] else "td", keys)
                             for i in which) + "</tr>" for r in rows]
    return (f'<table class="{" ".join(classes)}"{attrs} aria-label="{html.escape(_plain(caption))}"><thead><tr>{"".join(head)}</tr>'
            f'</thead><tbody>{"".join(body)}</tbody></table>')


def table(ident: str, columns: list[Column], rows: list[list[Cell]], caption: str, sortable: bool = False,
          per_page: int = 0) -> str:
    """A table in a box of its own, scrolling when it is wider or longer than the page;
    ``sortable``: a click on a header sorts by that column (again: the other way);
    ``per_page``: shown that many rows at a time, with controls to page (only when it has
    more rows). On paper: every row, no controls, and in parts if too wide for the sheet."""
    per_page = per_page if per_page and len(rows) > per_page else 0
    controls = ""
    if per_page:
        sizes = sorted({10, 25, 50, 100, 250, per_page})
        options = "".join(f'<option value="{n}"{" selected" if n == per_page else ""}>{n}</option>' for n in sizes)
        controls = (f'<div class="controls" id="{ident}-controls" hidden><label>Rows per page <select class="size">{options}'
                    f'<option value="0">all</option></select></label> <button type="button" class="prev">Previous</button> '
                    f'<span class="status" aria-live="polite"></span> <button type="button" class="next">Next</button></div>')
    parts = _parts(columns, rows)
    whole = _table_html(columns, rows, list(range(len(columns))), caption, ident, sortable, per_page)
    region = (f'<p class="table-title">{caption}</p>{controls}'
              f'<div class="scroll" role="region" aria-label="{html.escape(_plain(caption))}" tabindex="0">{whole}</div>')
    if len(parts) == 1:
        return region
    printed = "".join(f'<p class="table-title">{caption} (part {k} of {len(parts)})</p>'
                      f'<div class="scroll">{_table_html(columns, rows, p, f"{caption} (part {k} of {len(parts)})")}</div>'
                      for k, p in enumerate(parts, 1))
    return f'<div class="screen-only">{region}</div><div class="print-only">{printed}</div>'


def _plain(text: str) -> str:
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", text))


#: The page's style: readable on a screen of any width, and on paper.
STYLE = """
:root{--ink:#1f2328;--muted:#59636e;--line:#d0d7de;--head:#f3f5f7;--mark:#fff3bf}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);line-height:1.45;max-width:72rem;
 margin:0 auto;padding:1.5rem 1.25rem 3rem}
h1{font-size:1.7rem;margin:.2rem 0 .4rem}h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:1px solid var(--line);
 padding-bottom:.2rem}h3{font-size:1.05rem;margin:1.6rem 0 .4rem}
p,li,dd,figcaption,caption{overflow-wrap:anywhere}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
.muted,.note{color:var(--muted)}.note{font-size:.9rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.8rem 0}dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
nav.toc{background:var(--head);border:1px solid var(--line);border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
nav.toc h2{font-size:1rem;border:0;margin:.3rem 0}nav.toc ol{margin:.2rem 0;padding-left:1.4rem}
nav.toc>ol{display:flex;flex-wrap:wrap;gap:.2rem 2.2rem}nav.toc>ol>li{padding-left:.2rem}
nav.toc ol ol{display:inline;padding:0}nav.toc ol ol li{display:inline}
nav.toc ol ol::before{content:": "}nav.toc ol ol li+li::before{content:" \\00B7  "}
.scroll{width:fit-content;max-width:100%;overflow:auto;max-height:80vh;margin:.5rem 0 1rem;border:1px solid var(--line);
 border-radius:4px}
table.data{border-collapse:separate;border-spacing:0;font-size:.85rem;font-variant-numeric:tabular-nums}
.table-title{font-weight:600;font-size:.9rem;margin:1rem 0 .3rem;break-after:avoid}
table.data th,table.data td{border-bottom:1px solid var(--line);border-right:1px solid var(--line);padding:.25rem .5rem;
 text-align:right;vertical-align:top}
table.data th.left,table.data td.left{text-align:left}
table.data thead th{background:var(--head);position:sticky;top:0;z-index:1;vertical-align:bottom}
table.data tbody th{font-weight:normal;text-align:left;background:#fff}
table.data tbody tr:nth-child(even) td{background:#fafbfc}
table.data .stuck{position:sticky;z-index:1;background:#fff}
table.data tbody tr:nth-child(even) .stuck{background:#fafbfc}
table.data thead th.stuck{z-index:2;background:var(--head)}
table.data small{color:var(--muted);white-space:nowrap}
table.data code{color:var(--muted);font-size:.75rem}
table.data th code{overflow-wrap:normal}
.js-table tr.off{display:none}
button.sort{all:unset;cursor:pointer;display:block}
button.sort:focus-visible{outline:2px solid #0969da}
button.sort::after{content:" \\21C5";font-size:.8em;color:var(--muted)}
th[aria-sort=ascending] button.sort::after{content:" \\25B2";font-size:.7em;color:var(--ink)}
th[aria-sort=descending] button.sort::after{content:" \\25BC";font-size:.7em;color:var(--ink)}
.controls{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;font-size:.9rem;margin:.6rem 0 .2rem}
.controls[hidden]{display:none}
.print-only{display:none}
figure{margin:1rem 0 2rem;break-inside:avoid;page-break-inside:avoid}
figure img{max-width:100%;height:auto;display:block;border:1px solid var(--line)}
figcaption{font-size:.92rem;margin-top:.4rem;max-width:50rem}
pre.toml{background:#f6f8fa;border:1px solid var(--line);border-radius:4px;padding:.8rem;font-size:.8rem;white-space:pre-wrap;
 overflow-wrap:anywhere}
pre.toml mark{background:var(--mark);padding:0 .15rem}
pre.toml .comment{color:#6e4c00}
a{color:#0969da}
@media print{
 @page{size:A4;margin:12mm}
 body{max-width:none;margin:0;padding:0;font-size:10pt}
 h2{break-before:auto;break-after:avoid}h3{break-after:avoid}
 nav.toc{break-inside:avoid;background:none}
 a{color:inherit;text-decoration:none}
 .controls,.screen-only{display:none!important}
 .print-only{display:block}
 .scroll{overflow:visible;max-height:none;border:0}
 table.data{font-size:8.5pt}
 table.data thead{display:table-header-group}
 table.data thead th,table.data .stuck{position:static}
 table.data tr{break-inside:avoid;page-break-inside:avoid}
 .js-table tr.off{display:table-row}
 button.sort::after,th[aria-sort] button.sort::after{content:none}
 figure img{max-height:24cm;width:auto;border:0}
 pre.toml{font-size:7.5pt;border:0;background:none}
}
"""

#: The page's only script: sorting and paging of the tables made by :func:`table`.
SCRIPT = """
(function () {
  "use strict";
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  function key(cell) {
    var v = cell ? cell.getAttribute("data-v") : null;
    if (v === null || v === "") { return null; }
    return isNaN(Number(v)) ? v.toLowerCase() : Number(v);
  }
  each(document.querySelectorAll("table.data"), function (table) {
    // the leading columns stay in view while a wide table scrolls sideways
    var leads = Array.prototype.filter.call(table.tHead.rows[0].cells, function (th) { return th.hasAttribute("data-lead"); });
    function stick() {
      var left = 0, wide = table.scrollWidth > table.parentNode.clientWidth, room = table.parentNode.clientWidth / 2;
      leads.forEach(function (th) {
        var x = left, on = wide && x + th.getBoundingClientRect().width <= room;
        each(table.rows, function (row) {
          var cell = row.cells[th.cellIndex];
          if (cell) { cell.classList.toggle("stuck", on); cell.style.left = on ? x + "px" : ""; }
        });
        left += th.getBoundingClientRect().width;
      });
    }
    if (leads.length) { stick(); window.addEventListener("resize", stick); }
  });
  each(document.querySelectorAll("table.js-table"), function (table) {
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var size = Number(table.getAttribute("data-page")) || 0, page = 0;
    var box = document.getElementById(table.id + "-controls");
    function show() {
      if (!box) { return; }
      var pages = size ? Math.ceil(rows.length / size) : 1;
      page = Math.min(Math.max(page, 0), pages - 1);
      rows.forEach(function (row, i) { row.classList.toggle("off", size > 0 && Math.floor(i / size) !== page); });
      var first = size ? page * size + 1 : 1, last = size ? Math.min(rows.length, (page + 1) * size) : rows.length;
      box.querySelector(".status").textContent = "rows " + first + " to " + last + " of " + rows.length;
      box.querySelector(".prev").disabled = page === 0;
      box.querySelector(".next").disabled = page >= pages - 1;
    }
    each(table.querySelectorAll("thead button.sort"), function (button) {
      button.addEventListener("click", function () {
        var th = button.parentNode, col = th.cellIndex, up = th.getAttribute("aria-sort") !== "ascending";
        each(table.querySelectorAll("thead th[aria-sort]"), function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        rows.sort(function (a, b) {  // stable: equal values keep their order; no value last either way
          var x = key(a.cells[col]), y = key(b.cells[col]);
          if (x === null || y === null) { return (x === null) - (y === null); }
          return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
        page = 0;
        show();
      });
    });
    if (box) {
      box.hidden = false;
      box.querySelector(".size").addEventListener("change", function (e) { size = Number(e.target.value); page = 0; show(); });
      box.querySelector(".prev").addEventListener("click", function () { page -= 1; show(); });
      box.querySelector(".next").addEventListener("click", function () { page += 1; show(); });
      show();
    }
  });
})();
"""


def page(title: str, body: str, generator: str) -> str:
    """The whole page around ``body``: its head, style and script; nothing fetched."""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta name="generator" content="{html.escape(generator)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        body,
        f"<script>{SCRIPT}</script>",
        "</body></html>",
    ])
