"""Run WeasyPrint layouts in worker processes: in parallel, cached, bounded in time and memory.

Each layout is a job: the print HTML of one variant and what it may read. A job whose key (a
hash of the HTML, the code, the tool versions and the fonts) is in the cache is not laid out
again. The others run in forked processes, at most ``jobs`` at a time, each under an
address-space limit and a deadline: a layout that runs away is killed and named, and the
memory of one layout is returned to the system when its process ends, so a long reader's
peak stays that of its largest layout.
"""


from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait

from pressroom.cache import Cache
from pressroom.engine.jobs import Layout, LayoutJob, _cached, _lay_out, remember
from pressroom.errors import LimitError, PressroomError, RenderError
from pressroom.files import release_inherited_locks
from pressroom.tools.run import DEFAULT_LIMITS, WHERE_TO_RAISE, Limits


def _child(job: LayoutJob, memory_mb: int, conn: Connection) -> None:
    release_inherited_locks()
    try:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        conn.send(("ok", _lay_out(job)))
    except PressroomError as exc:
        conn.send(("error", str(exc)))
    except MemoryError:
        conn.send(("memory", ""))
    except BaseException as exc:  # a bug: report it whole rather than hang the parent
        conn.send(("bug", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _workers(limits: Limits) -> int:
    """Layouts at once: by default one more than the cores. Layouts take about as long as
    each other, so with one a core the last of an odd number runs alone while the other
    cores idle; one more keeps every core busy to the end (five layouts on two cores: two
    and a half layouts' time instead of three)."""
    return limits.layout_jobs or len(os.sched_getaffinity(0)) + 1


def run_layouts(jobs: Sequence[LayoutJob], cache: Cache, limits: Limits = DEFAULT_LIMITS,
                report: Callable[[str, Layout], None] | None = None,
                then: Callable[[LayoutJob, Layout], LayoutJob | None] | None = None,
                ) -> dict[str, Layout]:
    """Lay out every job (from the cache where its key is there); results by job name.

    Jobs start in the order given (put the longest first). ``then`` is told of each finished
    layout and may answer with a job to run next in its place (the same name): a variant
    whose page numbers must be laid out again goes back in the queue at once, instead of
    waiting for the others to finish.
    """
    results: dict[str, Layout] = {}
    pending: list[LayoutJob] = []

    def finished(job: LayoutJob, layout: Layout) -> None:
        results[job.name] = layout
        if report:
            report(job.name, layout)
        follow = then(job, layout) if then else None
        if follow is not None:
            queue(follow)

    def queue(job: LayoutJob) -> None:
        layout = _cached(job, cache)
        if layout is None:
            pending.append(job)
        else:
            finished(job, layout)

    for job in jobs:
        queue(job)
    context = multiprocessing.get_context("fork")
    running: dict[Connection, tuple[LayoutJob, multiprocessing.Process, float]] = {}
    try:
        while pending or running:
            while pending and len(running) < _workers(limits):
                job = pending.pop(0)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(job, limits.layout_memory_mb,
                                                               send), daemon=True)
                process.start()
                send.close()
                running[receive] = (job, process, time.monotonic())
            deadline = min(t + limits.layout_seconds for _, _, t in running.values())
            ready = wait(list(running), timeout=max(0.0, deadline - time.monotonic()))
            if not ready:
                job = next(j for j, _, t in running.values()
                           if t + limits.layout_seconds <= time.monotonic())
                raise LimitError(f"{job.name}: layout stopped after {limits.layout_seconds:g} s "
                                 f"(limit layout_seconds; {WHERE_TO_RAISE})")
            for conn in ready:
                job, process, _ = running.pop(conn)
                try:
                    status, value = conn.recv()
                except EOFError:
                    status, value = "died", ""
                conn.close()
                process.join()
                if status == "ok":
                    if value.data:  # a draft that was not written is not kept
                        remember(cache, job, value)
                    finished(job, value)
                elif status == "error":
                    raise RenderError(value)
                elif status == "memory":
                    raise LimitError(
                        f"{job.name}: layout ran out of memory (limit layout_memory_mb = "
                        f"{limits.layout_memory_mb}; {WHERE_TO_RAISE})")
                elif status == "died":
                    # Native code (Pango, HarfBuzz) that cannot allocate aborts the process.
                    raise LimitError(
                        f"{job.name}: layout process died (exit code {process.exitcode}), most "
                        f"likely out of memory (limit layout_memory_mb = "
                        f"{limits.layout_memory_mb}; {WHERE_TO_RAISE})")
                else:
                    raise RenderError(f"{job.name}: layout failed: {value}")
    finally:
        for _, process, _ in running.values():
            process.kill()
            process.join()
    return results
