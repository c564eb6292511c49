"""Horizontal bar charts as server-rendered SVG, readable without colour alone.

Each bar has its label on the line above it and its figure written beside it, so the chart
reads the same in greyscale; the segments of a stacked bar also differ by pattern (solid,
stripes, dots, cross-hatch), shown in a legend. The SVG carries role="img", a <title> and a
<desc>, and each page shows the same figures in a table, which is the accessible
alternative. Only presentation attributes are used (no style attribute), so the strict
Content-Security-Policy allows it.

    bar_chart("Deaths notified by age band",
              [Bar("Under 28 days", 12), Bar("1 to 4 years", None, "fewer than 3")])
    stacked_bar_chart("Deadlines by outcome", series=[Series("Met on time"), ...],
                      rows=[StackedRow("Rapid review", (8, 1, 0, 2))])

A value of None draws no bar (a suppressed figure must not be shown by a bar's length); its
text is still written.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
_BAR_AREA = 470  # the longest bar; the rest of the width holds its figure
_LABEL_LINE = 22
_BAR_HEIGHT = 24
_ROW_GAP = 14
_LEGEND_ROW = 28
_FONT = 'font-family="&quot;GDS Transport&quot;, arial, sans-serif"'
_INK = "#0b0c0c"
# GOV.UK colours, dark enough for white-on-colour contrast; the pattern tells them apart.
_COLOURS = ("#1d70b8", "#f47738", "#d4351c", "#505a5f", "#00703c", "#4c2c92")
_PATTERNS = ("solid", "stripes", "dots", "crosshatch", "solid", "stripes")
_ids = itertools.count(1)


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (None: no bar), and the text beside it."""

    label: str
    value: float | None
    text: str | None = None

    @property
    def shown(self) -> str:
        """The figure written beside the bar."""
        return self.text if self.text is not None else _number(self.value)


@dataclass(frozen=True)
class Series:
    """One segment kind of a stacked bar, as the legend names it."""

    name: str


@dataclass(frozen=True)
class StackedRow:
    """One stacked bar: its label, a value per series, and the text beside it."""

    label: str
    values: Sequence[int]
    text: str | None = None


def _number(value) -> str:
    if value is None:
        return ""
    return f"{value:,.1f}".removesuffix(".0") if isinstance(value, float) else f"{value:,}"


def _text(x, y, content, *, anchor="start", bold=False, size=16) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x}" y="{y}" {_FONT} font-size="{size}" fill="{_INK}" '
            f'text-anchor="{anchor}"{weight}>{escape(content)}</text>')


def _frame(title: str, description: str, height: int, body: list[str], defs="") -> Markup:
    """The <svg> element with its title and description, labelled by them."""
    ident = f"chart-{next(_ids)}"
    # Safe: every text in it went through escape() (here and in _text); the rest is ours.
    return Markup(  # noqa: S704
        f'<svg class="app-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'width="100%" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{ident}-title {ident}-desc" focusable="false">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>{defs}'
        + "".join(body) + "</svg>"
    )


def _scale(largest) -> float:
    """Pixels per unit, so the largest value fills the bar area."""
    return _BAR_AREA / largest if largest else 0.0


def bar_chart(title: str, bars: Sequence[Bar], *, description: str | None = None) -> Markup:
    """A horizontal bar chart, one labelled bar per row with its figure beside it."""
    scale = _scale(max((bar.value or 0 for bar in bars), default=0))
    row = _LABEL_LINE + _BAR_HEIGHT + _ROW_GAP
    body = []
    for index, bar in enumerate(bars):
        top = index * row
        body.append(_text(0, top + 16, bar.label))
        length = round((bar.value or 0) * scale, 1)
        if length:
            body.append(f'<rect x="0" y="{top + _LABEL_LINE}" width="{length}" '
                        f'height="{_BAR_HEIGHT}" fill="{_COLOURS[0]}"/>')
        body.append(_text(length + 8, top + _LABEL_LINE + 17, bar.shown, bold=True))
    described = description or "; ".join(f"{bar.label}: {bar.shown}" for bar in bars)
    return _frame(title, described, max(len(bars) * row, row), body)


def _pattern(ident: str, index: int) -> str:
    """An SVG pattern for a series: its colour, and a texture that tells it apart in grey."""
    colour, kind = _COLOURS[index % len(_COLOURS)], _PATTERNS[index % len(_PATTERNS)]
    marks = {
        "solid": "",
        "stripes": '<path d="M0,8 L8,0" stroke="#ffffff" stroke-width="2.5"/>',
        "dots": '<circle cx="4" cy="4" r="1.8" fill="#ffffff"/>',
        "crosshatch": '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#ffffff" stroke-width="1.5"/>',
    }[kind]
    return (f'<pattern id="{ident}-s{index}" width="8" height="8" '
            f'patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="{colour}"/>'
            f"{marks}</pattern>")


def _legend(ident: str, series: Sequence[Series]) -> list[str]:
    """One swatch and name per series, in a row of two columns."""
    items = []
    for index, each in enumerate(series):
        x, y = (index % 2) * (WIDTH // 2), (index // 2) * _LEGEND_ROW
        items.append(f'<rect x="{x}" y="{y + 2}" width="20" height="20" '
                     f'fill="url(#{ident}-s{index})" stroke="{_INK}" stroke-width="1"/>')
        items.append(_text(x + 28, y + 18, each.name))
    return items


def stacked_bar_chart(title: str, series: Sequence[Series], rows: Sequence[StackedRow], *,
                      description: str | None = None) -> Markup:
    """Horizontal stacked bars, one per row, each segment patterned, with a legend above."""
    ident = f"stack-{next(_ids)}"
    scale = _scale(max((sum(row.values) for row in rows), default=0))
    body = _legend(ident, series)
    top = ((len(series) + 1) // 2) * _LEGEND_ROW + _ROW_GAP
    row_height = _LABEL_LINE + _BAR_HEIGHT + _ROW_GAP
    for number, row in enumerate(rows):
        y = top + number * row_height
        body.append(_text(0, y + 16, row.label))
        x = 0.0
        for index, value in enumerate(row.values):
            length = round(value * scale, 1)
            if length:
                body.append(f'<rect x="{x}" y="{y + _LABEL_LINE}" width="{length}" '
                            f'height="{_BAR_HEIGHT}" fill="url(#{ident}-s{index})" '
                            f'stroke="#ffffff" stroke-width="1"/>')
            x = round(x + length, 1)
        shown = row.text if row.text is not None else _number(sum(row.values))
        body.append(_text(x + 8, y + _LABEL_LINE + 17, shown, bold=True))
    defs = "<defs>" + "".join(_pattern(ident, i) for i in range(len(series))) + "</defs>"
    described = description or "; ".join(
        f"{row.label}: " + ", ".join(f"{s.name} {v:,}" for s, v in zip(series, row.values,
                                                                      strict=True))
        for row in rows)
    height = top + max(len(rows), 1) * row_height
    return _frame(title, described, height, body, defs)
