"""What an untrusted contributor might send, fed to the real build on a copy of the fixture.

Each case is refused with one line naming the file, or neutralised (printed as text). In every
case no byte of a file outside the project reaches an output, no network connection is made,
and the outputs of the earlier good build are left as they were.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import uuid
import zipfile
import zlib
from pathlib import Path

import pytest

from helpers import MINIMAL, ROOT, TEMPLATES, pdftotext
from pressroom.engine.build import build
from pressroom.engine.settings import Settings
from pressroom.errors import ConfigError, ContentError, LimitError, PressroomError
from pressroom.tools.pandoc import run_pandoc
from pressroom.tools.run import Limits

MARKER = f"PRESSROOM-OUTSIDE-{uuid.uuid4().hex}"


DEFAULT = Limits()


def _settings(project: Path, limits: Limits = DEFAULT) -> Settings:
    return Settings(project, project / "content", TEMPLATES, project / "build", limits=limits)


@pytest.fixture(scope="module")
def good_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture edition built once, whole: the earlier outputs every case must leave alone."""
    project = tmp_path_factory.mktemp("good") / "project"
    shutil.copytree(MINIMAL, project / "content")
    build(_settings(project))
    return project / "build"


class World:
    """A project (the fixture edition, its earlier outputs) and a secret file outside it."""

    def __init__(self, tmp_path: Path, good_build: Path) -> None:
        self.outside = tmp_path / "outside"
        self.outside.mkdir()
        self.secret = self.outside / "secret.txt"
        self.secret.write_text(f"{MARKER}\n", encoding="utf-8")
        self.project = tmp_path / "project"
        shutil.copytree(MINIMAL, self.project / "content")
        shutil.copytree(good_build, self.project / "build")
        self.before = self.outputs()

    @property
    def content(self) -> Path:
        return self.project / "content"

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.content / name
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def add_to_reading(self, markdown: str) -> None:
        self.edit("readings/sample.md", "> “A quotation", f"{markdown}\n\n> “A quotation")

    @property
    def out(self) -> Path:
        """The collection's own folder under build/: its outputs and manifest."""
        return _settings(self.project).out_dir

    def outputs(self) -> dict[str, str]:
        """sha256 of the manifest and of every output it lists."""
        out = self.out
        names = ["manifest.json"] + [
            e["path"] for e in json.loads((out / "manifest.json").read_text())["outputs"]
        ]
        return {n: hashlib.sha256((out / n).read_bytes()).hexdigest() for n in names}

    def refused(self, match: str, kind: type[PressroomError] = PressroomError,
                limits: Limits = DEFAULT) -> PressroomError:
        """Build; it must stop with one line matching match, the earlier outputs untouched."""
        with pytest.raises(kind, match=match) as caught:
            build(_settings(self.project, limits))
        message = str(caught.value)
        assert "\n" not in message
        assert MARKER not in message
        assert self.outputs() == self.before
        return caught.value

    def built_text(self) -> str:
        """Everything the outputs say: the HTML, the PDFs' text, every EPUB member."""
        build_dir = self.out
        texts = [p.read_text(encoding="utf-8") for p in build_dir.glob("*.html")]
        texts += [pdftotext(p) for p in build_dir.glob("*.pdf")]
        for epub in build_dir.glob("*.epub"):
            with zipfile.ZipFile(epub) as zf:
                texts += [zf.read(n).decode("utf-8", "replace") for n in zf.namelist()]
        return "\n".join(texts)

    def no_outside_bytes(self) -> None:
        build_dir = self.project / "build"
        for path in build_dir.rglob("*"):
            if path.is_file():
                assert MARKER.encode() not in path.read_bytes(), path
        assert MARKER not in self.built_text()


@pytest.fixture
def world(tmp_path: Path, good_build: Path) -> World:
    return World(tmp_path, good_build)


