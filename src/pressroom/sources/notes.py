"""A reading's footnotes: one note per call, one call per note; the numbers they print as."""


from __future__ import annotations

import re
from pathlib import Path

from pressroom.errors import ContentError, PressroomError, raise_together
from pressroom.sources.bodytext import code, mask

# A definition opens a line, after up to three spaces, inside any depth of block quote (as
# Pandoc reads "> [^1]: ..."); a call is a label anywhere else; an inline note is ^[...].
_NOTE_DEF = re.compile(r"^(?:[ \t]{0,3}>)*[ \t]{0,3}\[\^([^\]\s]+)\]:", re.MULTILINE)
_NOTE_CALL = re.compile(r"\[\^([^\]\s]+)\](?!:)|(?<!\\)\^\[")


def check_notes(path: Path, body: str, body_line: int) -> tuple[int, ...]:
    """Check a body's footnotes; the numbers they print as, in the order they are called.

    Code is shown, not read: a lesson's ``[^1]`` in a code span or block is no call. Where
    every note has a numbered label ([^12]) the notes print as those numbers, in whatever
    order they are called (an excerpt whose notes run 2-4, a text revised so that note 4
    comes after 6), since appendices and readers cite notes by the source's numbers; named
    labels and inline notes (^[...]) are numbered 1, 2, 3 … in the order of their calls.
    """
    scanned = mask(body, code(body))

    def line_at(offset: int) -> int:
        return body_line + body[:offset].count("\n")

    defs = [(m.group(1), m.start(1) - 2) for m in _NOTE_DEF.finditer(scanned)]
    called = [(m.group(1), m.start()) for m in _NOTE_CALL.finditer(scanned)]
    labels = [label for label, _ in defs]
    problems: list[PressroomError] = []
    for index, (label, offset) in enumerate(defs):
        if label in labels[:index]:
            problems.append(ContentError(f"note [^{label}] is defined a second time",
                                         path=path, line=line_at(offset)))
    for label, offset in called:
        if label is not None and label not in labels:
            problems.append(ContentError(f"note call [^{label}] has no note", path=path,
                                         line=line_at(offset)))
    calls = [label for label, _ in called]
    for label, offset in defs:
        if label not in calls:
            what = f"note {label}" if label.isdigit() else f"note [^{label}]"
            problems.append(ContentError(f"{what} is never called", path=path,
                                         line=line_at(offset)))
    for position, (label, offset) in enumerate(called, start=1):
        if label is not None and label in calls[: position - 1]:
            problems.append(ContentError(f"note [^{label}] is called a second time (a note "
                                         "has one call; repeat its text or write Ibid.)",
                                         path=path, line=line_at(offset)))
    raise_together(problems)
    numbers = [int(label) for label in calls if label is not None and label.isdigit()]
    if len(numbers) == len(calls) and len(set(numbers)) == len(numbers):
        return tuple(numbers)
    return tuple(range(1, len(calls) + 1))
