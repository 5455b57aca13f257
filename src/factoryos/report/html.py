"""A self-contained HTML report. Plotly's script is inlined once, so the page opens offline from a file.

A section leads with its headline figures, then one sentence that says what they mean, then its tables and
charts, and last where its data come from. Charts follow one house style (`style`): every axis titled with
its unit, shares as percentages, a selector where there are many of one chart."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2733;background:#f6f8fa}
header{background:#14324f;color:#fff;padding:18px 32px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;opacity:.8;font-size:13px}main{padding:8px 32px 40px;max-width:1280px}
section{background:#fff;border:1px solid #dde3ea;border-radius:8px;margin:18px 0;padding:16px 20px}
h2{font-size:18px;margin:0 0 8px}.facts{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 12px}
.fact{background:#eef3f8;border-radius:6px;padding:8px 12px;min-width:120px}
.fact b{display:block;font-size:18px}.fact span{font-size:12px;color:#52606d}
p.text{margin:4px 0 10px;line-height:1.45;max-width:1100px}p.note{font-size:12px;color:#52606d;margin:8px 0 0}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border-bottom:1px solid #e4e9ee;
padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left}nav a{margin-right:14px;color:#9cc4ea}
"""

PERCENT = ".0%"


def style(figure: go.Figure, title: str, height: int = 380) -> go.Figure:
    """The report's look for one chart: its title, a compact margin, and the legend above the plot."""
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        height=height,
        margin={"l": 70, "r": 30, "t": 60, "b": 50},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        template="plotly_white",
    )
    return figure


FEW = 10
"""Up to this many, a count axis ticks every unit."""


def count_axis(title: str, largest: float) -> dict:
    """An axis of whole counts (work units, units a day): a tick a unit while the counts are few, where Plotly's
    own ticks would fall between two counts (0.5, 1.5)."""
    return {"title": {"text": title}, "rangemode": "tozero"} | ({"dtick": 1} if largest <= FEW else {})


def share_axis(title: str) -> dict:
    """An axis of shares (0-1 data), shown as percentages."""
    return {"title": {"text": title}, "tickformat": PERCENT, "hoverformat": ".1%"}


def selector(labels: list[str], traces_per_label: int, titles: list[str] | None = None) -> dict:
    """A dropdown with one button per label; each shows its `traces_per_label` traces (added in label order)
    and hides the others, optionally setting the chart's title."""
    total = len(labels) * traces_per_label
    buttons = []
    for i, label in enumerate(labels):
        visible = [i * traces_per_label <= t < (i + 1) * traces_per_label for t in range(total)]
        layout = {"title.text": titles[i]} if titles else {}
        buttons.append({"label": label, "method": "update", "args": [{"visible": visible}, layout]})
    return {"buttons": buttons, "direction": "down", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"}


def with_selector(figure: go.Figure, menu: dict) -> go.Figure:
    """Add a selector above the plot, below the chart's title."""
    figure.update_layout(updatemenus=[menu], margin={"t": 110}, height=figure.layout.height + 40)
    return figure


@dataclass
class Section:
    """One section of the HTML report: text, key figures (`facts`: a count as a number, shown with thousands
    separated, so that the console can word it too), charts, tables (headers, rows) and a note on where its data
    come from."""

    title: str
    text: str = ""
    facts: dict[str, str | int] = field(default_factory=dict)
    figures: list[go.Figure] = field(default_factory=list)
    tables: list[tuple[list[str], list[list[object]]]] = field(default_factory=list)
    note: str = ""  # where the section's data come from, printed small at its end

    def count(self, fact: str) -> int:
        """A fact that is a count, for wording it beside its noun ("1 exception", "744 exceptions")."""
        value = self.facts[fact]
        if not isinstance(value, int):
            raise TypeError(f"the fact {fact!r} of section {self.title!r} is not a count: {value!r}")
        return value

    @property
    def anchor(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.title.lower())


@dataclass
class Report:
    """The HTML report: a title, a subtitle and its sections, rendered to one self-contained page."""

    title: str
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)

    def add(self, section: Section) -> Section:
        self.sections.append(section)
        return section

    def render(self) -> str:
        nav = " ".join(f'<a href="#{s.anchor}">{html.escape(s.title)}</a>' for s in self.sections)
        body = "\n".join(_section_html(s) for s in self.sections)
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(self.title)}</title>"
            f"<style>{STYLE}</style><script>{get_plotlyjs()}</script></head><body>"
            f"<header><h1>{html.escape(self.title)}</h1><p>{html.escape(self.subtitle)} &middot; {stamp}</p>"
            f"<nav>{nav}</nav></header><main>{body}</main></body></html>"
        )

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "index.html"
        path.write_text(self.render(), encoding="utf-8")
        return path


def _shown(value: object) -> str:
    """A fact or a table's cell as the page shows it: a count with its thousands separated."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _section_html(section: Section) -> str:
    facts = "".join(
        f"<div class='fact'><b>{html.escape(_shown(v))}</b><span>{html.escape(k)}</span></div>"
        for k, v in section.facts.items()
    )
    tables = "".join(_table_html(header, rows) for header, rows in section.tables)
    figures = "".join(
        fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}) for fig in section.figures
    )
    text = f"<p class='text'>{html.escape(section.text)}</p>" if section.text else ""
    note = f"<p class='note'>{html.escape(section.note)}</p>" if section.note else ""
    return (
        f"<section id='{section.anchor}'><h2>{html.escape(section.title)}</h2>"
        f"<div class='facts'>{facts}</div>{text}{tables}{figures}{note}</section>"
    )


def _table_html(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_shown(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
