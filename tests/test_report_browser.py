"""The HTML report in a real browser: headless Chromium (Debian's ``chromium`` package;
``.ci/run`` installs it) renders the report of a run, of a three-axis sweep (every sweep
figure) and, in the full suite, of a sweep of 180 points and 45 metrics, in a window
1280 px wide, and checks what a reader would see:

* nothing overflows horizontally: the page is no wider than the window, and no element
  reaches past it except inside a table's own scrolling box;
* every image loaded (``naturalWidth > 0``);
* no console error or warning, no uncaught exception, no error in the browser's log
  (Chrome DevTools Protocol events ``Runtime.consoleAPICalled``,
  ``Runtime.exceptionThrown``, ``Log.entryAdded``);
* the table of contents' links land, the sweep table sorts and pages;
* printed (the print style, on an A4 sheet): nothing runs past the sheet's width, the
  controls are gone, every row is there, and ``Page.printToPDF`` gives a PDF.

Screenshots of each report's first screen (1280 x 900) are kept as test artifacts in
``test-artifacts/`` at the project root (git-ignored): ``report-run.png``,
``report-sweep.png`` and ``report-large-sweep.png``, beside ``report-run.pdf`` and
``report-sweep.pdf``.

The browser is driven over the DevTools protocol on a pipe (``tests/chromium.py``: no
port, no extra package). The tests skip only when no Chromium can be found, and say so.
"""

from pathlib import Path

import pytest

from simcenter.cli import main
from simcenter.report import applicable_kinds, load_results
from simcenter.sweep import sweep

from .chromium import Chromium, find_chromium

ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "test-artifacts"
WIDTH = 1280
#: A4 (210 mm) less the report's 12 mm print margins, in CSS pixels (96 per inch).
SHEET = round((210 - 2 * 12) / 25.4 * 96)

BROWSER = find_chromium()
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium found (/usr/bin/chromium, chromium, chromium-browser, "
                                "google-chrome; or SIMCENTER_CHROMIUM): install Debian's chromium package, as .ci/run does, "
                                "to run the browser tests")

SWEEP = {
    "base": str(ROOT / "scenarios/erlang_a.toml"),
    "replications": 2,
    "metrics": ["service_level", "asa_s", "abandon_rate", "cost", "agent_hours", "repeat_rate", "occupancy"],
    "set": {"simulation.days": 1, "simulation.warmup_days": 1, "calendar.open": "08:00", "calendar.close": "12:00",
            "contact_types[0].promise_prob": 0.6, "promises.notice_delay.mean_h": 4.0},
    "axes": {"agents.staffing": [13, 16, 19], "contact_types.general.noncompliance": [0.0, 0.3], "recovery.empowerment": [0.0, 1.0]},
}

#: Every element past the window's right (or left) edge that is not inside a table's
#: scrolling box; the page's own width; the images not loaded; links that land nowhere.
LAYOUT = """(() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if ((r.width || r.height) && (r.right > width + 0.5 || r.left < -0.5) && !el.closest(".scroll")) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
  }
  return {
    scrollWidth: document.documentElement.scrollWidth, clientWidth: width, outside: out.slice(0, 10),
    images: document.images.length,
    broken: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
    links: Array.from(document.querySelectorAll('a[href^="#"]')).length,
    nowhere: Array.from(document.querySelectorAll('a[href^="#"]')).map(a => a.getAttribute("href").slice(1))
      .filter(id => !document.getElementById(id)),
  };
})()"""


