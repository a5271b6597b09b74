"""Faults rather than mistakes: a damaged cache, a stage that fails late, a PDF or YAML built
to break the tools, a full or read-only disk, a build stopped from outside. Each leaves the
outputs as they were, or gives the bytes a clean build gives, and says so in one line."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, StreamObject

from helpers import ROOT, TEMPLATES, copy_fixture
from pressroom import files
from pressroom.cache import Cache
from pressroom.checks.faces import source_fonts
from pressroom.engine.build import build
from pressroom.engine.settings import Settings
from pressroom.engine.state import STATE
from pressroom.errors import ContentError, LimitError, RenderError, TemplateError
from pressroom.printing.imposition import content_bytes
from pressroom.printing.placement import FORM_PREFIX, Insert, place_pages
from pressroom.sources.load import load_reading
from pressroom.sources.pdffile import pdf_faults
from pressroom.sources.pdfmaterial import prepare_pdf
from pressroom.sources.yamldoc import collection_id, parse_yaml
from pressroom.tools.run import WHERE_TO_RAISE


def _outputs(build_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in build_dir.iterdir()
            if p.is_file() and not p.name.startswith(".")}


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    path.write_bytes(bytes(data))


# -- 3. a damaged cache entry is a miss, not an output --------------------------------------

@pytest.mark.slow
def test_a_damaged_cache_entry_is_made_again_not_served(tmp_path, caplog):
    content = copy_fixture(tmp_path)
    settings = Settings(ROOT, content / "edition.yaml", TEMPLATES, tmp_path / "build")
    build(settings)
    damaged = sorted((settings.build_dir / ".cache" / "layout").glob("*.pdf"))
    assert damaged
    for path in damaged:
        _flip(path)
    reading = content / "readings" / "sample.md"
    # An edit that makes the build run but changes no layout: the damaged entries are asked for.
    reading.write_text(reading.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="pressroom"):
        build(settings)
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "damaged cache entry" in warned
    assert any(str(path) in warned for path in damaged)
    clean = Settings(ROOT, content / "edition.yaml", TEMPLATES, tmp_path / "clean")
    build(clean)
    assert _outputs(settings.out_dir) == _outputs(clean.out_dir)


# -- 4. a failure after assembling leaves the assembled documents as they were -------------

PREPARED = ("edition.md", "edition.json", "edition-meta.yaml")


@pytest.mark.slow
def test_a_late_failure_leaves_the_assembled_documents_as_they_were(minimal_build, tmp_path):
    build_dir = tmp_path / "build"
    shutil.copytree(minimal_build.settings.build_dir, build_dir)
    out = build_dir / minimal_build.settings.collection_id
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    # The reading's opener changes (so would edition.md), and the EPUB, a late stage, fails.
    opener = templates / "reading.md.j2"
    opener.write_text(opener.read_text().replace("::: byline", "::: byline\nNew.\n"))
    (templates / "epub.css").unlink()
    before = {name: (out / name).read_bytes() for name in PREPARED}
    with pytest.raises(TemplateError, match=r"epub\.css"):
        build(Settings(ROOT, minimal_build.settings.edition, templates, build_dir))
    assert {name: (out / name).read_bytes() for name in PREPARED} == before
    # The writers read the new documents from the collection's scratch folder, not from
    # its folder in build/.
    scratch = build_dir / ".cache" / "prepared" / minimal_build.settings.collection_id
    assert "New." in (scratch / "edition.md").read_text()


# -- 1. PDFs and YAML built to break the tools, full and read-only disks, clean mid-build ---

SIDECAR = "title: Hostile\nrights: R.\n"


def _form(writer: PdfWriter, inner=None) -> object:
    form = StreamObject()
    form.set_data(b"0 0 1 1 re f")
    form.update({NameObject("/Type"): NameObject("/XObject"),
                 NameObject("/Subtype"): NameObject("/Form"),
                 NameObject("/BBox"): ArrayObject([FloatObject(v) for v in (0, 0, 10, 10)])})
    ref = writer._add_object(form)
    resources = DictionaryObject({NameObject("/XObject"): DictionaryObject(
        {NameObject("/F"): inner if inner is not None else ref})})
    form[NameObject("/Resources")] = resources
    return ref


def _forms_pdf(path: Path, depth: int) -> Path:
    """A page drawing a form; depth 0: a form that draws itself, else forms nested depth
    deep. The page draws it under the name a volume gives a source page's form."""
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    ref = _form(writer)
    for _ in range(depth - 1):
        ref = _form(writer, ref)
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): DictionaryObject(
        {NameObject(f"{FORM_PREFIX}0"): ref})})
    content = StreamObject()
    content.set_data(f"q {FORM_PREFIX}0 Do Q".encode())
    page.replace_contents(content)
    writer.write(path)
    (path.with_suffix(".yaml")).write_text(SIDECAR)
    return path


