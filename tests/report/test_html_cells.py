"""A count reads with its thousands separated wherever the page shows it: in a section's facts and its tables."""

from __future__ import annotations

from factoryos.report.html import Report, Section


def test_counts_in_facts_and_tables_have_their_thousands_separated() -> None:
    section = Section("Containment", text="held")
    section.facts["units held"] = 22331
    section.tables.append((["as of", "in stock", "held", "rule"], [["end of the run", 22230, True, "we1"]]))
    page = Report(title="t", sections=[section]).render()
    assert "<b>22,331</b>" in page
    assert "<td>22,230</td><td>True</td><td>we1</td>" in page
    assert "22230" not in page
