"""Historical dates with their real precision, written in EDTF (Library of Congress).

We accept EDTF level 1's everyday part: ``1956``, ``1956-02``, ``1956-02-14``, intervals
``1956-02-14/1956-02-25``, and the qualifiers ``?`` (uncertain) and ``~`` (approximate).

One level-2 form is accepted as well: a month (or day) whose year the source does not give,
written with an unspecified year, ``XXXX-01``. Such a date is printed as written ("January,
year not given"); it has no bounds, so it cannot place itself in a sequence: whoever sorts it
(the chronology, by its ``sort_after`` field) must say where it goes.
"""


from __future__ import annotations

import calendar
import datetime as dt
import re
import time
from dataclasses import dataclass

from edtf import parse_edtf
from edtf.parser.edtf_exceptions import EDTFParseException

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


NO_YEAR = "year not given"
"""How a date without a year says so when printed."""

_NO_YEAR = re.compile(r"XXXX-(\d\d)(?:-(\d\d))?")


@dataclass(frozen=True)
class Point:
    year: int | None  # None: the source gives no year (EDTF XXXX)
    month: int | None
    day: int | None
    uncertain: bool = False
    approximate: bool = False

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def parts(self) -> tuple[str, ...]:
        out: list[str] = []
        if self.day:
            out.append(str(self.day))
        if self.month:
            out.append(MONTHS[self.month - 1])
        if self.year is not None:
            out.append(str(self.year))
        return tuple(out)


@dataclass(frozen=True)
class EdtfDate:
    """A parsed date: its EDTF text, its bounds, and how to print it."""

    text: str
    start: Point
    end: Point | None
    lower: dt.date | None  # None (both) when the year is not given
    upper: dt.date | None

    @property
    def precision(self) -> str:
        return self.start.precision

    @property
    def is_range(self) -> bool:
        return self.end is not None

    @property
    def uncertain(self) -> bool:
        return self.start.uncertain or bool(self.end and self.end.uncertain)

    @property
    def approximate(self) -> bool:
        return self.start.approximate or bool(self.end and self.end.approximate)

    @property
    def year_known(self) -> bool:
        return self.start.year is not None

    @property
    def sort_key(self) -> tuple[dt.date, dt.date]:
        if self.lower is None or self.upper is None:
            raise ValueError(f"{self.text!r} gives no year, so it cannot be sorted by itself")
        return (self.lower, self.upper)

    def display(self) -> str:
        """Human form: '14–25 February 1956', '31 July – 3 August 1958', 'c. 1956',
        'January, year not given'."""
        start = self.start.parts()
        if not self.year_known:
            return f"{' '.join(start)}, {NO_YEAR}"
        if self.end is None:
            text = " ".join(start)
        else:
            end = self.end.parts()
            # Print what the two ends share once: '14–25 February 1956'; only when both ends
            # have the same precision ('February – 14 February' would mislead).
            shared = 0
            while (
                self.start.precision == self.end.precision
                and shared < min(len(start), len(end)) - 1
                and start[-1 - shared] == end[-1 - shared]
            ):
                shared += 1
            head = " ".join(start[: len(start) - shared])
            tail = " ".join(end)
            sep = "–" if len(start) - shared == 1 else " – "
            text = f"{head}{sep}{tail}"
        if self.approximate:
            text = f"c. {text}"
        if self.uncertain:
            text = f"{text}?"
        return text

    def __str__(self) -> str:
        return self.text


def _point(text: str) -> Point:
    uncertain = "?" in text or "%" in text
    approximate = "~" in text or "%" in text
    core = text.rstrip("?~%")
    pieces = core.split("-")
    if not 1 <= len(pieces) <= 3 or not all(p.isdigit() for p in pieces):
        raise ValueError(f"unparseable date {text!r}")
    numbers = [int(p) for p in pieces] + [None] * (3 - len(pieces))
    if numbers[1] is not None and not 1 <= numbers[1] <= 12:
        # EDTF reads 21-41 as seasons and quarters; a chronology needs real months.
        raise ValueError(f"month {numbers[1]} in {text!r}: seasons and quarters are not supported")
    return Point(numbers[0], numbers[1], numbers[2], uncertain, approximate)


def _no_year(text: str) -> EdtfDate:
    """XXXX-MM or XXXX-MM-DD: a month (or day) that is known, in a year that is not."""
    found = _NO_YEAR.fullmatch(text)
    if found is None:
        raise ValueError(
            f"unspecified digits in {text!r}: only a whole unknown year is supported, with its "
            "month known, as in \"XXXX-01\" (no qualifiers, not in a range)"
        )
    month = int(found.group(1))
    day = int(found.group(2)) if found.group(2) else None
    try:
        dt.date(2000, month, day or 1)  # a leap year: 29 February is possible in some year
    except ValueError:
        raise ValueError(f"impossible date {text!r}") from None
    return EdtfDate(text, Point(None, month, day), None, None, None)


