"""Draw the chronology as an SVG figure: the phases as bands, the events as labelled marks.

The geometry is computed here from the same data as the appendix; the drawing itself is the
Jinja template templates/figure-timeline.svg.j2, so an editor can restyle it without Python.
The figure reads top to bottom, one row per event, the date and the title on one line where
they fit: a plate about two-thirds as wide as it is high, which fills a portrait page with type
of 8-9 pt on A4 and scales down whole for a booklet's smaller page.

Dates whose year is unknown (EDTF ``XXXX``) cannot be placed on the time axis: their rows come
last and stand outside every phase band, rather than stopping the build.
"""

from __future__ import annotations

import base64
import textwrap
from dataclasses import dataclass
from pathlib import Path

from .dates import EdtfDate
from .models import Chronology, Event, Phase
from .templating import make_environment, render_template

#: The widest the figure is drawn; it is narrower when the longest title is shorter.
WIDTH = 720
#: An estimate of the labels' average character width (16-unit type), generous enough
#: for a fallback face in an e-reader.
CHAR_W = 8.0
TOP = 12
PAD = 7
LINE = 19
DATE_CHARS = 18
TITLE_CHARS = 54
SPINE_X = 56
DATE_X = 70
TEXT_X = 232
BAND_X = 4
BAND_W = 34
#: Room under the last row for the key.
KEY_SPACE = 44


@dataclass(frozen=True)
class Row:
    y: float
    date_lines: tuple[str, ...]
    title_lines: tuple[str, ...]
    shape: str  # dot | hollow | bar
    height: float


@dataclass(frozen=True)
class Band:
    label: str
    y: float
    height: float
    tone: int


@dataclass(frozen=True)
class Layout:
    width: int
    height: float
    rows: tuple[Row, ...]
    bands: tuple[Band, ...]
    description: str


def _bounds(phases: list[Phase]) -> list[tuple[Phase, float, float]]:
    """Phases as half-open year intervals that do not overlap: a phase runs until the next
    begins (1950–56 then 1956–59 share 1956, which goes to the later phase)."""
    ordered = sorted(phases, key=lambda p: p.start)
    out = []
    for i, phase in enumerate(ordered):
        end = ordered[i + 1].start if i + 1 < len(ordered) else phase.end + 1
        if i + 1 < len(ordered) and ordered[i + 1].start > phase.end:
            end = phase.end + 1
        out.append((phase, float(phase.start), float(end)))
    return out


def _year(date: EdtfDate) -> float | None:
    """The date's place on the time axis, or None when its year is not known."""
    try:
        lower = date.lower
        return lower.year + (lower.timetuple().tm_yday - 1) / 366
    except (AttributeError, TypeError, ValueError):
        return None


def _in_order(chronology: Chronology) -> list[Event]:
    """Events in date order; those with no known year after the rest, in their given order."""
    unplaced = [e for e in chronology.events if _year(e.date) is None]
    try:
        ordered = chronology.in_date_order()
    except (AttributeError, TypeError, ValueError):
        ordered = sorted(chronology.events, key=lambda e: _year(e.date) or 0.0)
    return [e for e in ordered if _year(e.date) is not None] + unplaced


@dataclass(frozen=True)
class PhaseGroup:
    """The events of one phase (label None: events before, after or outside the phases)."""

    label: str | None
    years: str
    events: tuple[Event, ...]


def phase_groups(chronology: Chronology) -> list[PhaseGroup]:
    """The chronology as text by phase: each phase with its events, in date order.

    Events outside every phase form groups of their own, labelled only by their years.
    """
    bounds = _bounds(list(chronology.phases))
    groups: list[PhaseGroup] = []
    current: list[Event] = []
    current_phase: Phase | None = None
    started = False

    def flush() -> None:
        if not current:
            return
        if current_phase is not None:
            years = f"{current_phase.start}–{current_phase.end}"
            groups.append(PhaseGroup(current_phase.label, years, tuple(current)))
        else:
            known = [y for y in (_year(e.date) for e in current) if y is not None]
            first, last = (int(min(known)), int(max(known))) if known else (None, None)
            years = "" if first is None else str(first) if first == last else f"{first}–{last}"
            groups.append(PhaseGroup(None, years, tuple(current)))

    for event in _in_order(chronology):
        year = _year(event.date)
        phase = next((p for p, start, end in bounds
                      if year is not None and start <= year < end), None)
        if not started or phase is not current_phase:
            flush()
            current, current_phase, started = [], phase, True
        current.append(event)
    flush()
    return groups


def _shape(event: Event) -> str:
    if event.date.uncertain or event.date.approximate:
        return "hollow"
    return "bar" if event.date.is_range else "dot"


def layout_timeline(chronology: Chronology) -> Layout:
    """Rows for the events in date order and bands for the phases around their rows."""
    events = _in_order(chronology)
    rows: list[Row] = []
    y = TOP
    for event in events:
        # One row per event: the date in a column of its own, the title beside it; either
        # wraps, and the row grows to the longer of the two.
        title = tuple(textwrap.wrap(event.title, TITLE_CHARS)) or ("",)
        date = tuple(textwrap.wrap(event.date.display(), DATE_CHARS)) or ("",)
        height = LINE * max(len(title), len(date)) + PAD
        rows.append(Row(y, date, title, _shape(event), height))
        y += height
    bands: list[Band] = []
    for tone, (phase, start, end) in enumerate(_bounds(list(chronology.phases))):
        inside = [r for r, e in zip(rows, events, strict=True)
                  if (year := _year(e.date)) is not None and start <= year < end]
        if inside:
            top = inside[0].y - 3
            bottom = inside[-1].y + inside[-1].height - 3
            bands.append(Band(phase.label, top, bottom - top, tone % 4))
    phases = ", ".join(f"{p.label.lower()} ({p.start}–{p.end})" for p in chronology.phases)
    dated = [e for e in events if _year(e.date) is not None] or events
    description = (
        f"A timeline of {len(events)} events from {dated[0].date.display()} to "
        f"{dated[-1].date.display()}, read top to bottom"
        + (f", grouped in the phases {phases}" if phases else "")
        + ". Every event is listed with its annotation in the chronology that follows."
    )
    longest = max((len(line) for row in rows for line in row.title_lines), default=0)
    width = min(WIDTH, max(int(TEXT_X + longest * CHAR_W + 12), 440))
    return Layout(width, y + KEY_SPACE, tuple(rows), tuple(bands), description)


def render_timeline_svg(chronology: Chronology, templates_dir: Path) -> tuple[str, str]:
    """The SVG text and its text alternative."""
    layout = layout_timeline(chronology)
    env = make_environment(templates_dir, "xml")  # SVG is XML: data is escaped
    context = {
        "layout": layout,
        "title": chronology.title,
        "spine_x": SPINE_X,
        "date_x": DATE_X,
        "text_x": TEXT_X,
        "band_x": BAND_X,
        "band_w": BAND_W,
        "line": LINE,
    }
    svg = render_template(env, "figure-timeline.svg.j2", context, templates_dir)
    return svg, layout.description


def data_uri(svg: str) -> str:
    """The SVG as a data: URI: Pandoc's sandbox reads no files, but it unpacks these."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