@pytest.fixture(scope="module")
def browser():
    with Chromium.start(BROWSER) as b:
        yield b


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The reports of a run and of a three-axis sweep, written by ``simcenter report``."""
    where = tmp_path_factory.mktemp("reports")
    assert main(["run", str(ROOT / "scenarios/erlang_a.toml"), "--set", "simulation.days=1", "--set", 'calendar.open="08:00"',
                 "--set", 'calendar.close="16:00"', "--replications", "3", "--out", str(where / "run")]) == 0
    sweep(SWEEP, executor="serial", out=where / "sweep")
    pages = {}
    for kind in ("run", "sweep"):
        assert main(["report", str(where / kind), "-o", str(where / f"{kind}.html")]) == 0
        pages[kind] = (where / f"{kind}.html", load_results(where / kind))
    return pages


def _check_screen(browser, page: Path, results, name: str) -> dict:
    browser.events.clear()
    browser.open(page, width=WIDTH)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / f"report-{name}.png")
    layout = browser.evaluate(LAYOUT)
    assert layout["clientWidth"] == WIDTH or layout["clientWidth"] >= WIDTH - 20  # a scroll bar may take its width
    assert layout["scrollWidth"] <= layout["clientWidth"], f"the page is {layout['scrollWidth']} px wide"
    assert layout["outside"] == [], layout["outside"]
    assert layout["images"] == len(applicable_kinds(results)) and layout["broken"] == []
    assert layout["links"] >= 4 and layout["nowhere"] == []
    assert browser.errors == []
    return layout


def _check_print(browser, rows_expected: int | None = None) -> None:
    """The print style on an A4 sheet's width: nothing past it, no controls, every row."""
    browser.call("Emulation.setDeviceMetricsOverride", {"width": SHEET, "height": 1100, "deviceScaleFactor": 1, "mobile": False})
    browser.media("print")
    try:
        layout = browser.evaluate(LAYOUT.replace('!el.closest(".scroll")', "true"))  # on paper nothing scrolls
        assert layout["outside"] == [], layout["outside"]
        assert browser.evaluate("""Array.from(document.querySelectorAll(".controls, .screen-only"))
            .filter(e => getComputedStyle(e).display !== "none").length""") == 0
        if rows_expected is not None:  # every point's row is printed (parts of a wide table each hold all of them)
            counts = browser.evaluate("""Array.from(document.querySelectorAll(".print-only table, #summary .scroll > table"))
                .filter(t => t.offsetParent !== null).map(t => Array.from(t.tBodies[0].rows).filter(r => r.offsetParent !== null).length)""")
            assert counts and all(c == rows_expected for c in counts), counts
    finally:
        browser.media("screen")
    assert browser.errors == []