def _to_date(struct: time.struct_time) -> dt.date:
    return dt.date(struct.tm_year, struct.tm_mon, struct.tm_mday)


_PLAIN = re.compile(r"(\d{4})(?:-(\d\d)(?:-(\d\d))?)?")


def _plain_bounds(text: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day of a plain year, month or day ("1956", "1956-02",
    "1956-02-14"), as EDTF's strict bounds are; None for anything else (qualifiers, ranges),
    which the EDTF parser reads. Plain dates are most of a chronology, and a parser built on
    a general grammar takes milliseconds for each."""
    found = _PLAIN.fullmatch(text)
    if found is None:
        return None
    year = int(found.group(1))
    month = int(found.group(2)) if found.group(2) else None
    day = int(found.group(3)) if found.group(3) else None
    if month is not None and not 1 <= month <= 12:
        return None  # seasons and quarters: the parser and _point say what is wrong
    try:
        if day is not None:
            first = last = dt.date(year, month or 1, day)
        elif month is not None:
            first = dt.date(year, month, 1)
            last = dt.date(year, month, calendar.monthrange(year, month)[1])
        else:
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError:
        return None  # an impossible day: the parser words the error
    return first, last


def parse_date(value: object) -> EdtfDate:
    """Parse an EDTF string; ValueError says what is wrong (pydantic adds where)."""
    if isinstance(value, EdtfDate):
        return value
    if isinstance(value, int | dt.date):
        raise ValueError(
            f"write the date as a quoted EDTF string (e.g. \"{value}\"), not a bare YAML value"
        )
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a date must be an EDTF string such as \"1956-02-14\"")
    text = value.strip()
    if "X" in text:
        return _no_year(text)
    return _plain_date(text) or _edtf_date(text)


def _edtf_date(text: str) -> EdtfDate:
    """Any accepted date, read by the EDTF parser."""
    try:
        parsed = parse_edtf(text)
    except EDTFParseException:
        raise ValueError(
            f"unparseable or impossible date {text!r} (EDTF: 1956, 1956-02, 1956-02-14, "
            "1956-02-14/1956-02-25, 1960-01?, 1956~)"
        ) from None
    first, _, second = text.partition("/")
    if not first or (second == "" and "/" in text) or first == ".." or second == "..":
        raise ValueError(f"open-ended range {text!r}: give both ends")
    start = _point(first)
    end = _point(second) if second else None
    try:
        lower = _to_date(parsed.lower_strict())
        upper = _to_date(parsed.upper_strict())
        if end is not None:
            start_lower = _to_date(parse_edtf(first).lower_strict())
            end_upper = _to_date(parse_edtf(second).upper_strict())
            if end_upper < start_lower:
                raise ValueError(f"range {text!r} ends before it starts")
    except ValueError as exc:
        if "ends before" in str(exc):
            raise
        raise ValueError(f"impossible date {text!r} ({exc})") from None
    if end == start:
        end = None  # a one-day range is that day
    return EdtfDate(text, start, end, lower, upper)


def _plain_date(text: str) -> EdtfDate | None:
    """A plain date or a range of two, without the EDTF parser; None if not that simple."""
    first, slash, second = text.partition("/")
    ends = [_plain_bounds(first), _plain_bounds(second) if slash else None]
    if ends[0] is None or (slash and ends[1] is None):
        return None
    lower, upper = ends[0][0], (ends[1] or ends[0])[1]
    if slash and upper < lower:
        raise ValueError(f"range {text!r} ends before it starts")
    start = _point(first)
    end = _point(second) if slash else None
    if end == start:
        end = None  # a one-day range is that day
    return EdtfDate(text, start, end, lower, upper)


#: Month names as cross-references abbreviate them ("16 Apr. 1960"); the short ones stay whole.
MONTH_ABBREVIATIONS = (
    "Jan.", "Feb.", "Mar.", "Apr.", "May", "June",
    "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.",
)


def abbreviate_months(text: str) -> str:
    """Every full month name in ``text`` abbreviated: '14–25 February 1956' -> '14–25 Feb. 1956'."""
    for name, short in zip(MONTHS, MONTH_ABBREVIATIONS, strict=True):
        text = text.replace(name, short)
    return text


def short_display(date: EdtfDate) -> str:
    """The date as display() prints it, months abbreviated: for references to an entry."""
    return abbreviate_months(date.display())


def human_date(day: dt.date) -> str:
    """A day as the imprint prints it: '27 November 2026'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
