"""The HTML report: one self-contained page (Plotly inlined) that each stage of the loop adds a section to."""

from factoryos.report.html import Report, Section

__all__ = ["Report", "Section"]
