"""Small server-side SVG charts (stacked columns, horizontal bars, heat map) and their HTML legend: no script, no
CDN. Texts come in already translated; numbers go through `number` (the interface language's digits)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#1f6f8b", "#e07a1f", "#3c8d40", "#b5343c", "#7b5ea7", "#8c6d31", "#d45a9c", "#5f6b73", "#17a2b8",
           "#9aa53a")
"""Colours of series, in order; distinguishable in print and for most colour-blind readers."""
FONT = 'font-family="system-ui, sans-serif" font-size="11"'
Number = Callable[[float], str]


def plain(value: float) -> str:
    """A number as Python writes it (tests, and charts outside a request)."""
    return f"{value:g}"


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-label="{escape(title)}" {FONT}><title>{escape(title)}</title>')
    return Markup(head + "".join(body) + "</svg>")


def _nice_max(value: float) -> float:
    """Round an axis maximum up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if value <= factor * step:
            return factor * step
    return 10 * step


def legend(names: Sequence[str]) -> Markup:
    """The series' names with their colours as an HTML list, laid out by the browser: long names wrap, never
    overlap (a legend inside the SVG would need the text's width, which only the browser knows)."""
    items = "".join(f'<li><svg class="swatch" width="12" height="12" aria-hidden="true" focusable="false">'
                    f'<rect width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/></svg>{escape(name)}</li>'
                    for i, name in enumerate(names))
    return Markup(f'<ul class="chart-legend">{items}</ul>')


def stacked_columns(title: str, labels: Sequence[str], series: dict[str, Sequence[int]],
                    names: dict[str, str] | None = None, unit: str = "", number: Number = plain,
                    width: int = 760, height: int = 260) -> Markup:
    """One column per label, stacked by series (e.g. calls per day and desk); `unit` names the vertical axis.
    The legend is `legend()` of the series' names, in the same order."""
    names = names or {}
    left, bottom, top = 40, 30, 30
    plot_h = height - bottom - top
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    peak = _nice_max(max(totals, default=0))
    slot = (width - left - 10) / max(len(labels), 1)
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#767676"/>']
    if unit:
        body.append(f'<text x="{left - 30}" y="{top - 16}">{escape(unit)}</text>')
    for tick in (0, 0.5, 1):
        if (peak * tick) % 1:  # whole calls only: 0 and 1, no 0.5
            continue
        y = top + plot_h - tick * plot_h
        body.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{escape(number(peak * tick))}</text>')
    for i, label in enumerate(labels):
        x = left + i * slot + slot * 0.1
        y = top + plot_h
        for s, (key, values) in enumerate(series.items()):
            h = values[i] / peak * plot_h
            if h > 0:
                y -= h
                body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" '
                            f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(names.get(key, key))}, '
                            f'{escape(label)}: {escape(number(values[i]))}</title></rect>')
        if len(labels) <= 12 or i % max(len(labels) // 10, 1) == 0:
            body.append(f'<text x="{x + slot * 0.4:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
                        f'{escape(label)}</text>')
    return _svg(width, height, title, body)


def bars(title: str, items: Sequence[tuple[str, float]], unit: str = "", width: int = 420,
         maximum: float | None = None, number: Number = plain) -> Markup:
    """Horizontal bars with their values (e.g. outcome mix, or service level in percent with maximum=100); each
    label stands above its bar, so a long desk name has the whole width."""
    row = 34
    height = max(len(items), 1) * row + 4
    peak = maximum or _nice_max(max((v for _, v in items), default=0))
    body = []
    for i, (label, value) in enumerate(items):
        y = 2 + i * row
        w = max(value, 0) / peak * (width - 60)
        body.append(f'<text x="0" y="{y + 11}">{escape(label)}</text>'
                    f'<rect x="0" y="{y + 15}" width="{w:.1f}" height="14" fill="{PALETTE[i % len(PALETTE)]}"/>'
                    f'<text x="{w + 4:.1f}" y="{y + 26}">{escape(number(value))}{escape(unit)}</text>')
    return _svg(width, height, title, body)


def heatmap(title: str, rows: Sequence[str], columns: Sequence[str], values: dict[tuple[int, int], int],
            width: int = 760, number: Number = plain) -> Markup:
    """A grid of cells shaded by count (e.g. weekday x hour); the count is in each cell's tooltip."""
    left, top = 30, 18
    cell_w = (width - left - 4) / max(len(columns), 1)
    cell_h = 20
    peak = max(values.values(), default=0) or 1
    body = [f'<text x="{left + (c + 0.5) * cell_w:.1f}" y="{top - 5}" text-anchor="middle">{escape(name)}'
            '</text>' for c, name in enumerate(columns)]
    for r, row_name in enumerate(rows):
        y = top + r * cell_h
        body.append(f'<text x="{left - 4}" y="{y + 14}" text-anchor="end">{escape(row_name)}</text>')
        for c, col_name in enumerate(columns):
            n = values.get((r, c), 0)
            shade = 0.06 + 0.94 * n / peak if n else 0.0
            body.append(f'<rect x="{left + c * cell_w:.1f}" y="{y}" width="{cell_w - 1:.1f}" '
                        f'height="{cell_h - 1}" '
                        f'fill="#1f6f8b" fill-opacity="{shade:.2f}" stroke="#eee"><title>{escape(row_name)} '
                        f'{escape(col_name)}: {escape(number(n))}</title></rect>')
    return _svg(width, top + len(rows) * cell_h + 4, title, body)
