"""Server-side SVG charts for the support reports (no script, no inline style: CSP-safe). Each bar links to the
tickets behind it."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

BAR_H, GAP, LABEL_W, WIDTH = 18, 6, 150, 560


def bars(rows: list[dict], *, url=None, value_key: str = "count", title: str = "") -> str:
    """Horizontal bars: rows of {"label", value_key, "key"}; `url(row)` is the drill-down link of a bar."""
    top = max((r[value_key] or 0 for r in rows), default=0) or 1
    height = len(rows) * (BAR_H + GAP) + GAP
    items = []
    for i, row in enumerate(rows):
        y = GAP + i * (BAR_H + GAP)
        value = row[value_key] or 0
        width = round((WIDTH - LABEL_W - 60) * value / top, 1)
        bar = format_html('<rect class="bar" x="{}" y="{}" width="{}" height="{}"></rect>'
                          '<text class="value" x="{}" y="{}">{}</text>',
                          LABEL_W, y, width, BAR_H, LABEL_W + width + 4, y + BAR_H - 5, value)  # fmt: skip
        link = url(row) if url and value else ""
        if link:
            bar = format_html('<a href="{}">{}</a>', link, bar)
        items.append(format_html('<text class="label" x="{}" y="{}">{}</text>{}', LABEL_W - 6, y + BAR_H - 5,
                                 str(row["label"])[:18], bar))  # fmt: skip
    return format_html('<svg class="chart bars" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>', WIDTH,
                       height, title, mark_safe("".join(items)))  # fmt: skip  # noqa: S308 (items from format_html)


def columns(rows: list[dict], *, url=None, title: str = "") -> str:
    """Vertical columns (the 24 hours of the day)."""
    top = max((r["count"] for r in rows), default=0) or 1
    col_w, chart_h, base = 22, 120, 140
    items = []
    for i, row in enumerate(rows):
        h = round(chart_h * row["count"] / top, 1)
        x = 10 + i * col_w
        rect = format_html('<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>',
                           x, base - h, col_w - 4, h, row["label"], row["count"])  # fmt: skip
        if url and row["count"]:
            rect = format_html('<a href="{}">{}</a>', url(row), rect)
        label = format_html('<text class="label-x" x="{}" y="{}">{}</text>', x + (col_w - 4) / 2, base + 14,
                            row["key"]) if i % 3 == 0 else ""  # fmt: skip
        items.append(format_html("{}{}", rect, label))
    return format_html('<svg class="chart columns" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
                       20 + len(rows) * col_w, base + 20, title, mark_safe("".join(items)))  # fmt: skip  # noqa: S308 (items from format_html)


def lines(weeks: list, series: list[dict], *, title: str = "") -> str:
    """One polyline per series over the weeks (the VOC tag trends); the legend is the table beside it."""
    if not weeks or not series:
        return ""
    width, height, pad = 560, 160, 20
    top = max((max(s["counts"]) for s in series), default=0) or 1
    step = (width - 2 * pad) / max(1, len(weeks) - 1)

    def point(i, v):
        return f"{pad + i * step:.1f},{height - pad - (height - 2 * pad) * v / top:.1f}"

    polylines = format_html_join("", '<polyline class="series s{}" points="{}"><title>{}</title></polyline>',
                                 ((n % 6, " ".join(point(i, v) for i, v in enumerate(s["counts"])), s["tag"])
                                  for n, s in enumerate(series)))  # fmt: skip
    return format_html('<svg class="chart lines" viewBox="0 0 {} {}" role="img" aria-label="{}">'
                       '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>{}</svg>',
                       width, height, title, pad, height - pad, width - pad, height - pad, polylines)  # fmt: skip
