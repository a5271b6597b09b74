"""Where jobs run: the interface every executor offers the job graph.

An executor takes a job (engine.jobs) and answers with a ``concurrent.futures.Future`` of its
result, however and wherever it runs it: ``engine.local.LocalExecutor`` in worker processes
on this machine, each job under its own time and memory limit. A cluster's executor wraps its
own futures in the same kind, so the job graph (engine.graph) does not know which it has.
An executor is a context manager: entering starts its workers, leaving stops every process
it started, whether the build finished or failed.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Protocol

from pressroom.engine.jobs import Job


class Executor(Protocol):
    def submit(self, job: Job, urgent: bool = False) -> Future[Any]:
        """Start running ``job`` (or queue it, an ``urgent`` one before those that are not);
        its future holds the result or the error."""
        ...

    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc_info: object) -> None: ...


class WorkerError(RuntimeError):
    """A bug inside a worker: not the user's mistake, so it keeps the worker's traceback
    (the command line shows it whole, where a PressroomError is one line)."""