def _bomb_pdf(path: Path, in_form: bool = False) -> Path:
    """A page whose content stream (or, ``in_form``, the form it draws) inflates to 1.5 GB:
    a deflate bomb of 1.5 MB. The blocks are compressed once and repeated (a full flush
    makes each block the same bytes)."""
    compressor = zlib.compressobj(9)
    block = b" " * (1 << 24)
    head = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    middle = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    data = head + middle * 88 + compressor.flush()
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    content = StreamObject()
    content._data = data
    content[NameObject("/Filter")] = NameObject("/FlateDecode")
    if in_form:
        content.update({NameObject("/Type"): NameObject("/XObject"),
                        NameObject("/Subtype"): NameObject("/Form"),
                        NameObject("/BBox"): ArrayObject([FloatObject(v) for v in
                                                          (0, 0, 200, 200)])})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"):
            DictionaryObject({NameObject("/B"): writer._add_object(content)})})
        drawing = StreamObject()
        drawing.set_data(b"/B Do")
        page.replace_contents(drawing)
    else:
        page[NameObject("/Contents")] = writer._add_object(content)
    writer.write(path)
    path.with_suffix(".yaml").write_text(SIDECAR)
    return path


def _place(pdf: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    volume = BytesIO()
    writer.write(volume)
    place_pages(volume.getvalue(), {"p": (0, (50.0, 50.0, 400.0, 600.0))},
                [Insert("p", str(pdf), 0, (0.0, 0.0, 1.0, 1.0))])


@pytest.mark.parametrize("depth", [0, 5000], ids=["draws-itself", "5000-nested"])
def test_forms_that_draw_themselves_or_nest_deep_are_read_without_recursion(tmp_path, depth):
    pdf = _forms_pdf(tmp_path / "forms.pdf", depth)
    reading = load_reading(pdf)
    if depth:
        # Refused when the reading is prepared, before poppler and the layouts: placing
        # would fail on it (pypdf copies forms recursively), calling the PDF damaged.
        with pytest.raises(ContentError) as caught:
            prepare_pdf(reading.id, reading.pdf, "en", Cache(tmp_path / "cache"))
        assert str(caught.value) == (f"{pdf}: page 1 of the PDF draws forms nested more than "
                                     "32 deep (a form within a form within …): it cannot be "
                                     "reproduced")
    else:
        material = prepare_pdf(reading.id, reading.pdf, "en", Cache(tmp_path / "cache"))
        assert not material.scanned
    assert source_fonts(pdf) == set()  # inv check's walk of the forms
    try:
        _place(pdf)
    except RenderError as exc:  # pypdf copies the forms recursively: one line, the file
        assert str(exc) == (f"{pdf}: the PDF is nested too deeply to read (objects within "
                            "objects, or one that contains itself): it cannot be reproduced")
    else:
        assert not depth


def test_a_deflate_bomb_is_one_line_naming_the_pdf(tmp_path):
    pdf = _bomb_pdf(tmp_path / "bomb.pdf")
    assert pdf.stat().st_size < 2_000_000
    with pytest.raises(LimitError) as caught:
        _place(pdf)
    assert str(caught.value).startswith(f"{pdf}: the PDF holds more than pypdf will read")
    with pytest.raises(LimitError) as caught, pdf_faults(pdf):
        content_bytes(PdfReader(pdf).pages[0])
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("in_form", [False, True], ids=["page", "form"])
def test_a_deflate_bomb_is_refused_before_poppler_reads_it(tmp_path, in_form):
    # pdftotext and pdftoppm take some ten seconds each on 1.5 GB; a bomb in a form, which
    # placing never inflates, was carried into every PDF of the volume.
    pdf = _bomb_pdf(tmp_path / "bomb.pdf", in_form)
    reading = load_reading(pdf)
    started = time.monotonic()
    with pytest.raises(LimitError) as caught:
        prepare_pdf(reading.id, reading.pdf, "en", Cache(tmp_path / "cache"))
    assert time.monotonic() - started < 5
    assert str(caught.value).startswith(f"{pdf}: the PDF holds more than pypdf will read")
    assert "\n" not in str(caught.value)


def test_a_pdf_of_more_pages_than_the_limit_is_one_line(tmp_path):
    pdf = tmp_path / "long.pdf"
    writer = PdfWriter()
    for _ in range(2000):
        writer.add_blank_page(200, 200)
    writer.write(pdf)
    pdf.with_suffix(".yaml").write_text(SIDECAR)
    with pytest.raises(LimitError) as caught:
        load_reading(pdf)
    assert str(caught.value) == (f"{pdf}: the PDF has 2000 pages, more than 1000 (limit "
                                 f"pdf_pages; {WHERE_TO_RAISE})")
    assert load_reading(pdf, max_pdf_pages=2000).pdf.page_count == 2000
    # The limit counts the pages reproduced: a chapter of a long book's PDF is a reading.
    pdf.with_suffix(".yaml").write_text(SIDECAR + 'pages: "101-120"\n')
    assert load_reading(pdf).pdf.pages == tuple(range(100, 120))
    pdf.with_suffix(".yaml").write_text(SIDECAR + 'pages: "1-1200"\n')
    with pytest.raises(LimitError) as caught:
        load_reading(pdf)
    assert str(caught.value) == (f"{pdf.with_suffix('.yaml')}:3: pages: the reading reproduces "
                                 f"1200 pages of the PDF, more than 1000 (limit pdf_pages; "
                                 f"{WHERE_TO_RAISE})")


def _blank_pdf(path: Path, pages: int) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    writer.write(path)
    path.with_suffix(".yaml").write_text(SIDECAR)
    return path


@pytest.mark.slow
def test_a_pdf_reading_as_long_as_the_limit_is_laid_out(tmp_path):
    # The limit is worth something only if what it lets through can be laid out: a reading
    # of about 980 pages gave a RecursionError in the layout worker (a sibling selector,
    # ".source-page ~ .reading-end", made cssselect2 walk every placeholder before it).
    content = copy_fixture(tmp_path)
    _blank_pdf(content / "readings" / "long.pdf", 1000)
    collection = content / "edition.yaml"
    collection.write_text(collection.read_text().replace(
        "  - readings/sample.md\n", "  - readings/sample.md\n  - readings/long.pdf\n"))
    outputs = build(Settings(ROOT, collection, TEMPLATES, tmp_path / "build"),
                    formats=("pdf",), papers=("a4",), kinds=("reading",))
    assert next(o for o in outputs if o.format == "pdf").pages > 1000


@pytest.mark.parametrize("text", ["[" * 1000 + "]" * 1000,
                                  "".join("  " * i + "-\n" for i in range(1000))],
                         ids=["flow", "block"])
def test_yaml_nested_a_thousand_deep_is_one_line(tmp_path, text):
    with pytest.raises(ContentError) as caught:
        parse_yaml(text, tmp_path / "deep.yaml")
    assert f"{tmp_path / 'deep.yaml'}:" in str(caught.value)
    assert "nested more than 100 deep" in str(caught.value)


def _hostile(kind: str, content: Path) -> tuple[Path, str]:
    """Put one hostile source into a copy of the fixture: the file named, and the words."""
    readings = content / "readings"
    if kind == "yaml":
        chronology = content / "timeline" / "chronology.yaml"
        chronology.write_text("events: " + "[" * 1000 + "]" * 1000 + "\n")
        return chronology, "lists and maps nested more than 100 deep"
    if kind == "forms":
        pdf = _forms_pdf(readings / "hostile.pdf", 5000)
        words = "page 1 of the PDF draws forms nested more than 32 deep"
    elif kind == "bomb":
        pdf = _bomb_pdf(readings / "hostile.pdf")
        words = "the PDF holds more than pypdf will read"
    else:
        pdf = _blank_pdf(readings / "hostile.pdf", 2000)
        words = "the PDF has 2000 pages, more than 1000 (limit pdf_pages"
    collection = content / "edition.yaml"
    collection.write_text(collection.read_text().replace(
        "  - readings/sample.md\n", "  - readings/sample.md\n  - readings/hostile.pdf\n"))
    return pdf, words


@pytest.mark.parametrize("kind", ["forms", "bomb", "pages", "yaml"])
def test_a_hostile_source_stops_inv_build_with_one_line_and_loses_nothing(minimal_build,
                                                                          tmp_path, kind):
    content = copy_fixture(tmp_path)
    build_dir = tmp_path / "build"
    shutil.copytree(minimal_build.settings.build_dir, build_dir)
    out = build_dir / collection_id(content / "edition.yaml")
    before = _outputs(out)
    named, words = _hostile(kind, content)
    env = {**os.environ, "INVOKE_PRESSROOM_EDITION": str(content / "edition.yaml"),
           "INVOKE_PRESSROOM_BUILD_DIR": str(build_dir)}
    result = subprocess.run([sys.executable, "-m", "invoke", "build"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    # Refused while the sources are read and prepared: no conversion, no layout.
    assert "converting the edition" not in result.stdout, result.stdout
    lines = [line for line in result.stderr.splitlines() if not line.startswith("WARNING:")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"error: {named}:") and words in lines[0], lines[0]
    assert _outputs(out) == before


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS], ids=["full", "read-only"])
def test_a_disk_that_refuses_writes_is_one_line_and_loses_nothing(minimal_build, tmp_path,
                                                                  monkeypatch, code):
    # A read-only build/ is mocked (as a full disk is): tests run as root, whom chmod does
    # not stop. The write fails where an output is staged, after the layouts.
    build_dir = tmp_path / "build"
    shutil.copytree(minimal_build.settings.build_dir, build_dir)
    out = build_dir / minimal_build.settings.collection_id
    (out / STATE).unlink()  # so that the build runs
    before = _outputs(out)
    real = files._write_file

    def refuse(path: Path, data: bytes) -> None:
        if ".staging-" in str(path):
            raise OSError(code, os.strerror(code), str(path))
        real(path, data)

    monkeypatch.setattr(files, "_write_file", refuse)
    with pytest.raises(RenderError) as caught:
        build(Settings(ROOT, minimal_build.settings.edition, TEMPLATES, build_dir))
    message = str(caught.value)
    assert message.startswith(str(build_dir / "")) and "\n" not in message
    assert message.endswith(f"cannot write: {os.strerror(code)}")
    assert _outputs(out) == before
    assert not [p for folder in (build_dir, out) for p in folder.iterdir()
                if p.name.startswith(".staging-")]


#: In a mount namespace of its own (gone when it ends): build/ on a small tmpfs holding the
#: earlier outputs in the collection's folder, or bound onto itself read-only, which stops
#: root as chmod does not; then the build, and the digests of what the collection's folder
#: holds after it.
_ON_A_REAL_DISK = """
set -e
build=$1 earlier=$2 kind=$3 kb=$4 out=$5 id=$6
if [ "$kind" = full ]; then
  mount -t tmpfs -o size=${kb}k tmpfs "$build"
  mkdir "$build/$id"
  cp -p "$earlier"/* "$build/$id"/
else
  mkdir "$build/$id"
  cp -p "$earlier"/* "$build/$id"/
  mount --bind "$build" "$build"
  mount -o remount,ro,bind "$build"
fi
set +e
"$PYTHON" -m invoke build >"$out/stdout" 2>"$out/stderr"
echo $? >"$out/rc"
cd "$build/$id" && sha256sum -- * >"$out/after"
"""


def _namespaces() -> bool:
    """Whether this process may mount in a mount namespace of its own (root with
    CAP_SYS_ADMIN, as the tests run here; not in every container)."""
    if shutil.which("unshare") is None:
        return False
    with tempfile.TemporaryDirectory() as scratch:
        probe = subprocess.run(["unshare", "-m", "--propagation", "private", "mount", "-t",
                                "tmpfs", "-o", "size=16k", "tmpfs", scratch],
                               capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.skipif(not _namespaces(), reason="cannot mount in a mount namespace here")
@pytest.mark.parametrize("kind", ["full", "read-only"])
def test_a_real_full_or_read_only_disk_is_one_line_and_loses_nothing(minimal_build, tmp_path,
                                                                     kind):
    # The same faults as above without a mock: a tmpfs with room for the earlier outputs and
    # little else, or a read-only bind mount.
    earlier = minimal_build.settings.out_dir
    names = sorted(p.name for p in earlier.iterdir() if p.is_file()
                   and not p.name.startswith("."))
    kb = sum((earlier / n).stat().st_size for n in names) // 1024 + 4 * len(names) + 68
    build_dir, out = tmp_path / "build", tmp_path / "out"
    build_dir.mkdir()
    out.mkdir()
    env = {**os.environ, "PYTHON": sys.executable,
           "INVOKE_PRESSROOM_EDITION": str(minimal_build.settings.edition),
           "INVOKE_PRESSROOM_BUILD_DIR": str(build_dir)}
    subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", _ON_A_REAL_DISK,
                    "sh", str(build_dir), str(earlier), kind, str(kb), str(out),
                    minimal_build.settings.collection_id],
                   cwd=ROOT, env=env, check=True, timeout=600)
    stderr = (out / "stderr").read_text()
    assert (out / "rc").read_text().strip() == "1", stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr, stderr
    if kind == "full":
        assert stderr.startswith(f"error: {build_dir}/") and "No space left on device" in stderr
    else:
        assert stderr.strip() == (f"error: {build_dir / '.lock'}: cannot write: "
                                  "Read-only file system")
    after = dict(reversed(line.split(maxsplit=1)) for line in
                 (out / "after").read_text().splitlines())
    before = {n: hashlib.sha256((earlier / n).read_bytes()).hexdigest() for n in names}
    assert after == before


