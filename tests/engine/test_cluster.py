"""The Dask executor: the same jobs on a cluster (here a LocalCluster on loopback), the same
bytes as this machine's workers, a dead worker's job retried, an unlike worker refused."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from pathlib import Path

import pytest
from distributed import LocalCluster

from helpers import MINIMAL, ROOT, TEMPLATES
from pressroom.engine.build import build
from pressroom.engine.cluster import DaskExecutor
from pressroom.engine.jobs import LayoutJob
from pressroom.engine.settings import Settings
from pressroom.errors import ConfigError

pytestmark = pytest.mark.slow


def _cluster(**kwargs) -> LocalCluster:
    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address="127.0.0.1:0", **kwargs)


def _digests(out_dir: Path) -> dict[str, str]:
    """Every output the manifest in a collection's folder lists, by its sha256."""
    manifest = json.loads((out_dir / "manifest.json").read_text())
    return {e["path"]: hashlib.sha256((out_dir / e["path"]).read_bytes()).hexdigest()
            for e in manifest["outputs"]}


@pytest.fixture(scope="module")
def cluster():
    with _cluster() as running:
        yield running


def test_a_cluster_build_gives_the_bytes_of_a_local_build(cluster, tmp_path):
    local = Settings(ROOT, MINIMAL, TEMPLATES, tmp_path / "local")
    build(local)
    remote = Settings(ROOT, MINIMAL, TEMPLATES, tmp_path / "remote",
                      scheduler=cluster.scheduler_address)
    outputs = build(remote)
    assert outputs and all(o.rebuilt for o in outputs if o.format in ("pdf", "epub"))
    assert _digests(remote.out_dir) == _digests(local.out_dir)


def test_a_worker_killed_mid_job_has_its_job_retried(cluster, tmp_path):
    job = LayoutJob("PDF, long", "<p>" + "word " * 60_000 + "</p>", ROOT, pdf_variant=None)
    with DaskExecutor(cluster.scheduler_address) as executor:
        future = executor.submit(job)
        client = executor.client
        deadline = time.monotonic() + 60
        busy: list[str] = []
        while not busy and time.monotonic() < deadline:
            busy = [w for w, tasks in client.processing().items() if tasks]
            time.sleep(0.1)
        assert busy, "the job never started"
        pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
        time.sleep(1.0)  # well into the layout
        os.kill(pid, signal.SIGKILL)
        layout = future.result(timeout=300)
    assert layout.pages > 1 and layout.data.startswith(b"%PDF")


def test_a_worker_with_other_fonts_is_refused_in_one_line(tmp_path):
    # A worker that sees only one folder of faces: its fontconfig lists other fonts.
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><fontconfig>'
                    "<dir>/usr/share/fonts/truetype/dejavu</dir>"
                    f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>")
    with _cluster(env={"FONTCONFIG_FILE": str(conf)}) as unlike:
        settings = Settings(ROOT, MINIMAL, TEMPLATES, tmp_path / "build",
                            scheduler=unlike.scheduler_address)
        with pytest.raises(ConfigError, match=r"^Dask worker tcp://127\.0\.0\.1:\d+ refused: "
                                              r"its fonts differ from this machine's"):
            build(settings)
    assert not (settings.out_dir / "manifest.json").exists()
    assert not (tmp_path / "build" / "manifest.json").exists()


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    settings = Settings(ROOT, MINIMAL, TEMPLATES, tmp_path / "build",
                        scheduler="tcp://127.0.0.1:9")
    with pytest.raises(ConfigError, match=r"cannot reach the Dask scheduler at "
                                          r"tcp://127\.0\.0\.1:9"):
        build(settings)
