"""Executors: where a sweep's runs are computed, in this process, on a local process pool,
or on Dask, with the same numbers everywhere.

A sweep hands an executor chunks of (point, replication) runs; the executor calls
``finished(rows)`` as each chunk ends, in whatever order. Every run draws from its own
seeded streams, so where and in which order a chunk runs changes nothing in its rows.

The executors are listed once, in :data:`EXECUTORS`: the ``simcenter sweep`` options and
their documentation come from that registry. Adding one is an entry there plus the function
that opens it.

Workers never outlive the command. Pool workers and Dask LocalCluster processes watch the
process that started them and exit within a second when it is gone, however it went
(Ctrl-C, SIGTERM, SIGKILL); an interrupted sweep stops its pool's workers at once, without
waiting for the chunks in flight. Connecting to a Dask scheduler is bounded by
:data:`CONNECT_TIMEOUT` seconds, handshake included, so an address that accepts the
connection but never answers is an error, not a hang.
"""

from __future__ import annotations

import logging
import math
import os
import re
import socket
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

from ..errors import RunFailure, SimcenterError

__all__ = ["EXECUTORS", "Executor", "run_chunk", "chunks", "parse_scheduler", "watch_parent", "CONNECT_TIMEOUT"]

#: Seconds to reach a Dask scheduler and hear its handshake (a scheduler on the same
#: network answers in milliseconds).
CONNECT_TIMEOUT = 6.0
#: A sweep is cut into at most this many chunks, whatever the executor: small sweeps send
#: one run per task, large ones enough runs per task that scheduling costs little.
MAX_CHUNKS = 256


def run_chunk(chunk: list, scenarios: dict, seeds: dict, metrics: tuple) -> list[dict]:
    """Run a chunk of (point, replication) tasks; one row of metrics each."""
    from ..model.center import run_replication
    from ..model.counters import COUNTERS
    from ..output.analysis import reported
    from ..output.metrics import metrics_from_sums

    rows = []
    for point, rep in chunk:
        scenario = scenarios[point]
        counters = run_replication(scenario, seeds[point], rep)
        values = metrics_from_sums({k: reported(scenario, counters[k]).sum() for k in COUNTERS}, scenario.costs)
        rows.append({"run_id": point, "replication": rep, **{m: _value(m, values, counters, scenario) for m in metrics}})
    return rows


def _value(name: str, values: dict, counters: dict, scenario) -> float:
    """A metric of the run, or, for ``metric[queue]``, of one queue (NaN if the run's
    scenario has no such queue)."""
    from ..output.breakdown import split_metric

    m, queue = split_metric(name)
    if queue is None:
        return float(values[name])
    from ..output.analysis import reported
    from ..output.metrics import metric

    names = [c.name for c in scenario.contact_types]
    if queue not in names:
        return math.nan
    books = counters["queues"][names.index(queue)]
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        return float(metric(m, {k: reported(scenario, v).sum() for k, v in books.items()}))


def chunks(tasks: list) -> list[list]:
    """The tasks cut into at most :data:`MAX_CHUNKS` chunks that depend on the tasks alone."""
    size = max(1, math.ceil(len(tasks) / MAX_CHUNKS))
    return [tasks[i: i + size] for i in range(0, len(tasks), size)]


def _parts(chunk: list, scenarios: dict, seeds: dict) -> tuple[dict, dict]:
    points = {p for p, _ in chunk}
    return {p: scenarios[p] for p in points}, {p: seeds[p] for p in points}


# -- watching the parent ----------------------------------------------------------------------


def watch_parent(pid: int) -> None:
    """In a worker process: exit as soon as process ``pid`` (the command that started the
    worker) has ended, however it ended. A daemon thread waits on a pidfd where Linux
    offers one, and otherwise looks every half second."""

    def alive() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        try:  # a killed parent not yet reaped is a zombie: as good as gone
            with open(f"/proc/{pid}/stat", "rb") as fh:
                return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
        except (OSError, IndexError):
            return True

    def wait() -> None:
        import select
        import time

        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            fd = None
        while alive():
            if fd is not None:
                select.select([fd], [], [], 0.5)
            else:
                time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=wait, name="simcenter-watch-parent", daemon=True).start()


# -- the executors ------------------------------------------------------------------------------


@contextmanager
def _serial(workers: int, scheduler: str | None):
    def run_serial(tasks, scenarios, seeds, metrics, finished, tag=""):
        for chunk in tasks:
            finished(run_chunk(chunk, *_parts(chunk, scenarios, seeds), metrics))

    yield run_serial


@contextmanager
def _process_pool(workers: int, scheduler: str | None):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    # Workers fork from a clean server process that has imported simcenter once: no fork of
    # this (possibly threaded) process, and no re-import of numpy, pandas and scipy per worker.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["simcenter.run.executors", "simcenter.model.center"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=watch_parent, initargs=(os.getpid(),))

    def run_pool(tasks, scenarios, seeds, metrics, finished, tag=""):
        try:
            futures = [pool.submit(run_chunk, chunk, *_parts(chunk, scenarios, seeds), metrics) for chunk in tasks]
            for future in as_completed(futures):
                finished(future.result())
        except BrokenProcessPool:
            raise RunFailure("the process pool's workers stopped before their runs ended (killed, or out of memory); from a Python "
                             'script, call simcenter.sweep() under `if __name__ == "__main__":` as multiprocessing requires, '
                             'or use executor="serial"') from None

    try:
        yield run_pool
    except BaseException:
        # interrupted or failed: stop the workers now, not after the chunks in flight
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(5)
        raise
    else:
        pool.shutdown(wait=True)


