"""The harness of the hostile corpus: what a careless or hostile user does to simcenter,
run as that user meets it, as a real process. The cases run from two test files,
`test_hostile_inputs.py` and `test_hostile_runs.py`, so that the parallel runner shares
them between its workers.

Each case in `tests/hostile/cases.toml` builds a directory (scenario files, FIFOs, links,
results of earlier runs, damaged copies of them, a scheduler that never speaks), runs one
`simcenter` command there and checks the promise of `docs/background/guarantees.md`: the
exit code the case names (2 for input refused, 1 for a failure while running, 128+n for a
signal), exactly one line on stderr containing the expected words, no traceback, nothing
on stdout, nothing in the directory written, changed or removed, within 10 s and 2 GB of
memory, and no process of the command left behind.

The setup steps, one string each (paths relative to the case's directory):

    copy SRC [DEST]        a file from tests/hostile/ (or scenarios/NAME from the project)
    fifo NAME              a named pipe nobody writes to
    mkdir NAME             a directory
    symlink TARGET NAME    a symbolic link
    hardlink TARGET NAME   a second name for the same file
    sparse NAME BYTES      a file of BYTES zero bytes (sparse, costs no disk)
    results KIND DIR       results of a real command: KIND is run, people or sweep
    replace FILE OLD NEW   FILE with the first OLD replaced by NEW (text)
    truncate FILE BYTES    FILE cut to BYTES bytes (fewer than it has: a cut never adds bytes)
    droplines FILE N       FILE without its last N lines
    append FILE TEXT       TEXT added at the end of FILE
    delete FILE            FILE removed
    rmtree DIR             DIR and all it holds removed

and two tables, `files` (name = text, TOML escapes allowed) and `binary` (name = hex), for
files written verbatim. A step, an argument or a file's text may be a list of parts, each a
string or `[text, times]`, joined: `["a = ", ["[", 2000], ["]", 2000]]` nests 2,000 deep.
In `args`, `{port}` is a TCP port that accepts connections and never answers, `{closed}` a
port nobody listens on. A case with `signal` sends it `after` seconds once the command has
installed its signal handlers.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
HOSTILE = ROOT / "tests" / "hostile"
CASES = tomllib.loads((HOSTILE / "cases.toml").read_text(encoding="utf-8"))["case"]
CLASSES = {
    "overwrite": "overwriting what the user owns",
    "endless": "never ending on a valid scenario",
    "memory": "memory blown on a valid scenario",
    "hang": "hanging on input that cannot answer",
    "ignored": "silently ignoring what the user asked",
    "traceback": "tracebacks",
    "leftovers": "processes and files left behind",
    "smaller": "smaller ones",
}
SECONDS = 10.0
MAX_RSS_BYTES = 2 * 1024**3


# -- the results a case can start from -----------------------------------------------------


def _simcenter(args: list[str], cwd: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "simcenter", *args], cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def cases_of(*classes: str) -> list:
    """The corpus's cases of these classes, as pytest parameters named by the cases."""
    return [pytest.param(case, id=case["name"]) for case in CASES if case["class"] in classes]


def make_results(where: Path) -> Path:
    """Real results, made once per test file: a run, a run with agents as people, a sweep."""
    for name in ("small.toml", "workforce.toml", "sweep.toml"):
        shutil.copy(HOSTILE / name, where / name)
    shutil.copy(HOSTILE / "small.toml", where / "scenario.toml")
    _simcenter(["run", "small.toml", "--out", "run"], where)
    _simcenter(["run", "workforce.toml", "--out", "people"], where)
    _simcenter(["sweep", "sweep.toml", "--out", "sweep", "--serial", "--quiet"], where)
    return where


def _text(value) -> str:
    """A string, or a list of parts: strings and [text, times]."""
    if isinstance(value, str):
        return value
    return "".join(part if isinstance(part, str) else part[0] * part[1] for part in value)


def _setup(case: dict, where: Path, made: Path) -> None:
    for step in case.get("setup", []):
        op, *a = shlex.split(_text(step))
        if op == "copy":
            src = ROOT / a[0] if a[0].startswith("scenarios/") else HOSTILE / a[0]
            shutil.copy(src, where / (a[1] if len(a) > 1 else Path(a[0]).name))
        elif op == "fifo":
            os.mkfifo(where / a[0])
        elif op == "mkdir":
            (where / a[0]).mkdir(parents=True)
        elif op == "symlink":
            os.symlink(a[0], where / a[1])
        elif op == "hardlink":
            os.link(where / a[0], where / a[1])
        elif op == "sparse":
            with open(where / a[0], "wb") as f:
                f.truncate(int(a[1]))
        elif op == "results":
            shutil.copytree(made / a[0], where / a[1])
        elif op == "replace":
            path = where / a[0]
            text = path.read_text(encoding="utf-8")
            assert a[1] in text, f"{step}: {a[1]!r} not in {a[0]}"
            path.write_text(text.replace(a[1], a[2], 1), encoding="utf-8")
        elif op == "truncate":
            size = (where / a[0]).stat().st_size
            assert int(a[1]) < size, f"{step}: {a[0]} has {size} bytes, so cutting it to {a[1]} would not cut it"
            os.truncate(where / a[0], int(a[1]))
        elif op == "droplines":
            path = where / a[0]
            lines = path.read_bytes().splitlines(keepends=True)
            assert len(lines) > int(a[1]), f"{step}: {a[0]} has only {len(lines)} lines"
            path.write_bytes(b"".join(lines[: len(lines) - int(a[1])]))
        elif op == "append":
            with open(where / a[0], "a", encoding="utf-8") as f:
                f.write(a[1])
        elif op == "delete":
            (where / a[0]).unlink()
        elif op == "rmtree":
            shutil.rmtree(where / a[0])
        else:
            raise AssertionError(f"unknown setup step {step!r}")
    for name, text in case.get("files", {}).items():
        (where / name).write_text(_text(text), encoding="utf-8")
    for name, hexdata in case.get("binary", {}).items():
        (where / name).write_bytes(bytes.fromhex(hexdata))


