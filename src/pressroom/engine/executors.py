"""Which executor a build uses: this machine's worker processes, or a Dask cluster."""

from __future__ import annotations

from pressroom.engine.executor import Executor
from pressroom.engine.local import LocalExecutor
from pressroom.engine.settings import Settings


def executor_for(settings: Settings) -> Executor:
    """The executor the settings ask for (entered by the caller)."""
    if settings.scheduler:
        # Deferred (see pressroom.engine): Dask's client takes a second to import, and a
        # build on this machine never needs it.
        from pressroom.engine.cluster import DaskExecutor

        return DaskExecutor(settings.scheduler, settings.limits, settings.cache_url)
    return LocalExecutor(settings.limits)
