"""Charts of the programme report: horizontal bars as inline SVG, drawn on the server.

No JavaScript and no inline style (the Content-Security-Policy forbids both): each bar is an
SVG whose `viewBox` is 100 units wide, so a rectangle's `width` attribute is its percentage,
and colours come from classes in site.css. The chart repeats the table next to it, which
holds the numbers, so it is hidden from screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from ..report import Table

register = template.Library()

SERIES_CLASSES = ("s1", "s2", "s3", "s4", "s5")
# Series with a colour of their own: the area bands keep the colours of the firm's result.
OWN_CLASSES = {"debil": "rc-debil", "en_desarrollo": "rc-en_desarrollo", "fuerte": "rc-fuerte"}


def _classes(series) -> list[str]:
    return [OWN_CLASSES.get(s.key, css) for css, s in zip(SERIES_CLASSES, series, strict=False)]


@dataclass(frozen=True)
class Segment:
    css: str
    x: str  # SVG numbers, formatted here: a template would localise 42.5 as "42,5"
    width: str


@dataclass(frozen=True)
class Line:
    segments: tuple[Segment, ...]
    text: str


@dataclass(frozen=True)
class ChartRow:
    label: str
    indent: bool
    lines: tuple[Line, ...]


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _share(count: int | None, base: int) -> float:
    return 100 * (count or 0) / base if base else 0.0


def _percent_text(value: int | None) -> str:
    return "—" if value is None else f"{value} %"


def chart_rows(table: Table) -> list[ChartRow]:
    """What to draw for each row of `table` (empty when the table has no chart)."""
    chart = table.chart
    if chart is None:
        return []
    rows = []
    for row in table.rows:
        if chart.kind == "stacked":
            segments, x = [], 0.0
            for css, series in zip(_classes(chart.series), chart.series, strict=True):
                width = _share(row.counts.get(series.key), row.base)
                segments.append(Segment(css, _number(x), _number(width)))
                x += width
            lines = (Line(tuple(segments), ""),)
        else:
            lines = tuple(
                Line(
                    (Segment(css, "0", _number(_share(row.counts.get(series.key), row.base))),),
                    _percent_text(row.percents.get(series.key)),
                )
                for css, series in zip(_classes(chart.series), chart.series, strict=True)
            )
        rows.append(ChartRow(row.label, row.indent, lines))
    return rows


@register.inclusion_tag("diagnosis/partials/report_chart.html")
def report_chart(table: Table) -> dict:
    chart = table.chart
    legend = []
    if chart is not None and (chart.kind != "bars" or len(chart.series) > 1):
        legend = [
            {"css": css, "label": series.label}
            for css, series in zip(_classes(chart.series), chart.series, strict=True)
        ]
    return {
        "kind": chart.kind if chart else "",
        "legend": legend,
        "rows": chart_rows(table) if table.base else [],
    }
