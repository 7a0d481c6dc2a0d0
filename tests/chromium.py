"""Headless Chromium driven over the Chrome DevTools Protocol, for tests that look at a page
as a browser shows it.

The browser is started with ``--remote-debugging-pipe``: the protocol's JSON messages,
each ended by a NUL byte, go to the browser on its file descriptor 3 and come back on 4.
No port is opened (tests on several workers cannot collide) and nothing beyond the
standard library is needed. Every console message, uncaught exception and log entry of
the page is kept (:attr:`Chromium.errors`), so a test can require that there was none.

    with Chromium.start() as browser:
        browser.open(Path("report.html"), width=1280)
        browser.evaluate("document.title")
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["Chromium", "find_chromium", "BrowserError"]

#: Where Debian's ``chromium`` package and the usual alternatives put the browser.
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Flags that keep the browser from reaching any network or doing background work.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync", "--disable-quic", "--disable-extensions", "--disable-default-apps",
         "--no-default-browser-check", "--mute-audio")


class BrowserError(RuntimeError):
    pass


def find_chromium() -> str | None:
    """The path of a Chromium (or Chrome) to drive, or None. ``SIMCENTER_CHROMIUM`` names one."""
    given = os.environ.get("SIMCENTER_CHROMIUM")
    for name in ((given,) if given else CANDIDATES):
        path = shutil.which(name) if name else None
        if path:
            return path
    return None


class Chromium:
    """One headless browser with one page; use :meth:`start` as a context manager."""

    def __init__(self, proc: subprocess.Popen, send_fd: int, recv_fd: int, profile: str):
        self._proc, self._send, self._recv, self._profile = proc, send_fd, recv_fd, profile
        self._buffer = b""
        self._next_id = 0
        self._session: str | None = None
        self.events: list[dict] = []

    @classmethod
    def start(cls, binary: str | None = None, timeout: float = 30.0) -> "Chromium":
        binary = binary or find_chromium()
        if binary is None:
            raise BrowserError("no Chromium found")
        profile = tempfile.mkdtemp(prefix="simcenter-chromium-")
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # the browser reads on its fd 3 and writes on its fd 4: a small Python step moves the pipe
        # ends there (out of the way first, whatever numbers they have) and becomes the browser
        keep = (to_browser_r, from_browser_w)
        move = ("import fcntl, os, sys; ends = [fcntl.fcntl(int(fd), fcntl.F_DUPFD_CLOEXEC, 10) for fd in sys.argv[1:3]]; "
                "os.dup2(ends[0], 3); os.dup2(ends[1], 4); os.execv(sys.argv[3], sys.argv[3:])")
        command = [sys.executable, "-c", move, str(keep[0]), str(keep[1]), binary, *FLAGS, "--remote-debugging-pipe",
                   f"--user-data-dir={profile}", "--window-size=1280,900", "about:blank"]
        try:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    pass_fds=keep, start_new_session=True)
        except Exception:
            for fd in (to_browser_w, from_browser_r):
                os.close(fd)
            shutil.rmtree(profile, ignore_errors=True)
            raise
        finally:
            for fd in keep:
                os.close(fd)
        browser = cls(proc, to_browser_w, from_browser_r, profile)
        browser.timeout = timeout
        try:
            target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            browser._session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                browser.call(f"{domain}.enable")
        except BaseException:
            browser.close()
            raise
        return browser

    # -- the protocol ---------------------------------------------------------------------

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("the browser did not answer in time")
            ready, _, _ = select.select([self._recv], [], [], left)
            if ready:
                chunk = os.read(self._recv, 1 << 20)
                if not chunk:
                    raise BrowserError(f"the browser closed the pipe (exit code {self._proc.poll()})")
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: bool = True) -> dict:
        """Send one command (to the page's session once attached) and return its result;
        events that arrive meanwhile are kept in :attr:`events`."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self._session:
            message["sessionId"] = self._session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._send, data):]
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, timeout: float | None = None) -> dict:
        """The first event ``method`` not yet waited for (kept events included)."""
        for i, event in enumerate(self.events):
            if event["method"] == method and not event.get("_seen"):
                event["_seen"] = True
                return event
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            event = self._read_message(deadline)
            if "method" in event:
                self.events.append(event)
                if event["method"] == method:
                    event["_seen"] = True
                    return event

    # -- what a test uses -------------------------------------------------------------------

    def open(self, path: Path, width: int = 1280, height: int = 900) -> None:
        """Load the file at ``path`` in a window ``width`` pixels wide and wait until it
        has loaded (images included)."""
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.call("Page.navigate", {"url": Path(path).resolve().as_uri()})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (JSON-able values)."""
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:60]}...: {result['exceptionDetails'].get('exception', {}).get('description')}")
        return result["result"].get("value")

    def media(self, media: str) -> None:
        """Show the page as for ``"print"`` or ``"screen"``."""
        self.call("Emulation.setEmulatedMedia", {"media": media})

    def screenshot(self, path: Path) -> Path:
        """A PNG of what the window shows now."""
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)

    def pdf(self) -> bytes:
        """The page printed to PDF (A4 and margins as its print style asks)."""
        return base64.b64decode(self.call("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": False})["data"])

    @property
    def errors(self) -> list[str]:
        """Every console error or warning, uncaught exception and error log entry so far."""
        found = []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                found.append(f"console.{p['type']}: " + " ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif e["method"] == "Runtime.exceptionThrown":
                details = p.get("exceptionDetails", {})
                found.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}")
            elif e["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
                entry = p["entry"]
                found.append(f"log {entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip())
        return found

    def close(self) -> None:
        try:
            if self._proc.poll() is None:
                try:
                    self.call("Browser.close", session=False)
                except (BrowserError, OSError):
                    pass
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
        finally:
            for fd in (self._send, self._recv):
                try:
                    os.close(fd)
                except OSError:
                    pass
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