def test_clean_during_a_build_is_refused_with_the_second_builds_line():
    # inv clean empties only a folder inside the project: a scratch one, removed after.
    build_dir = Path(tempfile.mkdtemp(prefix="build-hostile-", dir=ROOT))
    env = {**os.environ, "INVOKE_PRESSROOM_BUILD_DIR": str(build_dir)}
    try:
        with files.build_lock(build_dir):
            (build_dir / "keep.pdf").write_bytes(b"%PDF-")
            result = subprocess.run([sys.executable, "-m", "invoke", "clean"], cwd=ROOT,
                                    env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 1
        assert result.stderr.strip() == (
            f"error: {(build_dir / '.lock').relative_to(ROOT)}: another build is running in "
            f"this project (pid {os.getpid()}); wait for it to finish")
        assert (build_dir / "keep.pdf").exists()
        result = subprocess.run([sys.executable, "-m", "invoke", "clean"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert [p.name for p in build_dir.iterdir()] == [".lock"]
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)


# -- 2. SIGTERM stops a build cleanly --------------------------------------------------------

COMMITTED = ("a.pdf", "b.epub", "manifest.json")


def _stop_the_second_move(monkeypatch, staging: files.Staging, fault: BaseException) -> None:
    """Path.replace raises ``fault`` once, on the second staged file it would move."""
    real, seen = Path.replace, []

    def replace(self: Path, target):
        if self.parent == staging.folder:
            seen.append(self)
            if len(seen) == 2:
                raise fault
        return real(self, target)

    monkeypatch.setattr(Path, "replace", replace)


@pytest.mark.parametrize("fault", [KeyboardInterrupt(), SystemExit(143),
                                   OSError(errno.EROFS, os.strerror(errno.EROFS))],
                         ids=["ctrl-c", "sigterm", "read-only"])
def test_a_commit_stopped_half_way_is_finished_not_left_half_new(tmp_path, monkeypatch, fault):
    # SIGTERM raises SystemExit in the build: when it lands between the commit's moves, the
    # build's clean-up (discard) must not throw away the staged files the journal names.
    build_dir = tmp_path / "build"
    build_dir.mkdir()
    for name in COMMITTED:
        (build_dir / name).write_text("old")
    with files.build_lock(build_dir):
        staging = files.Staging(build_dir)
        for name in COMMITTED:
            staging.write(name, b"new")
        _stop_the_second_move(monkeypatch, staging, fault)
        with pytest.raises(RenderError if isinstance(fault, OSError) else type(fault)):
            try:
                staging.commit()
            finally:
                staging.discard()  # as engine.build does
        monkeypatch.undo()
    if not isinstance(fault, OSError):  # finished at once
        assert {(build_dir / n).read_text() for n in COMMITTED} == {"new"}
    with files.build_lock(build_dir):  # the next build: recover
        pass
    assert {(build_dir / n).read_text() for n in COMMITTED} == {"new"}
    assert sorted(p.name for p in build_dir.iterdir()) == [".lock", *sorted(COMMITTED)]


def _children(pid: int) -> list[int]:
    # A process may end while its tree is walked: it has no children then.
    found = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _tree(pid: int) -> dict[int, int]:
    """Every descendant of pid, with its depth below it."""
    out, todo = {}, [(pid, 0)]
    while todo:
        parent, depth = todo.pop()
        for child in _children(parent):
            out[child] = depth + 1
            todo.append((child, depth + 1))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _is_worker(pid: int) -> bool:
    # A fork of the fork server has its command line. (The fork server's import of
    # WeasyPrint runs gcc and ld, two below the build too: those are no workers.)
    try:
        return b"multiprocessing.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("task", [["build"], ["handout", "sample-1999"]],
                         ids=["build", "handout"])
def test_sigterm_stops_the_build_and_its_workers_and_loses_nothing(tmp_path, task):
    content = copy_fixture(tmp_path)
    build_dir = tmp_path / "build"
    env = {**os.environ, "INVOKE_PRESSROOM_EDITION": str(content / "edition.yaml"),
           "INVOKE_PRESSROOM_BUILD_DIR": str(build_dir)}
    command = [sys.executable, "-m", "invoke", *task]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    out = build_dir / collection_id(content / "edition.yaml")
    before = _outputs(out)
    reading = content / "readings" / "sample.md"
    reading.write_text(reading.read_text().replace("\n\n", "\n\nA new sentence.\n\n", 1))
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        tree: dict[int, int] = {}
        deadline = time.monotonic() + 120
        # A worker: a fork of the fork server, two below the build.
        while not any(depth == 2 and _is_worker(pid) for pid, depth in tree.items()):
            assert proc.poll() is None and time.monotonic() < deadline, "no worker started"
            time.sleep(0.02)
            tree = _tree(proc.pid)
        tree |= _tree(proc.pid)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    assert "Traceback" not in stderr.decode(), stderr.decode()
    deadline = time.monotonic() + 30
    while [pid for pid in tree if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in tree if _alive(pid)]
    assert _outputs(out) == before
    (build_dir / ".epub-left-by-a-killed-worker").mkdir()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    assert not [p.name for folder in (build_dir, out) for p in folder.iterdir()
                if p.name.startswith((".epub-", ".staging-"))]
