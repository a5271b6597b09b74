"""Run jobs on a Dask distributed cluster: the executor for more than one machine.

``DaskExecutor`` is a drop-in for the local one (engine.executor): the job graph submits the
same jobs and gets the same futures. Each job runs on a worker in a process of its own
(``python -m pressroom.engine.work``) under the build's own time and memory limits, so no
limit depends on the worker's size or on what else it runs; a worker that dies mid-job has
its job retried elsewhere by the scheduler.

A layout is only the same on another machine if that machine has the same tools and fonts:
before any job is sent, every worker is asked for its fingerprint (tool versions, the
package's code, the faces fontconfig offers), and a worker whose fingerprint differs from
this machine's is refused, with one line naming the worker and what differs.
"""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
from concurrent.futures import Future
from typing import Any

from distributed import Client

from pressroom.cache import Cache, code_version, fonts_fingerprint, tool_versions
from pressroom.engine.executor import WorkerError
from pressroom.engine.jobs import Job
from pressroom.errors import ConfigError, LimitError
from pressroom.tools.run import DEFAULT_LIMITS, WHERE_TO_RAISE, Limits, limited
from pressroom.tools.scratch import private_scratch

#: How often the scheduler runs a job again whose worker died under it.
RETRIES = 2
#: Seconds to wait for the scheduler before giving up.
CONNECT_SECONDS = 30


def fingerprint() -> dict[str, str]:
    """What must be equal on every machine for a job to give the same bytes."""
    return {"tools": tool_versions(), "code": code_version(), "fonts": fonts_fingerprint()}


def run_bounded_job(job: Job, limits: Limits, store: str | None = None) -> tuple[str, Any]:
    """On a worker: run the job in a process of its own, under the build's limits. With a
    shared ``store`` (an fsspec URL), the result is put there and only its key travels
    back: the building process takes it from the store."""
    args = limited([sys.executable, "-m", "pressroom.engine.work"], limits.layout_memory_mb)
    try:
        with private_scratch() as env:
            done = subprocess.run(args, input=pickle.dumps(job), capture_output=True,
                                  timeout=limits.layout_seconds, check=False, env=env)
    except subprocess.TimeoutExpired:
        return ("timeout", "")
    if done.returncode != 0 or not done.stdout:
        return ("died", f"exit code {done.returncode}: "
                        f"{done.stderr.decode('utf-8', 'replace')[-2000:]}")
    status, value = pickle.loads(done.stdout)  # noqa: S301 (our worker's answer, our pipe)
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
        remote = self._client().submit(run_bounded_job, job, self.limits, self.store,
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
        limits = self.limits
        if status == "ok":
            future.set_result(value)
        elif status == "stored":
            result = job.cached(Cache(self.store)) if self.store else None
            if result is None:
                future.set_exception(WorkerError(
                    f"{job.name}: the worker stored its result, but it is not in {self.store}"))
            else:  # made on the worker this build, not found from an earlier one
                future.set_result(dataclasses.replace(result, reused=False))
        elif status == "error":
            future.set_exception(value)
        elif status == "timeout":
            future.set_exception(LimitError(
                f"{job.name}: stopped after {limits.layout_seconds:g} s (limit "
                f"layout_seconds; {WHERE_TO_RAISE})"))
        elif status in ("memory", "died"):
            future.set_exception(LimitError(
                f"{job.name}: ran out of memory or died on a worker (limit layout_memory_mb "
                f"= {limits.layout_memory_mb}; {WHERE_TO_RAISE})"))
        else:
            future.set_exception(WorkerError(f"{job.name}: a bug in the worker:\n{value}"))