def test_run_report_in_a_browser(browser, reports):
    page, results = reports["run"]
    _check_screen(browser, page, results, "run")
    _check_print(browser)
    pdf = browser.pdf()
    (ARTIFACTS / "report-run.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 20_000 and pdf.rstrip().endswith(b"%%EOF")
    assert browser.errors == []


def test_sweep_report_in_a_browser(browser, reports):
    page, results = reports["sweep"]
    assert applicable_kinds(results) == ["staffing-curve", "heatmap", "required-agents", "cost-frontier"]
    _check_screen(browser, page, results, "sweep")
    _check_sorting(browser, "#t-points", column=5, points=12)
    _check_print(browser, rows_expected=12)
    pdf = browser.pdf()
    (ARTIFACTS / "report-sweep.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 20_000 and pdf.rstrip().endswith(b"%%EOF")
    assert browser.errors == []


def _column(browser, table: str, column: int) -> list:
    return browser.evaluate(f"""Array.from(document.querySelectorAll("{table} tbody tr"))
        .filter(r => r.offsetParent !== null)
        .map(r => r.cells[{column}].getAttribute("data-v")).map(v => v === null ? null : Number(v))""")


def _check_sorting(browser, table: str, column: int, points: int) -> None:
    """A click on a metric's header sorts the rows by it, a second click the other way."""
    click = f'document.querySelector("{table} thead th:nth-child({column + 1}) button.sort").click()'
    browser.evaluate(click)
    up = _column(browser, table, column)
    browser.evaluate(click)
    down = _column(browser, table, column)
    assert up == sorted(up) and down == sorted(down, reverse=True) and len(up) == min(points, 50)
    assert browser.evaluate(f'document.querySelector("{table} thead th:nth-child({column + 1})").getAttribute("aria-sort")') == "descending"


@pytest.mark.slow  # a sweep of 360 runs first
def test_large_sweep_report_stays_readable(browser, tmp_path):
    """180 points x every metric (45 shown): the table scrolls in its own box with the
    parameters kept in view, sorts, pages 50 rows at a time, and prints in parts."""
    spec = {
        "base": str(ROOT / "scenarios/erlang_a.toml"), "replications": 2,
        "set": {"simulation.days": 1, "simulation.warmup_days": 0, "calendar.open": "09:00", "calendar.close": "11:00",
                "arrivals.calls_per_hour": 40.0, "contact_types[0].promise_prob": 0.6, "promises.notice_delay.mean_h": 0.5,
                "value.enabled": True},
        "axes": {"agents.staffing": list(range(2, 12)), "contact_types.general.noncompliance": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5],
                 "recovery.empowerment": [0.0, 0.5, 1.0]},
    }
    sweep(spec, executor="serial", out=tmp_path / "big")
    assert main(["report", str(tmp_path / "big"), "-o", str(tmp_path / "big.html")]) == 0
    results = load_results(tmp_path / "big")
    _check_screen(browser, tmp_path / "big.html", results, "large-sweep")
    heads = browser.evaluate('document.querySelectorAll("#t-points thead th").length')
    assert heads >= 1 + 3 + 40  # point, three parameters, the metrics shown
    box = browser.evaluate("""(() => { const b = document.querySelector("#t-points").parentNode;
        return [b.scrollWidth > b.clientWidth, b.getBoundingClientRect().right <= document.documentElement.clientWidth]; })()""")
    assert box == [True, True]  # wider than the window, so it scrolls in its own box, which fits the window
    # the point and its parameters stay in view when the table scrolls sideways
    stuck = browser.evaluate("""(() => { const b = document.querySelector("#t-points").parentNode; b.scrollLeft = 3000;
        const first = document.querySelector("#t-points tbody tr th").getBoundingClientRect();
        return [b.scrollLeft > 0, Math.round(first.left - b.getBoundingClientRect().left)]; })()""")
    assert stuck[0] and abs(stuck[1]) <= 2
    assert browser.evaluate('document.querySelector("#t-points-controls .status").textContent') == "rows 1 to 50 of 180"
    browser.evaluate('document.querySelector("#t-points-controls .next").click()')
    assert browser.evaluate('document.querySelector("#t-points-controls .status").textContent') == "rows 51 to 100 of 180"
    _check_sorting(browser, "#t-points", column=8, points=180)
    assert browser.evaluate('document.querySelector("#t-points-controls .status").textContent') == "rows 1 to 50 of 180"
    _check_print(browser, rows_expected=180)
    assert browser.errors == []


def test_the_checks_see_what_they_look_for(browser, tmp_path):
    """The checks above can fail: a page with a console error, an uncaught exception, a
    broken image, a missing script file, a dead link and an element wider than the window
    is caught on every count."""
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
                    '<a href="#nowhere">dead link</a><img alt="broken" src="data:image/png;base64,AAAA">'
                    '<div style="width:2000px">too wide</div><div class="scroll" style="overflow:auto">'
                    '<div style="width:3000px">wide inside a scrolling box: allowed</div></div>'
                    '<script src="missing.js"></script>'
                    '<script>console.error("something failed"); throw new Error("uncaught");</script></body></html>',
                    encoding="utf-8")
    browser.events.clear()
    browser.open(page, width=WIDTH)
    layout = browser.evaluate(LAYOUT)
    assert layout["scrollWidth"] > layout["clientWidth"]
    assert [x.split(" ")[0] for x in layout["outside"]] == ["div."]
    assert layout["broken"] == ["broken"] and layout["nowhere"] == ["nowhere"]
    errors = browser.errors
    assert any("something failed" in e for e in errors) and any("uncaught" in e for e in errors)
    assert any("missing.js" in e for e in errors), errors