def _snapshot(where: Path) -> dict:
    """Every name under `where` with its kind, mode and (for files) size and content hash."""
    seen = {}
    for dirpath, dirnames, filenames in os.walk(where):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = os.lstat(path)
            entry = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode))
            if stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                with open(path, "rb") as f:
                    if st.st_size > 2**26:  # a huge (sparse) file: its ends and its times
                        h.update(f.read(1 << 20) + f.seek(-(1 << 20), 2).to_bytes(8) + f.read())
                        h.update(str((st.st_mtime_ns, st.st_ctime_ns)).encode())
                    else:
                        for block in iter(lambda: f.read(1 << 20), b""):
                            h.update(block)
                entry += (st.st_size, h.hexdigest())
            elif stat.S_ISLNK(st.st_mode):
                entry += (os.readlink(path),)
            seen[str(path.relative_to(where))] = entry
    return seen


class _SilentServer:
    """A TCP port that accepts connections and never says a word."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_processes(sid: int) -> list[int]:
    """Processes still alive in the session the command was started in."""
    left = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            left.append(int(entry))
    return left


def _handles_sigterm(pid: int) -> bool:
    """Whether the process has installed its own SIGTERM handler (simcenter does in main)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    except OSError:
        pass
    return False


def _run(args: list[str], where: Path, case: dict) -> tuple[int, str, str, float, int]:
    out, err = where.parent / f"{where.name}.stdout", where.parent / f"{where.name}.stderr"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMCENTER_")}
    env["PYTHONPATH"] = str(ROOT)
    started = time.monotonic()
    with open(out, "wb") as fo, open(err, "wb") as fe:
        proc = subprocess.Popen([sys.executable, "-m", "simcenter", *args], cwd=where, stdin=subprocess.DEVNULL,
                                stdout=fo, stderr=fe, env=env, start_new_session=True)
    signalled = False
    armed = None
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        elapsed = time.monotonic() - started
        if "signal" in case and not signalled:
            if armed is None and _handles_sigterm(proc.pid):
                armed = time.monotonic()
            if armed is not None and time.monotonic() - armed >= case["after"]:
                os.kill(proc.pid, getattr(signal, case["signal"]))
                signalled = True
        if elapsed > SECONDS:
            os.killpg(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            pytest.fail(f"still running after {SECONDS:.0f} s: simcenter {shlex.join(args)}")
        time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    deadline = time.monotonic() + SECONDS
    while (left := session_processes(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left behind: {left}"
    code = 128 - proc.returncode if proc.returncode < 0 else proc.returncode
    return code, out.read_text(errors="replace"), err.read_text(errors="replace"), elapsed, rusage.ru_maxrss * 1024


def check_case(case: dict, tmp_path: Path, made: Path) -> None:
    """Build the case's directory, run its command, check every promise."""
    where = tmp_path / "case"
    where.mkdir()
    _setup(case, where, made)
    server = _SilentServer() if any("{port}" in _text(a) for a in case["args"]) else None
    try:
        ports = {"port": server.port if server else 0, "closed": _closed_port()}
        args = [_text(a).replace("{port}", str(ports["port"])).replace("{closed}", str(ports["closed"])) for a in case["args"]]
        before = _snapshot(where)
        code, out, err, elapsed, rss = _run(args, where, case)
    finally:
        if server:
            server.close()
    command = f"simcenter {shlex.join(args)}"
    assert "Traceback" not in err, f"{command}\n{err}"
    assert err.count("\n") == 1 and err.endswith("\n"), f"{command}: not one line on stderr:\n{err}"
    assert case["expect"] in err, f"{command}: {err!r} does not say {case['expect']!r}"
    assert code == case["exit"], f"{command}: exit {code}, not {case['exit']}: {err}"
    assert out == "", f"{command}: printed {out[:200]!r}"
    assert _snapshot(where) == before, f"{command}: changed the directory"
    assert rss < MAX_RSS_BYTES, f"{command}: {rss / 1e9:.1f} GB"
    assert elapsed < SECONDS
