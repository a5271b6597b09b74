"""A batch of collections as one job graph: on this machine's workers and on a Dask cluster
(a LocalCluster on loopback), with the same bytes, a killed worker's job retried."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from helpers import FIXTURES, MINIMAL, ROOT, TEMPLATES
from pressroom.engine.build import build_batch
from pressroom.engine.settings import Settings
from pressroom.errors import ConfigError

pytestmark = pytest.mark.slow


def _collections(tmp_path: Path, build_dir: Path, scheduler: str | None = None
                 ) -> list[Settings]:
    """Three collections: the fixture reader, the minimal edition, and a copy of it under
    another id, each in a project folder of its own."""
    sources = tmp_path / "sources"
    if not sources.exists():
        shutil.copytree(FIXTURES / "reader", sources / "reader")
        shutil.copytree(MINIMAL, sources / "third")
        collection = sources / "third" / "edition.yaml"
        text = collection.read_text(encoding="utf-8")
        collection.write_text(text.replace("id: minimal-edition", "id: third-edition", 1),
                              encoding="utf-8")
    paths = [sources / "reader" / "reader.yaml", MINIMAL, sources / "third" / "edition.yaml"]
    return [Settings(ROOT, path, TEMPLATES, build_dir, scheduler=scheduler) for path in paths]


def _digests(collections: list[Settings]) -> dict[str, str]:
    out: dict[str, str] = {}
    for settings in collections:
        folder = settings.out_dir
        manifest = json.loads((folder / "manifest.json").read_text())
        out |= {f"{settings.collection_id}/{e['path']}":
                hashlib.sha256((folder / e["path"]).read_bytes()).hexdigest()
                for e in manifest["outputs"]}
    return out


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as running:
        yield running


def test_a_batch_builds_every_collection_into_its_own_folder_and_then_is_up_to_date(tmp_path):
    collections = _collections(tmp_path, tmp_path / "build")
    results = build_batch(collections)
    assert [len({o.path.parent for o in outputs}) for outputs in results] == [1, 1, 1]
    assert {o.path.parent.name for outputs in results for o in outputs} == {
        "fixture-reader", "minimal-edition", "third-edition"}
    again = build_batch(collections)
    assert all(o.reason == "up to date" for outputs in again for o in outputs)


def test_a_cluster_batch_gives_the_bytes_of_a_local_batch_even_when_a_worker_dies(
        cluster, tmp_path):
    local = _collections(tmp_path, tmp_path / "local")
    build_batch(local)
    remote = _collections(tmp_path, tmp_path / "remote", cluster.scheduler_address)
    build_batch(remote)
    assert _digests(remote) == _digests(local)

    killed: list[int] = []

    def kill_a_busy_worker() -> None:
        with Client(cluster.scheduler_address, timeout=30) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                busy = [w for w, tasks in client.processing().items() if tasks]
                if busy:
                    time.sleep(0.5)  # into the job
                    pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return
                time.sleep(0.05)

    again = _collections(tmp_path, tmp_path / "again", cluster.scheduler_address)
    killer = threading.Thread(target=kill_a_busy_worker)
    # A build of its own cache: every job runs on the cluster, so one is running to kill.
    killer.start()
    build_batch(again)
    killer.join()
    assert killed, "no worker was busy to kill"
    assert _digests(again) == _digests(local)


def test_two_collections_of_one_id_are_refused_in_one_line(tmp_path):
    collections = _collections(tmp_path, tmp_path / "build")
    with pytest.raises(ConfigError, match="two collections of the batch have the id "
                                          "'minimal-edition'"):
        build_batch([collections[1], collections[1]])


def test_a_worker_puts_its_result_in_the_shared_store_and_sends_back_only_its_key(tmp_path):
    from pressroom.cache import Cache
    from pressroom.engine.cluster import run_bounded_job
    from pressroom.engine.jobs import LayoutJob
    from pressroom.engine.jobserver import close_servers
    from pressroom.tools.run import DEFAULT_LIMITS

    job = LayoutJob("PDF, small", "<p>A page of its own.</p>", ROOT, pdf_variant=None)
    store = tmp_path / "store"
    try:
        status, value = run_bounded_job(job, DEFAULT_LIMITS, str(store))
    finally:
        close_servers()  # the job server it started in this process
    assert (status, value) == ("stored", job.key)
    stored = job.cached(Cache(str(store)))
    assert stored is not None and stored.data.startswith(b"%PDF") and stored.pages == 1


def test_a_cluster_batch_with_a_shared_store_gives_the_same_bytes(cluster, tmp_path):
    local = _collections(tmp_path, tmp_path / "local")
    build_batch(local)
    store = tmp_path / "store"
    shared = [dataclasses.replace(s, cache_url=f"file://{store}") for s in _collections(
        tmp_path, tmp_path / "shared", cluster.scheduler_address)]
    outputs = build_batch(shared)
    assert _digests(shared) == _digests(local)
    assert all(o.rebuilt for results in outputs for o in results if o.format == "pdf")
    assert list((store / "layout").glob("*.pdf")) and list((store / "join").glob("*.pdf"))
    # The store holds no scratch of this machine's: the prepared documents stay local.
    assert not (store / "prepared").exists()
