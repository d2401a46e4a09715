"""Small inline SVG charts: a paper's upvotes (or GitHub stars) over time, and a topic's papers
per month.

Each chart is one line of markup (a CommonMark HTML block ends at a blank line), drawn from
numbers and dates only, with a <title> and an aria-label so screen readers get the data too.
"""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, PAD = 480, 140, 28


def _figure(label: str, body: str, caption: str) -> str:
    svg = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>{body}</svg>'
    )
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def _axes(top: int) -> str:
    bottom, right = HEIGHT - PAD, WIDTH - 8
    return (
        f'<line class="axis" x1="{PAD}" y1="{bottom}" x2="{right}" y2="{bottom}"/>'
        f'<line class="axis" x1="{PAD}" y1="8" x2="{PAD}" y2="{bottom}"/>'
        f'<text x="{PAD - 4}" y="14" text-anchor="end">{top}</text>'
        f'<text x="{PAD - 4}" y="{bottom}" text-anchor="end">0</text>'
    )


def line_chart(points: list[tuple[str, int]], what: str = "Upvotes") -> str:
    """A line chart of a count per day (upvotes, GitHub stars); points are (ISO date, count),
    oldest first."""
    top = max((v for _, v in points), default=0) or 1
    span_x, span_y = WIDTH - PAD - 16, HEIGHT - PAD - 12
    step = span_x / max(len(points) - 1, 1)
    xy = [(PAD + 8 + i * step, HEIGHT - PAD - v / top * span_y) for i, (_, v) in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"/>' for x, y in xy)
    labels = _date_labels([d for d, _ in points], [x for x, _ in xy])
    body = _axes(top) + f'<polyline points="{line}"/>' + dots + labels
    label = f"{what} over time: " + ", ".join(f"{d} {v}" for d, v in points)
    first, last = points[0][0], points[-1][0]
    caption = f"{what} from {first} to {last}" if first != last else f"{what} on {first}"
    return _figure(label, body, caption)


def _date_labels(days: list[str], xs: list[float]) -> str:
    """The first and last date under the x axis (more would collide on a small chart)."""
    picks = sorted({0, len(days) - 1})
    return "".join(_label(xs[i], days[i], i, len(days)) for i in picks)


def _label(x: float, text: str, i: int, n: int) -> str:
    """An x-axis label that stays inside the chart: the last one ends where its point is."""
    anchor = "end" if i == n - 1 and n > 1 else "start" if n > 1 else "middle"
    x = x + 4 if anchor == "start" else x
    return f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">{escape(text)}</text>'


def monthly_bars(counts: list[tuple[str, int]], what: str) -> str:
    """A bar chart of counts per month; counts are (YYYY-MM, n), oldest first."""
    top = max((n for _, n in counts), default=0) or 1
    span_x, span_y = WIDTH - PAD - 12, HEIGHT - PAD - 12
    width = span_x / max(len(counts), 1)
    bars = "".join(
        f'<rect x="{PAD + 4 + i * width:.1f}" y="{HEIGHT - PAD - n / top * span_y:.1f}" '
        f'width="{max(width - 1, 1):.1f}" height="{n / top * span_y:.1f}"/>'
        for i, (_, n) in enumerate(counts)
    )
    ends = [0, len(counts) - 1] if counts else []
    labels = "".join(
        _label(PAD + 4 + i * width + (width if i else 0), counts[i][0], i, len(counts))
        for i in sorted(set(ends))
    )
    label = f"{what} per month: " + ", ".join(f"{m} {n}" for m, n in counts)
    caption = f"{what} per month, {counts[0][0]} to {counts[-1][0]}" if counts else what
    return _figure(label, _axes(top) + bars + labels, caption)
