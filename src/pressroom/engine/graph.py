"""The job graph: run jobs through an executor as their inputs become known, cached by key.

A build does not know all its jobs in advance: a layout whose page numbers come out wrong is
followed by another round of the same variant, a booklet's final layout by its imposition,
the A4 edition's final layout by the EPUB that takes its page map. So a node is a job and
what follows from its result (``then``: the nodes whose inputs that result completes). The
graph runs every node whose job is not in the cache through the executor, in the order the
nodes became ready, and asks each finished node what follows; it is done when nothing is
pending. A failed job stops the graph with its error; the executor then stops the rest.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import Any

from pressroom.cache import Cache
from pressroom.engine.executor import Executor
from pressroom.engine.jobs import Job


@dataclass(frozen=True)
class Node:
    job: Job
    #: Told the job's result (from the cache or just made); answers the nodes that follow.
    then: Callable[[Any], Iterable[Node]] | None = None
    #: Run before the jobs that are not (others wait for what it leads to: the A4
    #: edition's page map, which the EPUB follows).
    urgent: bool = False


def run_graph(nodes: Iterable[Node], executor: Executor, cache: Cache,
              report: Callable[[Job, Any], None] | None = None) -> None:
    """Run the nodes and everything that follows from them. ``nodes`` may be a generator
    that does work of its own to make each (the next variant's pieces, the next
    collection's conversion): it is drawn from one node at a time, between looks at the
    jobs that finished, so that the workers lay out the first nodes while it makes the
    rest."""
    source = iter(nodes)
    drawing = True
    ready: deque[Node] = deque()
    pending: dict[Future[Any], Node] = {}

    def finished(node: Node, result: Any) -> None:
        if report is not None:
            report(node.job, result)
        if node.then is not None:
            ready.extend(node.then(result))

    try:
        while True:
            while ready:
                node = ready.popleft()
                result = node.job.cached(cache)
                if result is None:
                    pending[executor.submit(node.job, urgent=node.urgent)] = node
                else:
                    finished(node, result)
            if drawing:
                try:
                    ready.append(next(source))
                except StopIteration:
                    drawing = False
                done = [future for future in pending if future.done()]
            elif pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
            else:
                break
            for future in done:
                node = pending.pop(future)
                result = future.result()
                node.job.remember(cache, result)
                finished(node, result)
    finally:
        for future in pending:
            future.cancel()
