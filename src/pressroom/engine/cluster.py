"""Run jobs on a Dask distributed cluster: the executor for more than one machine.

``DaskExecutor`` is a drop-in for the local one (engine.executor): the job graph submits the
same jobs and gets the same futures. Each job runs on a worker in a process of its own, a
fork of the worker's job server (engine.jobserver, the local executor in a process of its
own), under the build's own time and memory limits, so no limit depends on the worker's
size or on what else it runs; a worker that dies mid-job has its job retried elsewhere by
the scheduler.

A layout is only the same on another machine if that machine has the same tools and fonts:
before any job is sent, every worker is asked for its fingerprint (tool versions, the
package's code, the faces fontconfig offers), and a worker whose fingerprint differs from
this machine's is refused, with one line naming the worker and what differs.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import Future
from typing import Any

from distributed import Client

from pressroom.cache import Cache, code_version, fonts_fingerprint, tool_versions
from pressroom.engine.executor import WorkerError
from pressroom.engine.jobs import Job
from pressroom.engine.jobserver import server_for
from pressroom.errors import ConfigError
from pressroom.tools.run import DEFAULT_LIMITS, Limits

#: How often the scheduler runs a job again whose worker died under it.
RETRIES = 2
#: Seconds to wait for the scheduler before giving up.
CONNECT_SECONDS = 30


def fingerprint() -> dict[str, str]:
    """What must be equal on every machine for a job to give the same bytes."""
    return {"tools": tool_versions(), "code": code_version(), "fonts": fonts_fingerprint()}


def run_bounded_job(job: Job, limits: Limits, store: str | None = None,
                    urgent: bool = False) -> tuple[str, Any]:
    """On a worker: run the job in a fork of the worker's warm job server (engine.jobserver)
    under the build's limits. With a shared ``store`` (an fsspec URL), the result is put
    there and only its key travels back: the building process takes it from the store."""
    status, value = server_for(limits).run(job, urgent)
    if status == "died":
        # The server ended under the job (not the job's limits: the executor says those):
        # the scheduler runs it again, on a new server, up to RETRIES times.
        raise RuntimeError(f"{job.name}: the worker's job server ended: {value}")
    if status == "ok" and store is not None:
        job.remember(Cache(store), value)
        return ("stored", job.key)
    return status, value


class DaskExecutor:
    """Jobs on the Dask cluster whose scheduler is at ``address`` (tcp://host:port)."""

    def __init__(self, address: str, limits: Limits = DEFAULT_LIMITS,
                 store: str | None = None) -> None:
        self.address = address
        self.limits = limits
        self.store = store
        self.client: Client | None = None

    def __enter__(self) -> DaskExecutor:
        try:
            self.client = Client(self.address, timeout=CONNECT_SECONDS, set_as_default=False)
        except OSError as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {self.address}: "
                              f"{exc}") from None
        try:
            self._check_workers()
        except BaseException:
            self.client.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.client is not None:
            self.client.close()

    def _client(self) -> Client:
        if self.client is None:
            raise RuntimeError("enter the executor before submitting jobs")
        return self.client

    def _check_workers(self) -> None:
        ours = fingerprint()
        theirs = self._client().run(fingerprint)
        if not theirs:
            raise ConfigError(f"the Dask scheduler at {self.address} has no workers")
        for worker, found in sorted(theirs.items()):
            differ = [name for name in ours if found.get(name) != ours[name]]
            if differ:
                raise ConfigError(
                    f"Dask worker {worker} refused: its {' and '.join(differ)} differ from "
                    "this machine's (build it from the same set-up and lock: see README, "
                    "Running on a cluster)")

    def submit(self, job: Job, urgent: bool = False) -> Future[Any]:
        future: Future[Any] = Future()
        remote = self._client().submit(run_bounded_job, job, self.limits, self.store, urgent,
                                       pure=False, priority=1 if urgent else 0,
                                       retries=RETRIES, key=f"{job.name}-{job.key[:16]}")

        def settle(done: Any) -> None:
            try:
                status, value = done.result()
            except Exception as exc:  # the cluster's own failure: the worker is gone
                future.set_exception(WorkerError(f"{job.name}: the cluster failed: {exc}"))
                return
            self._settle(job, future, status, value)

        remote.add_done_callback(settle)
        return future

    def _settle(self, job: Job, future: Future[Any], status: str, value: Any) -> None:
        if status == "ok":
            future.set_result(value)
        elif status == "stored":
            result = job.cached(Cache(self.store)) if self.store else None
            if result is None:
                future.set_exception(WorkerError(
                    f"{job.name}: the worker stored its result, but it is not in {self.store}"))
            else:  # made on the worker this build, not found from an earlier one
                future.set_result(dataclasses.replace(result, reused=False))
        else:  # "error": the job's own, the limit it reached, or a bug with its traceback
            future.set_exception(value)
