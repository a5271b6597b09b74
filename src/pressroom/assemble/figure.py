"""The timeline figure: an SVG drawn from the chronology through a Jinja template.

The figure reads top to bottom, one row per event, the date and the title on one line where
they fit: a plate about two-thirds as wide as it is high, which fills a portrait page with type
of 8-9 pt on A4 and scales down whole for a booklet's smaller page.

An event whose date gives no year (XXXX-01) is not drawn: a mark would give it a place in time
it does not have. The text alternative says which, and the appendix caption can (undrawn()).
"""


from __future__ import annotations

import base64
import textwrap
from dataclasses import dataclass
from pathlib import Path

from pressroom.dates import EdtfDate
from pressroom.sources.timeline import Chronology, Event, Phase
from pressroom.templating import make_environment, render_template

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
#: A band label's run per character: 15-unit type, 1 unit of letter-spacing, rotated.
LABEL_PX = 9


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


def undrawn(chronology: Chronology) -> list[Event]:
    """The events the figure leaves out: those whose date gives no year."""
    return [e for e in chronology.in_date_order() if not e.date.year_known]


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

    for event in chronology.in_date_order():
        year = _year(event.date)
        # An event without a year stays where the chronology places it (its sort_after).
        phase = current_phase if year is None else next(
            (p for p, start, end in bounds if start <= year < end), None)
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
    events = [e for e in chronology.in_date_order() if e.date.year_known]
    left_out = undrawn(chronology)
    bounds = _bounds(list(chronology.phases))

    def phase_of(event: Event) -> int | None:
        year = _year(event.date)
        return next((i for i, (_, start, end) in enumerate(bounds)
                     if year is not None and start <= year < end), None)

    rows: list[Row] = []
    bands: list[Band] = []
    y = TOP
    current: int | None = None
    band_top = y

    def close_band() -> float:
        # A band is at least as tall as its rotated label, so a phase with one or two events
        # still shows its name: the space after its last row grows instead.
        if current is None:
            return y
        label = bounds[current][0].label
        bottom = max(y, band_top + LABEL_PX * len(label) + 2 * PAD)
        bands.append(Band(label, band_top - 3, bottom - band_top, current % 4))
        return bottom

    for event in events:
        phase = phase_of(event)
        if phase != current:
            y = close_band()
            current, band_top = phase, y
        # One row per event: the date in a column of its own, the title beside it; either
        # wraps, and the row grows to the longer of the two.
        title = tuple(textwrap.wrap(event.title, TITLE_CHARS)) or ("",)
        date = tuple(textwrap.wrap(event.date.display(), DATE_CHARS)) or ("",)
        height = LINE * max(len(title), len(date)) + PAD
        rows.append(Row(y, date, title, _shape(event), height))
        y += height
    y = close_band()
    phases = ", ".join(f"{p.label.lower()} ({p.start}–{p.end})" for p in chronology.phases)
    description = (
        f"A timeline of {len(events)} events from {events[0].date.display()} to "
        f"{events[-1].date.display()}, read top to bottom"
        + (f", grouped in the phases {phases}" if phases else "")
        + ". Every event is listed with its annotation in the entries of the chronology."
        + "".join(f" Not drawn, because no year is given: {e.title} ({e.date.display()})."
                  for e in left_out)
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
