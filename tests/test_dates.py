"""EDTF dates: parsed with their real precision, printed the way a historian writes them."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from pressroom.dates import EdtfDate, parse_date, short_display


def bounds(date: EdtfDate) -> tuple[str, str]:
    return date.lower.isoformat(), date.upper.isoformat()


# --- precision -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "precision", "shown", "lower", "upper"),
    [
        ("1956-02-14", "day", "14 February 1956", "1956-02-14", "1956-02-14"),
        ("1956-02", "month", "February 1956", "1956-02-01", "1956-02-29"),
        ("1957-02", "month", "February 1957", "1957-02-01", "1957-02-28"),
        ("1956", "year", "1956", "1956-01-01", "1956-12-31"),
    ],
)
def test_a_single_date_keeps_its_precision(
    text: str, precision: str, shown: str, lower: str, upper: str
):
    date = parse_date(text)
    assert date.precision == precision
    assert date.display() == shown
    assert bounds(date) == (lower, upper)
    assert not date.is_range
    assert str(date) == text


def test_surrounding_space_is_dropped():
    assert parse_date("  1956-02-14 ").text == "1956-02-14"


def test_a_parsed_date_passes_through():
    date = parse_date("1956-02")
    assert parse_date(date) is date


def test_dates_sort_by_their_bounds():
    texts = ["1956", "1956-02-14/1956-02-25", "1955-12", "1956-02", "1956-02-14"]
    ordered = sorted((parse_date(t) for t in texts), key=lambda d: d.sort_key)
    assert [d.text for d in ordered] == [
        "1955-12", "1956", "1956-02", "1956-02-14", "1956-02-14/1956-02-25"
    ]


# --- ranges ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown", "lower", "upper"),
    [
        ("1956-02-14/1956-02-25", "14–25 February 1956", "1956-02-14", "1956-02-25"),
        ("1958-07-31/1958-08-03", "31 July – 3 August 1958", "1958-07-31", "1958-08-03"),
        ("1960-12-30/1961-01-02", "30 December 1960 – 2 January 1961", "1960-12-30", "1961-01-02"),
        ("1956-02/1956-03", "February–March 1956", "1956-02-01", "1956-03-31"),
        ("1959-11/1960-02", "November 1959 – February 1960", "1959-11-01", "1960-02-29"),
        ("1919/1920", "1919–1920", "1919-01-01", "1920-12-31"),
    ],
)
def test_a_range_prints_what_its_ends_share_once(text: str, shown: str, lower: str, upper: str):
    date = parse_date(text)
    assert date.is_range
    assert date.display() == shown
    assert bounds(date) == (lower, upper)


def test_a_range_of_one_day_prints_the_day_once():
    assert parse_date("1956-02-14/1956-02-14").display() == "14 February 1956"


# --- uncertain and approximate ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown", "uncertain", "approximate"),
    [
        ("1960-01?", "January 1960?", True, False),
        ("1956~", "c. 1956", False, True),
        ("1956-02~", "c. February 1956", False, True),
        ("1956%", "c. 1956?", True, True),
        ("1956-02-14?/1956-02-20", "14–20 February 1956?", True, False),
        ("1956-02-14/1956-02-20~", "c. 14–20 February 1956", False, True),
    ],
)
def test_qualifiers_are_printed(text: str, shown: str, uncertain: bool, approximate: bool):
    date = parse_date(text)
    assert date.display() == shown
    assert (date.uncertain, date.approximate) == (uncertain, approximate)


def test_an_uncertain_date_keeps_its_bounds():
    assert bounds(parse_date("1960-01?")) == ("1960-01-01", "1960-01-31")


# --- errors ----------------------------------------------------------------------------------

EXAMPLES = "(EDTF: 1956, 1956-02, 1956-02-14, 1956-02-14/1956-02-25, 1960-01?, 1956~)"


def error_of(value: object) -> str:
    with pytest.raises(ValueError) as caught:
        parse_date(value)
    return str(caught.value)


@pytest.mark.parametrize("text", ["1956-02-30", "1956-13", "1956-00", "1956-02-00", "14 Feb 1956"])
def test_an_impossible_or_unparseable_date(text: str):
    assert error_of(text) == f"unparseable or impossible date {text!r} {EXAMPLES}"


def test_a_range_ending_before_it_starts():
    assert error_of("1956-02-25/1956-02-14") == (
        "range '1956-02-25/1956-02-14' ends before it starts"
    )


def test_a_range_ending_in_a_month_before_its_first_day():
    assert error_of("1956-03/1956-02-28") == "range '1956-03/1956-02-28' ends before it starts"


@pytest.mark.parametrize(
    ("value", "shown"), [(1956, "1956"), (dt.date(1956, 2, 14), "1956-02-14")]
)
def test_a_bare_yaml_value_is_refused(value: object, shown: str):
    assert error_of(value) == (
        f'write the date as a quoted EDTF string (e.g. "{shown}"), not a bare YAML value'
    )


@pytest.mark.parametrize("value", [None, "", "   ", 1956.5])
def test_a_date_must_be_a_string(value: object):
    assert error_of(value) == 'a date must be an EDTF string such as "1956-02-14"'


@pytest.mark.parametrize("text", ["1956/..", "../1956", "1956-02-14/", "/1956-02-14"])
def test_an_open_ended_range_is_refused(text: str):
    assert error_of(text) == f"open-ended range {text!r}: give both ends"


def test_the_29th_of_february_in_a_common_century_year_names_the_date():
    assert "'1900-02-29'" in error_of("1900-02-29")


@pytest.mark.parametrize("text", ["1956-21", "1956-24"])
def test_a_season_code_is_refused_not_taken_for_a_month(text: str):
    message = error_of(text)
    assert re.search(r"unparseable|impossible|season", message)


# --- abbreviated months (cross-references) ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("1960-04-16", "16 Apr. 1960"),
        ("1956-02-14/1956-02-25", "14–25 Feb. 1956"),
        ("1958-07-31/1958-08-03", "31 July – 3 Aug. 1958"),
        ("1957-09", "Sept. 1957"),
        ("1950-05-01", "1 May 1950"),
        ("1960-01?", "Jan. 1960?"),
        ("1956", "1956"),
        ("XXXX-01", "Jan., year not given"),
    ],
)
def test_short_display_abbreviates_months(text: str, shown: str):
    assert short_display(parse_date(text)) == shown


# --- a month whose year the source does not give --------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown", "precision"),
    [
        ("XXXX-01", "January, year not given", "month"),
        ("XXXX-12", "December, year not given", "month"),
        ("XXXX-02-29", "29 February, year not given", "day"),
    ],
)
def test_an_unknown_year_is_printed_as_written(text: str, shown: str, precision: str):
    date = parse_date(text)
    assert date.display() == shown
    assert date.precision == precision
    assert not date.year_known
    assert (date.lower, date.upper) == (None, None)
    assert not (date.is_range or date.uncertain or date.approximate)
    assert str(date) == text


def test_a_known_year_is_known():
    assert parse_date("1960-01?").year_known and parse_date("1919/1920").year_known


def test_a_date_without_a_year_cannot_sort_itself():
    with pytest.raises(ValueError, match=r"'XXXX-01' gives no year, so it cannot be sorted"):
        _ = parse_date("XXXX-01").sort_key


@pytest.mark.parametrize("text", ["XXXX-13", "XXXX-00", "XXXX-02-30", "XXXX-04-31"])
def test_an_impossible_month_or_day_without_a_year(text: str):
    assert error_of(text) == f"impossible date {text!r}"


@pytest.mark.parametrize(
    "text", ["XXXX", "XXXX-XX", "19XX", "196X-01", "1960-XX", "1960-01-XX", "XXXX-01?",
             "XXXX-01~", "XXXX-01/1960-02", "1959-12/XXXX-01"],
)
def test_other_unspecified_digits_are_refused(text: str):
    assert error_of(text) == (
        f"unspecified digits in {text!r}: only a whole unknown year is supported, with its "
        'month known, as in "XXXX-01" (no qualifiers, not in a range)'
    )


@pytest.mark.parametrize("text", ["1956", "1956-02", "1960-02", "1956-02-14", "1900-02",
                                  "1956-02-14/1956-02-25", "1958-07-31/1958-08-03",
                                  "1956/1958", "1956-02/1956-03-04", "1960-04-22/1960-04-22"])
def test_plain_dates_read_without_the_parser_as_the_parser_reads_them(text):
    from pressroom.dates import _edtf_date, _plain_date

    assert _plain_date(text) == _edtf_date(text)
