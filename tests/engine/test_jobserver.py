"""A Dask worker's job server: jobs in forks of a warm process, the local executor's limits,
and a server that ends with its input (its worker) or is started again when it has died."""

from __future__ import annotations

import os
import re
import signal
import time

import pytest

from helpers import ROOT
from pressroom.engine.executor import WorkerError
from pressroom.engine.jobs import LayoutJob
from pressroom.engine.jobserver import JobServer, close_servers, server_for
from pressroom.errors import LimitError
from pressroom.tools.run import DEFAULT_LIMITS, Limits


def _gone(pid: int, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def server():
    started = JobServer(DEFAULT_LIMITS, workers=2)
    yield started
    started.close()


def test_the_server_answers_each_job_with_its_layout(server):
    jobs = [LayoutJob(f"PDF, {n}", f"<p>Page {n}.</p>" * n, ROOT, pdf_variant=None)
            for n in (1, 2)]
    for job in jobs:
        status, layout = server.run(job)
        assert status == "ok" and layout.data.startswith(b"%PDF") and layout.pages == 1
    # One server, started once, took both.
    assert server.process.poll() is None


def test_a_job_over_its_time_limit_is_the_local_executors_limit_error():
    slow = JobServer(Limits(layout_seconds=1), workers=1)
    try:
        job = LayoutJob("PDF, slow", "<p>" + "word " * 200_000 + "</p>", ROOT, pdf_variant=None)
        status, error = slow.run(job)
        assert status == "error" and isinstance(error, LimitError)
        assert "PDF, slow: stopped after 1 s (limit layout_seconds" in str(error)
        # The server outlives the job it stopped.
        small = LayoutJob("PDF, small", "<p>Small.</p>", ROOT, pdf_variant=None)
        assert slow.run(small)[0] == "ok"
    finally:
        slow.close()


def test_a_bug_in_a_job_keeps_its_traceback_and_is_named_once(server):
    job = LayoutJob("PDF, buggy", None, ROOT, pdf_variant=None)  # type: ignore[arg-type]
    status, error = server.run(job)
    assert status == "error" and isinstance(error, WorkerError)
    assert re.match(r"(?s)PDF, buggy: a bug in the worker:\nTraceback .*Error", str(error))
    assert str(error).count("a bug in the worker") == 1


def test_the_server_ends_when_its_input_does(server):
    pid = server.process.pid
    server.close()
    assert _gone(pid) and server.process.returncode == 0
    job = LayoutJob("PDF, late", "<p>Late.</p>", ROOT, pdf_variant=None)
    assert server.run(job)[0] == "died"


def test_a_killed_server_says_so_and_the_next_job_gets_a_new_one():
    pids: list[int] = []
    try:
        first = server_for(DEFAULT_LIMITS)
        pids.append(first.process.pid)
        assert server_for(DEFAULT_LIMITS) is first
        os.kill(first.process.pid, signal.SIGKILL)
        assert _gone(first.process.pid)
        job = LayoutJob("PDF, again", "<p>Again.</p>", ROOT, pdf_variant=None)
        deadline = time.monotonic() + 15
        while first.alive and time.monotonic() < deadline:
            time.sleep(0.05)
        status, why = first.run(job)
        assert status == "died" and "ended" in why
        second = server_for(DEFAULT_LIMITS)
        pids.append(second.process.pid)
        assert second is not first and second.run(job)[0] == "ok"
    finally:
        close_servers()
    assert len(pids) == 2 and all(_gone(pid) for pid in pids)