_ADDRESS = re.compile(r"(?:(?P<scheme>tcp|tls)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))(?::(?P<port>\d{1,5}))")


def parse_scheduler(address: str) -> str:
    """A Dask scheduler address, checked and written out in full (``tcp://`` when no
    scheme is given): ``tcp://HOST:PORT`` or ``tls://HOST:PORT``."""
    if not isinstance(address, str) or not address.strip():
        raise SimcenterError("--scheduler: give the address of a running Dask scheduler, e.g. tcp://127.0.0.1:8786")
    match = _ADDRESS.fullmatch(address.strip())
    if not match or not 1 <= int(match["port"]) <= 65_535:
        shown = address if len(address) <= 80 else address[:77] + "..."
        raise SimcenterError(f"--scheduler {shown!r}: not a scheduler address; write tcp://HOST:PORT "
                             "(e.g. tcp://127.0.0.1:8786) or tls://HOST:PORT, with a port from 1 to 65535")
    return f"{match['scheme'] or 'tcp'}://{match['host']}:{int(match['port'])}"


def _reach(address: str, timeout: float) -> None:
    """Connect to ``address`` and hear the scheduler's handshake within ``timeout``
    seconds (Dask bounds the connection, not the handshake)."""
    import asyncio

    from distributed.comm import connect

    if address.startswith("tcp://"):  # nothing listening is known at once; Dask would retry until its timeout
        host, _, port = address[len("tcp://"):].rpartition(":")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
        except ConnectionRefusedError:
            raise SimcenterError(f"--scheduler {address!r}: nothing listens there (connection refused)") from None
        except OSError:
            pass  # unreachable or slow: the probe below reports it within the timeout

    async def probe():
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
        await comm.close()

    failure: list = []

    def run():
        try:
            asyncio.run(probe())
        except BaseException as err:  # reported in the calling thread
            failure.append(err)

    thread = threading.Thread(target=run, name="simcenter-reach-scheduler", daemon=True)
    thread.start()
    thread.join(timeout + 5.0)
    if thread.is_alive() or failure:
        why = "no answer" if thread.is_alive() or isinstance(failure[0], (TimeoutError, asyncio.TimeoutError)) else str(failure[0]).split("\n")[0][:120]
        raise SimcenterError(f"--scheduler {address!r}: no Dask scheduler answered within {timeout:g} s ({why})")


@contextmanager
def _dask(workers: int, scheduler: str | None):
    try:
        import dask

        # Dask reads the start method of its worker processes when distributed is first
        # imported. Forkserver, as for the process pool, saves every worker the import of
        # NumPy, pandas and SciPy; it only applies if distributed was not imported before,
        # and (a context manager would drop distributed's defaults) it stays set.
        if "distributed" not in sys.modules:
            dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise SimcenterError("the Dask executors need dask[distributed]: pip install -e '.[dask]'") from None
    cluster = None
    try:
        if scheduler is None:
            # the workers' own log lines (a task cancelled when the command stops) would break
            # the one-line promise on stderr; what fails reaches this process as an exception
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=logging.CRITICAL)
            client = Client(cluster)
            client.run(watch_parent, os.getpid())  # the workers and their nannies leave with this process
            client.run(watch_parent, os.getpid(), nanny=True)
        else:
            address = parse_scheduler(scheduler)
            _reach(address, CONNECT_TIMEOUT)
            client = Client(address, timeout=f"{CONNECT_TIMEOUT}s")
    except SimcenterError:
        if cluster is not None:
            cluster.close()
        raise
    except (OSError, TimeoutError, ValueError) as err:
        if cluster is not None:
            cluster.close()
        where = f"--scheduler {scheduler!r}" if scheduler else "the Dask LocalCluster"
        raise RunFailure(f"{where}: cannot start ({str(err).splitlines()[0][:120] or type(err).__name__})") from None

    def run_dask(tasks, scenarios, seeds, metrics, finished, tag=""):
        futures = []
        for chunk in tasks:
            # a key per chunk (the sweep, its first run and length): a lost worker's chunks are re-run
            (point, rep), size = chunk[0], len(chunk)
            key = f"simcenter-{tag}-{point}-{rep}-{size}"
            futures.append(client.submit(run_chunk, chunk, *_parts(chunk, scenarios, seeds), metrics, key=key, retries=3))
        for future in as_completed(futures):
            finished(future.result())

    try:
        yield run_dask
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@dataclass(frozen=True)
class Executor:
    """One way to run a sweep: its name (``simcenter.sweep(executor=...)``), the
    ``simcenter sweep`` option that chooses it, and what it opens."""

    name: str
    option: str  # the command-line option; "" for the default
    help: str
    open: Callable  # (workers, scheduler) -> context manager of run_chunks
    takes: str = ""  # what the option's value is: "N" (workers), "ADDRESS", or "" (a flag)


#: Every executor, the default first.
EXECUTORS: dict[str, Executor] = {e.name: e for e in (
    Executor("process", "--workers", "a process pool of N workers on this machine (the default, with every core)", _process_pool, "N"),
    Executor("serial", "--serial", "in this process, one run after the other (for debugging)", _serial),
    Executor("dask-local", "--dask-local", "a Dask LocalCluster of N worker processes started for the sweep", _dask, "N"),
    Executor("dask", "--scheduler", "the running Dask cluster whose scheduler is at ADDRESS (tcp://HOST:PORT)", _dask, "ADDRESS"),
)}
