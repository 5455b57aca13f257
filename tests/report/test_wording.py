"""Counts read as a person says them, in the report, the demo's console and the CLI alike."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factoryos.report.html import Report, Section
from factoryos.report.wording import counted, hours, listed


@pytest.mark.parametrize(
    ("n", "noun", "plural", "words"),
    [
        (1, "exception", "", "1 exception"),
        (0, "exception", "", "0 exceptions"),
        (4_887, "order", "", "4,887 orders"),
        (2.5, "day", "", "2.5 days"),
        (1.0, "day", "", "1 day"),
        (3, "equipment", "equipment", "3 equipment"),
    ],
)
def test_a_count_takes_the_noun_in_its_number(n: float, noun: str, plural: str, words: str) -> None:
    assert counted(n, noun, plural) == words


@given(st.integers(min_value=0, max_value=10**12))
def test_the_number_reads_back_as_the_count(n: int) -> None:
    number, noun = counted(n, "unit").split(" ")
    assert int(number.replace(",", "")) == n
    assert noun == ("unit" if n == 1 else "units")


def test_a_count_fact_is_shown_with_thousands_and_worded_elsewhere() -> None:
    section = Section("Material plan", facts={"exceptions": 1_234, "share": "50%"})
    report = Report("t")
    report.add(section)
    page = report.render()
    assert "<b>1,234</b><span>exceptions</span>" in page
    assert counted(section.count("exceptions"), "exception") == "1,234 exceptions"
    with pytest.raises(TypeError, match="'share' of section 'Material plan' is not a count"):
        section.count("share")


@pytest.mark.parametrize(
    ("value", "words"),
    [(24.6, "24.6 h"), (1.0, "1.0 h"), (0.0, "0.0 h"), (0.07, "4 min"), (0.5, "30 min"), (0.001, "under a minute")],
)
def test_a_span_under_an_hour_reads_in_minutes(value: float, words: str) -> None:
    assert hours(value) == words


@pytest.mark.parametrize(
    ("names", "words"),
    [
        ([], ""),
        (["paint"], "paint"),
        (["paint", "coolant"], "paint and coolant"),
        (["a", "b", "c", "d", "e"], "a, b, c, d and e"),
        (["a", "b", "c", "d", "e", "f", "g"], "a, b, c, d, e and 2 more"),
    ],
)
def test_names_read_in_running_text_with_how_many_more(names: list[str], words: str) -> None:
    assert listed(names) == words