class Listener:
    """A loopback TCP listener that records whether anything connected to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1


@pytest.fixture
def listener():
    listening = Listener()
    yield listening
    listening.sock.close()


# --- files outside the project, by every route -------------------------------------------------


@pytest.mark.parametrize("route", ["absolute", "file-url", "dotdot", "symlink"])
def test_an_image_cannot_read_a_file_outside_the_project(world: World, route: str):
    readings = world.content / "readings"
    target = {
        "absolute": str(world.secret),
        "file-url": world.secret.as_uri(),
        "dotdot": os.path.relpath(world.secret, readings),
        "symlink": "innocent.png",
    }[route]
    (readings / "innocent.png").symlink_to(world.secret)
    world.add_to_reading(f"![A figure]({target})")
    # Refused at load time, naming the reading and the line that asked for it.
    error = world.refused({
        "absolute": r"not an absolute path",
        "file-url": r"not URLs",
        "dotdot": r"outside the content folder",
        "symlink": r"outside the content folder",
    }[route])
    assert error.path == readings / "sample.md" and error.line is not None
    world.no_outside_bytes()


@pytest.mark.parametrize("route", ["absolute", "file-url", "dotdot"])
def test_a_link_cannot_point_at_a_file_outside(world: World, route: str):
    target = {"absolute": str(world.secret), "file-url": world.secret.as_uri(),
              "dotdot": "../outside/secret.txt"}[route]
    world.add_to_reading(f"See [the file]({target}).")
    error = world.refused("link to unsupported target")
    # Named where the contributor wrote it: the reading's file and line.
    assert error.path == world.content / "readings" / "sample.md" and error.line is not None


def test_a_reading_symlinked_out_of_the_project_is_refused(world: World):
    (world.content / "readings" / "sample.md").unlink()
    (world.content / "readings" / "sample.md").symlink_to(world.secret)
    error = world.refused("outside the (content folder|project)", ConfigError)
    assert error.path is not None and error.path.name == "edition.yaml" and error.line == 8


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_device_files_are_refused(world: World, device: str):
    # As an image, and as the edition's timeline data (a symlink in the content folder).
    world.add_to_reading(f"![noise]({device})")
    world.refused(r"refused to fetch|not a file|could not fetch|sandbox|dev")
    world.edit("readings/sample.md", f"![noise]({device})", "")
    chronology = world.content / "timeline" / "chronology.yaml"
    chronology.unlink()
    chronology.symlink_to(device)
    world.refused("outside the (content folder|project)", ConfigError)


# --- the network -------------------------------------------------------------------------------


def test_images_and_attributes_fetch_nothing_from_the_network(world: World, listener: Listener):
    world.add_to_reading(f"![remote]({listener.url}/image.png)")
    world.refused(rf"sample\.md:\d+: image '{listener.url}/image\.png': images must be files "
                  "beside the reading, not URLs")
    world.edit("readings/sample.md", f"![remote]({listener.url}/image.png)",
               f'[styled]{{style="background-image: url({listener.url}/bg.png)"}}')
    world.refused(r"sample\.md:\d+: attribute style is not allowed")
    assert listener.connections() == 0


def test_stylesheet_urls_and_web_fonts_fetch_nothing(world: World, listener: Listener,
                                                    tmp_path: Path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    with (templates / "print.css").open("a", encoding="utf-8") as css:
        css.write(f'\n@font-face {{ font-family: "EB Garamond"; '
                  f"src: url({listener.url}/f.woff2); }}\n"
                  f"p {{ background: url({listener.url}/bg.png); }}\n")
    settings = Settings(world.project, world.content, templates, world.project / "build")
    with pytest.raises(PressroomError, match=r"^refused to fetch http://127\.0\.0\.1:\d+/f\.woff2: "
                                              "http URLs are not fetched$"):
        build(settings)
    assert listener.connections() == 0
    assert world.outputs() == world.before


def test_a_web_link_is_only_a_link(world: World, listener: Listener):
    world.add_to_reading(f"Read [the page]({listener.url}/page).")
    build(_settings(world.project), formats=("html", "epub"))
    assert listener.connections() == 0
    assert f'href="{listener.url}/page"' in world.built_text()


# --- markup that must print as text ------------------------------------------------------------


@pytest.mark.slow
def test_raw_html_tex_and_template_syntax_print_literally(world: World):
    world.add_to_reading(
        "<script>alert('x')</script> <img src=x onerror=alert(1)> "
        "\\input{/etc/passwd} `<b>bold</b>`{=html} {{ 7*7 }} {% if true %}yes{% endif %}"
    )
    world.edit("readings/sample.md", "title: On Sample Texts",
               "title: 'On {{ 7*7 }} {% raw %}Texts'")
    world.edit("timeline/chronology.yaml", "title: A treaty is signed",
               "title: \"A {{ 7*7 }} treaty {% include 'x' %} <script>\"")
    build(_settings(world.project))
    build_dir = world.out
    pages = [p.read_text(encoding="utf-8") for p in build_dir.glob("*.html")]
    with zipfile.ZipFile(next(build_dir.glob("*.epub"))) as zf:
        pages += [zf.read(n).decode() for n in zf.namelist() if n.endswith(".xhtml")]
    for page in pages:
        assert "<script" not in page and "<img src=x" not in page and "<b>bold" not in page
    # Compared without white space: the PDF breaks lines after a slash.
    printed = "".join(pdftotext(next(build_dir.glob("*-a4.pdf"))).split())
    for literal in ("<script>alert('x')</script>", "<img src=x onerror=alert(1)>",
                    "\\input{/etc/passwd}", "{{ 7*7 }}", "{% if true %}yes{% endif %}",
                    "A {{ 7*7 }} treaty {% include 'x' %} <script>", "On {{ 7*7 }} {% raw %}Texts"):
        assert "".join(literal.split()) in printed.replace("’", "'").replace("‘", "'"), literal
    text = world.built_text()
    assert "49" not in printed.replace("1949", "")
    root_line = next(line for line in Path("/etc/passwd").read_text().splitlines()
                     if line.startswith("root:"))
    assert root_line not in text


def test_event_handler_attributes_do_not_reach_the_outputs(world: World):
    world.add_to_reading('[click]{onclick="alert(1)"} ![i](data:,x){onload="alert(2)"}')
    world.refused(r"attribute|data")


# --- YAML tricks -------------------------------------------------------------------------------


@pytest.mark.parametrize(("yaml_text", "match"), [
    ("a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n", "anchors and aliases"),
    ("title: !!python/object/apply:os.system ['echo hacked']\n", "YAML error"),
    ("title: !!python/object:builtins.object {}\n", "YAML error"),
])
def test_yaml_tricks_are_refused(world: World, yaml_text: str, match: str):
    (world.content / "timeline" / "chronology.yaml").write_text(yaml_text, encoding="utf-8")
    error = world.refused(match, ContentError)
    assert error.path == world.content / "timeline" / "chronology.yaml"
    assert error.line is not None


# --- size ---------------------------------------------------------------------------------------


def test_a_fifty_megabyte_reading_is_refused_before_it_is_read(world: World):
    reading = world.content / "readings" / "sample.md"
    with reading.open("a", encoding="utf-8") as handle:
        line = "All work and no play makes a very long reading. " * 20 + "\n\n"
        handle.write(line * (50 * 1024 * 1024 // len(line)))
    started = time.monotonic()
    error = world.refused(r"larger than 10 MB \(limit source_mb; raise it in invoke\.yaml",
                          ContentError)
    assert time.monotonic() - started < 10
    assert error.path == reading


@pytest.mark.slow
def test_the_size_limit_can_be_raised(world: World):
    data = world.content / "timeline" / "historiography.yaml"
    data.write_text(data.read_text(encoding="utf-8") + "#" * (2 * 1024 * 1024) + "\n")
    world.refused("larger than 1 MB", ContentError, limits=Limits(source_mb=1))
    build(_settings(world.project, Limits(source_mb=3)), formats=("html",))


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def test_a_decompression_bomb_image_is_refused(world: World):
    (world.content / "readings" / "bomb.png").write_bytes(_png(100_000, 100_000))
    world.add_to_reading("![A bomb](bomb.png)")
    world.refused(r"sample\.md:\d+: image 'bomb\.png': 100000 x 100000 pixels")


# --- pathological nesting -----------------------------------------------------------------------


@pytest.mark.parametrize("nesting", [
    "[" * 20000 + "x" + "]" * 20000,
    "> " * 20000 + "x",
])
@pytest.mark.slow
def test_pathological_nesting_stops_within_the_limit(world: World, nesting: str):
    world.add_to_reading(nesting)
    started = time.monotonic()
    # Pandoc's parse of deep brackets is exponential in time and memory: whichever limit it
    # reaches first stops it.
    error = world.refused(r"pandoc (stopped after 5 s \(limit pandoc_seconds|ran out of memory "
                          r"at 512 MB \(limit pandoc_memory_mb); raise it in invoke\.yaml under "
                          r"pressroom\.limits\)$", LimitError,
                          limits=Limits(pandoc_seconds=5, pandoc_memory_mb=512))
    assert time.monotonic() - started < 30
    assert error.path == world.content / "readings" / "sample.md"
    assert str(error).startswith(f"{error.path}: pandoc ")


def test_pandoc_memory_limit_names_the_file(tmp_path: Path):
    source = tmp_path / "deep.md"
    source.write_text("[" * 20000 + "x" + "]" * 20000 + "\n", encoding="utf-8")
    with pytest.raises(LimitError, match=r"^.*deep\.md: pandoc ran out of memory at 64 MB "
                                         r"\(limit pandoc_memory_mb;"):
        run_pandoc(source, "html5", limits=Limits(pandoc_memory_mb=64, pandoc_seconds=60))


# --- limits from the configuration, through the command line -----------------------------------


def _invoke(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **env_extra}
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_a_limit_set_in_the_configuration_stops_the_cli_with_one_line(world: World):
    world.add_to_reading("> " * 20000 + "x")
    result = _invoke({"INVOKE_PRESSROOM_EDITION": str(world.content),
                      "INVOKE_PRESSROOM_BUILD_DIR": str(world.project / "build"),
                      "INVOKE_PRESSROOM_LIMITS_PANDOC_SECONDS": "3"}, "build")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {world.content / 'readings' / 'sample.md'}: pandoc stopped after 3 s "
        "(limit pandoc_seconds; raise it in invoke.yaml under pressroom.limits)"
    ]
    assert world.outputs() == world.before


def test_an_unknown_limit_in_the_configuration_is_one_line(tmp_path: Path):
    result = _invoke({"INVOKE_PRESSROOM_BUILD_DIR": str(tmp_path)}, "--config",
                     str(_write(tmp_path / "limits.yaml", "pressroom:\n  limits:\n"
                                "    pandoc_secs: 5\n")), "html")
    assert result.returncode == 1
    assert result.stderr.startswith("error: unknown limit 'pandoc_secs' under pressroom.limits")
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == [tmp_path / "limits.yaml"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
