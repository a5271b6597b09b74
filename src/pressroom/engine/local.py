"""Run jobs in worker processes on this machine: in parallel, bounded in time and memory.

Each job runs in a process of its own, at most ``workers`` at a time, under an address-space
limit and a deadline: a job that runs away is killed and named, and the memory of one layout
is returned to the system when its process ends, so a long reader's peak stays that of its
largest layout.

The processes come from a fork server (multiprocessing's "forkserver" start method): a
single-threaded process, started when the executor is entered, that imports WeasyPrint and
the rest of ``engine.work`` once, while the building process converts the edition with
Pandoc; each worker is a fork of it. Forking the building process itself is unsafe once it
has threads (the preview's server, a thread pool), which Python 3.12 warns of; forking a
server that never has any is not.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import resource
import shutil
import signal
import tempfile
import threading
import time
import traceback
from collections import deque
from concurrent.futures import Future
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from pressroom.engine.executor import WorkerError
from pressroom.engine.jobs import Job
from pressroom.errors import LimitError, PressroomError
from pressroom.files import DISK_ERRORS, cannot_write
from pressroom.tools.run import DEFAULT_LIMITS, WHERE_TO_RAISE, Limits
from pressroom.tools.scratch import make_scratch, scratch_env

#: What the fork server imports before it forks any worker.
PRELOAD = ["pressroom.engine.work"]


#: How much lower than the building process a job that is not urgent runs (its niceness:
#: what its programs inherit too). An urgent job is one that others wait for; given a
#: core's worth of weight to the others' third each, it runs as if alone, and the jobs
#: that wait for it (a reader's EPUB on its A4 page map) start that much sooner. The
#: others lose nothing but their turn: every core stays busy.
NICE = 5


#: How long a worker told to stop (SIGTERM) has to clean up before it is killed.
STOP_SECONDS = 3.0


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _child(job: Job, memory_mb: int, scratches: str, conn: Connection,
           urgent: bool = False) -> None:
    scratch = Path(scratches, str(os.getpid()))
    try:
        if not urgent:
            # With more jobs than cores, the one the rest of the build waits for (the A4
            # page map, then the EPUB that needs it) keeps a core of its own (see NICE).
            os.nice(NICE)
        # Told to stop (the build was): unwind, so that the programs the job started are
        # killed and its scratch folders removed by their context managers.
        signal.signal(signal.SIGTERM, _stop)
        # Before the limit, and before anything in this process asks fontconfig: a layout
        # short of memory must not write over the machine's font caches, and what WeasyPrint
        # leaves in the temporary folder goes with the job (tools.scratch).
        os.environ.update(scratch_env(scratch, os.environ))
        tempfile.tempdir = os.environ["TMPDIR"]
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        # Deferred (see pressroom.engine): the fork server has imported it already, so this
        # costs nothing here, and the building process, which pickles _child by name, never
        # imports WeasyPrint.
        from pressroom.engine import work

        conn.send(("ok", work.run(job)))
    except PressroomError as exc:
        conn.send(("error", exc))
    except MemoryError:
        conn.send(("memory", ""))
    except OSError as exc:
        # A full or read-only disk under a worker's scratch files is the machine's state.
        if exc.errno in DISK_ERRORS:
            conn.send(("error", cannot_write(exc)))
        else:
            conn.send(("bug", traceback.format_exc()))
    except SystemExit:
        pass  # stopped: nobody waits for an answer
    except BaseException:  # a bug: report it whole rather than hang the parent
        conn.send(("bug", traceback.format_exc()))
    finally:
        conn.close()
        # A job killed at its limit never gets here: the executor removes what it left.
        shutil.rmtree(scratch, ignore_errors=True)


def default_workers(limits: Limits) -> int:
    """Jobs at once: by default one more than the cores. Layouts take about as long as
    each other, so with one a core the last of an odd number runs alone while the other
    cores idle; one more keeps every core busy to the end (five layouts on two cores: two
    and a half layouts' time instead of three)."""
    return limits.layout_jobs or len(os.sched_getaffinity(0)) + 1


class LocalExecutor:
    """Jobs in worker processes of this machine, in the order submitted (urgent ones
    first)."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS, workers: int | None = None) -> None:
        self.limits = limits
        self.workers = workers or default_workers(limits)
        self._context = multiprocessing.get_context("forkserver")
        self._queue: deque[tuple[Job, Future[Any]]] = deque()
        #: Jobs submitted as urgent: each runs before any of ``_queue``.
        self._urgent: deque[tuple[Job, Future[Any]]] = deque()
        self._lock = threading.Lock()
        self._wake_receive, self._wake_send = multiprocessing.Pipe(duplex=False)
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._running: dict[Connection, tuple[Job, Future[Any], Any, float]] = {}
        #: Where each worker's scratch folder goes (tools.scratch); removed on exit.
        self._scratches = ""

    def __enter__(self) -> LocalExecutor:
        self._scratches = str(make_scratch("workers"))
        self._context.set_forkserver_preload(PRELOAD)
        # Start the fork server now: it imports WeasyPrint while the build does other work.
        multiprocessing.forkserver.ensure_running()
        self._thread = threading.Thread(target=self._dispatch, name="pressroom-workers",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._stopping = True
            abandoned = [*self._urgent, *self._queue]
            self._urgent.clear()
            self._queue.clear()
        for _, future in abandoned:
            future.cancel()
        self._wake()
        if self._thread is not None:
            self._thread.join()
        self._wake_receive.close()
        self._wake_send.close()
        shutil.rmtree(self._scratches, ignore_errors=True)

    def submit(self, job: Job, urgent: bool = False) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._stopping:
                raise RuntimeError("the executor is stopped")
            (self._urgent if urgent else self._queue).append((job, future))
        self._wake()
        return future

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_send.send_bytes(b".")

    # -- the dispatcher thread: starts processes, collects results, enforces limits ----------

    def _dispatch(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._stopping:
                        return
                    while (self._urgent or self._queue) and len(self._running) < self.workers:
                        urgent = bool(self._urgent)
                        job, future = (self._urgent or self._queue).popleft()
                        if future.set_running_or_notify_cancel():
                            self._start(job, future, urgent)
                self._collect()
        finally:
            # Left with jobs running (the build failed or was stopped): each worker is told
            # to stop, and killed if it has not within STOP_SECONDS.
            for _, _, process, _ in self._running.values():
                process.terminate()
            deadline = time.monotonic() + STOP_SECONDS
            for job, future, process, _ in self._running.values():
                process.join(max(0.0, deadline - time.monotonic()))
                if process.exitcode is None:
                    process.kill()
                    process.join()
                if not future.done():
                    future.set_exception(RuntimeError(f"{job.name}: stopped"))
            self._running.clear()

    def _start(self, job: Job, future: Future[Any], urgent: bool = False) -> None:
        receive, send = self._context.Pipe(duplex=False)
        process = self._context.Process(target=_child, args=(job, self.limits.layout_memory_mb,
                                                             self._scratches, send, urgent),
                                        daemon=True)
        try:
            process.start()
        except BaseException as exc:
            future.set_exception(exc)
            return
        finally:
            send.close()
        self._running[receive] = (job, future, process, time.monotonic())

    def _collect(self) -> None:
        seconds = self.limits.layout_seconds
        timeout = None
        if self._running:
            deadline = min(t + seconds for *_, t in self._running.values())
            timeout = max(0.0, deadline - time.monotonic())
        ready = wait([*self._running, self._wake_receive], timeout=timeout)
        if self._wake_receive in ready:
            while self._wake_receive.poll():
                self._wake_receive.recv_bytes()
        for conn in ready:
            if conn is self._wake_receive:
                continue
            job, future, process, _ = self._running.pop(conn)
            try:
                status, value = conn.recv()
            except (EOFError, OSError):
                status, value = "died", ""
            conn.close()
            process.join()
            self._settle(job, future, status, value, process.exitcode)
        now = time.monotonic()
        for conn, (job, future, process, started) in list(self._running.items()):
            if started + seconds <= now:
                del self._running[conn]
                process.kill()
                process.join()
                conn.close()
                future.set_exception(LimitError(
                    f"{job.name}: stopped after {seconds:g} s (limit layout_seconds; "
                    f"{WHERE_TO_RAISE})"))

    def _settle(self, job: Job, future: Future[Any], status: str, value: Any,
                exitcode: int | None) -> None:
        memory = self.limits.layout_memory_mb
        if status == "ok":
            future.set_result(value)
        elif status == "error":
            future.set_exception(value)
        elif status == "memory":
            future.set_exception(LimitError(
                f"{job.name}: ran out of memory (limit layout_memory_mb = {memory}; "
                f"{WHERE_TO_RAISE})"))
        elif status == "died":
            # Native code (Pango, HarfBuzz) that cannot allocate aborts the process.
            future.set_exception(LimitError(
                f"{job.name}: worker process died (exit code {exitcode}), most likely out of "
                f"memory (limit layout_memory_mb = {memory}; {WHERE_TO_RAISE})"))
        else:
            future.set_exception(WorkerError(f"{job.name}: a bug in the worker:\n{value}"))
