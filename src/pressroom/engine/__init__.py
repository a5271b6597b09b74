"""The engine: what to build, in which order, where, and whether at all.

``build`` (the entry point) decides whether anything needs doing (``state``, ``manifest``);
``make`` makes the outputs; ``prepare``, ``layout`` and ``ebook`` say which jobs (``jobs``)
a build has; ``graph`` runs them through an executor (``executor``; ``local`` is the one for
this machine, ``cluster`` the one for a Dask cluster, ``executors`` picks one), and ``work`` is
what a worker does with a job.

Imports are at the top of every module, with three deliberate deferrals, all for start-up
time and all marked "Deferred (see pressroom.engine)":

- ``build`` imports ``make`` only once it knows the build is not up to date, so a no-op
  build never imports Pandoc's wrapper, pydantic or pypdf;
- a worker process reaches ``work`` (which imports WeasyPrint) by name, so the building
  process never imports WeasyPrint at all; the fork server has imported it already;
- ``executors`` imports ``cluster`` (and with it Dask's client) only for a build that names
  a scheduler.

The package's own ``__init__`` gives its public names the same way, for the same reason.
"""
