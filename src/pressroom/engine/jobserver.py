"""A Dask worker's job server: its jobs run in forks of a process that has imported WeasyPrint.

A job started as a new interpreter pays for Python and WeasyPrint's import (about a second)
before it lays out a page; the local executor (engine.local) pays it once, in a fork server.
A Dask worker cannot do what the local executor does: its processes are daemonic, and
multiprocessing gives a daemonic process no children. So a worker starts, with subprocess,
one job server for each set of limits it is sent: a process that runs the local executor
itself (each job a fork of its fork server, under the build's time and memory limits, with
its niceness and scratch folder) and takes jobs on its standard input, answering on its
standard output, each way as pickles in multiprocessing's framing.

The server ends with its standard input: when its worker stops or is killed, the server
stops the jobs it was running (the executor's exit) and the scheduler gives them to another
worker. ``close_servers`` ends this process's servers at once.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import subprocess
import sys
import threading
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any

from pressroom.engine.executor import WorkerError
from pressroom.engine.jobs import Job
from pressroom.engine.local import LocalExecutor, default_workers
from pressroom.errors import PressroomError
from pressroom.tools.run import Limits


class JobServer:
    """A job server process of this one, and the answers it owes."""

    def __init__(self, limits: Limits, workers: int) -> None:
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pressroom.engine.jobserver"],
                stdin=request_read, stdout=answer_write)
        finally:
            # This process keeps one end of each: the server's input ends when it closes.
            os.close(request_read)
            os.close(answer_write)
        self._requests = Connection(request_write, readable=False)
        self._answers = Connection(answer_read, writable=False)
        self._lock = threading.Lock()
        self._owed: dict[int, Future[tuple[str, Any]]] = {}
        self._next = 0
        self.alive = True
        self._requests.send((limits, workers))
        self._reader = threading.Thread(target=self._read, name="pressroom-job-server",
                                        daemon=True)
        self._reader.start()

    def run(self, job: Job, urgent: bool = False) -> tuple[str, Any]:
        """The job's outcome: ("ok", result), ("error", what the local executor raised: a
        PressroomError, its limits' among them, or a WorkerError with a bug's traceback) or
        ("died", why) when the server itself ended."""
        answer: Future[tuple[str, Any]] = Future()
        with self._lock:
            if not self.alive:
                return ("died", "the job server had ended")
            number, self._next = self._next, self._next + 1
            self._owed[number] = answer
            try:
                self._requests.send((number, job, urgent))
            except OSError:
                del self._owed[number]
                return ("died", "the job server had ended")
        return answer.result()

    def _read(self) -> None:
        try:
            while True:
                number, status, value = self._answers.recv()
                with self._lock:
                    answer = self._owed.pop(number)
                answer.set_result((status, value))
        except (EOFError, OSError):
            pass
        with self._lock:
            self.alive = False
            owed, self._owed = self._owed, {}
        code = self.process.wait()
        for answer in owed.values():
            answer.set_result(("died", f"the job server ended (exit code {code})"))

    def close(self) -> None:
        """End the server: it stops its running jobs and exits."""
        with self._lock:
            self.alive = False
        with contextlib.suppress(OSError):
            self._requests.close()
        self.process.wait()
        self._reader.join()
        self._answers.close()


_SERVERS: dict[Limits, JobServer] = {}
_SERVERS_LOCK = threading.Lock()


def server_for(limits: Limits) -> JobServer:
    """This process's job server for ``limits``, started (again) when it has none alive."""
    with _SERVERS_LOCK:
        server = _SERVERS.get(limits)
        if server is None or not server.alive:
            server = _SERVERS[limits] = JobServer(limits, _workers(limits))
        return server


def close_servers() -> None:
    """End every job server this process started."""
    with _SERVERS_LOCK:
        servers = list(_SERVERS.values())
        _SERVERS.clear()
    for server in servers:
        server.close()


atexit.register(close_servers)


def _workers(limits: Limits) -> int:
    """As many jobs at once as the Dask worker runs tasks; outside one, the local default."""
    try:
        from distributed import get_worker

        return max(1, get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):
        return default_workers(limits)


def _answer(answers: Connection, lock: threading.Lock, number: int,
            future: Future[Any]) -> None:
    try:
        outcome: tuple[str, Any] = ("ok", future.result())
    except (PressroomError, WorkerError) as exc:  # as the local executor raises them
        outcome = ("error", exc)
    except BaseException as exc:  # stopped with the server: nobody waits for it
        outcome = ("died", repr(exc))
    with lock, contextlib.suppress(OSError):
        answers.send((number, *outcome))


def main() -> None:
    """The server: limits and a worker count first, then (number, job, urgent) requests
    until its input ends, each answered (number, status, value) when its job is done."""
    requests = Connection(os.dup(0), writable=False)
    answers = Connection(os.dup(1), readable=False)
    # Whatever a library prints goes to the worker's log, never into the answers.
    os.dup2(2, 1)
    limits, workers = requests.recv()
    lock = threading.Lock()
    with LocalExecutor(limits, workers) as executor:
        while True:
            try:
                number, job, urgent = requests.recv()
            except EOFError:
                break
            executor.submit(job, urgent).add_done_callback(
                functools.partial(_answer, answers, lock, number))


if __name__ == "__main__":
    main()
