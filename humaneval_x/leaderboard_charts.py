"""The leaderboard page's inline SVG charts: grouped bars of pass@k by language with their 95%
intervals as whiskers, and a source x target heatmap of translation pass@1.

The heatmap's colour scale stretches the top of the range (the error rate 1 - pass@1 on a log
scale makes a third of it), so that 97% and 100% get clearly different colours; a legend shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from math import log10

from humaneval_x.languages import LANGUAGES
from humaneval_x.tasks import group_key, key_parts

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
BAR_WIDTH, BAR_GAP, CHART_HEIGHT, CHART_MARGIN = 14, 18, 160, 40
CELL, LABEL_WIDTH = 54, 76
# Colour stops of the heatmap (viridis), from position 0 to 1.
STOPS = ((0x44, 0x01, 0x54), (0x3B, 0x52, 0x8B), (0x21, 0x91, 0x8C), (0x5E, 0xC9, 0x62),
         (0xFD, 0xE7, 0x25))  # fmt: skip
SMALLEST_ERROR = 1e-3  # error rates below this share the top colour
LINEAR = 0.7  # share of the colour scale that is linear in pass@1
LEGEND_VALUES = (0.0, 0.25, 0.5, 0.75, 0.9, 0.97, 0.99, 1.0)


def ordered_groups(groups: Iterable[str]) -> list[str]:
    """Groups in the harness's language order (source first, then target), unknown ones last."""
    order = {key: i for i, key in enumerate(LANGUAGES)}
    rank = {g: tuple(order.get(part, len(order)) for part in key_parts(g)) for g in set(groups)}
    return sorted(rank, key=lambda g: (rank[g], g))


def group_name(group: str) -> str:
    names = [LANGUAGES[p].display_name if p in LANGUAGES else p for p in key_parts(group)]
    return " \u2192 ".join(names)


def entry_label(entry: dict) -> str:
    checkpoint = entry["checkpoint"]
    return entry["model"] + (f" ({checkpoint})" if checkpoint else "")


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def interval_text(interval: list[float] | None) -> str:
    return "" if not interval else f"[{interval[0] * 100:.1f}\u2013{interval[1] * 100:.1f}]"


def bar_chart(indexed: list[tuple[int, dict]], groups: list[str], k: int) -> str:
    """Grouped bars: one cluster per language, one bar per entry, height pass@k, whiskers its
    95% interval."""
    metric = f"pass@{k}"
    cluster = len(indexed) * BAR_WIDTH + BAR_GAP
    width, height = CHART_MARGIN + len(groups) * cluster, CHART_HEIGHT + 40
    parts = [_axis(width)]
    for g_index, group in enumerate(groups):
        x0 = CHART_MARGIN + g_index * cluster + BAR_GAP / 2
        for slot, (index, entry) in enumerate(indexed):
            metrics = entry["groups"].get(group, {})
            if metric in metrics:
                parts.append(_bar(x0 + slot * BAR_WIDTH, metrics, index, entry, group, metric))
        label_x = x0 + len(indexed) * BAR_WIDTH / 2
        parts.append(
            f'<text x="{label_x:.1f}" y="{CHART_HEIGHT + 25}" text-anchor="middle">'
            f"{escape(group_name(group))}</text>"
        )
    legend = "".join(
        f'<span><i style="background:{color(i)}"></i>{escape(entry_label(e))}</span>'
        for i, e in indexed
    )
    return (
        f"<figure><figcaption>{metric} by language (%), whiskers: 95% interval</figcaption>"
        f'<svg class="chart bars" data-metric="{metric}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
        f'{"".join(parts)}</svg><div class="legend">{legend}</div></figure>'
    )


def _axis(width: float) -> str:
    lines = []
    for tick in (0, 25, 50, 75, 100):
        y = _y(tick / 100)
        lines.append(
            f'<line x1="{CHART_MARGIN - 4}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{CHART_MARGIN - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    return "".join(lines)


def _y(value: float) -> float:
    return 10 + CHART_HEIGHT * (1 - value)


def _bar(x: float, metrics: dict, index: int, entry: dict, group: str, metric: str) -> str:
    value, interval = metrics[metric], metrics.get(f"{metric}_ci95")
    title = f"{entry_label(entry)}, {group_name(group)}: {metric} = {value * 100:.2f}%"
    if interval:
        title += f", 95% interval {interval_text(interval)}"
    bar = (
        f'<rect class="bar" x="{x:.1f}" y="{_y(value):.1f}" width="{BAR_WIDTH - 2}" '
        f'height="{CHART_HEIGHT * value:.1f}" fill="{color(index)}">'
        f"<title>{escape(title)}</title></rect>"
    )
    if not interval:
        return bar
    middle = x + (BAR_WIDTH - 2) / 2
    return bar + (
        f'<line class="ci" x1="{middle:.1f}" x2="{middle:.1f}" y1="{_y(interval[1]):.1f}" '
        f'y2="{_y(interval[0]):.1f}" stroke="#222" stroke-width="1.5"/>'
    )


def heatmap(entry: dict) -> str:
    """Source (rows) x target (columns) pass@1 of one translation entry."""
    pairs = {g: m for g, m in entry["groups"].items() if "pass@1" in m and len(key_parts(g)) > 1}
    languages = ordered_groups(part for g in pairs for part in key_parts(g))
    width, height = LABEL_WIDTH + CELL * len(languages), CELL * (len(languages) + 1)
    parts = []
    for i, language in enumerate(languages):
        name = escape(group_name(language))
        row_y, column_x = CELL * (i + 1.5) + 4, LABEL_WIDTH + CELL * (i + 0.5)
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{row_y}" text-anchor="end">{name}</text>')
        parts.append(f'<text x="{column_x}" y="{CELL - 6}" text-anchor="middle">{name}</text>')
    for row, source in enumerate(languages):
        for column, target in enumerate(languages):
            metrics = pairs.get(group_key(target, source))
            if metrics is not None:
                x, y = LABEL_WIDTH + CELL * column, CELL * (row + 1)
                parts.append(_cell(x, y, metrics, source, target))
    return (
        f"<figure><figcaption>{escape(entry_label(entry))}: pass@1 (%), source (rows) "
        "&rarr; target (columns)</figcaption>"
        f'<svg class="chart heatmap" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">{"".join(parts)}</svg></figure>'
    )


def _cell(x: int, y: int, metrics: dict, source: str, target: str) -> str:
    value = metrics["pass@1"]
    title = f"{group_name(source)} \u2192 {group_name(target)}: pass@1 = {value * 100:.2f}%"
    if metrics.get("pass@1_ci95"):
        title += f", 95% interval {interval_text(metrics['pass@1_ci95'])}"
    return (
        f'<rect class="cell" x="{x}" y="{y}" width="{CELL - 2}" height="{CELL - 2}" '
        f'fill="{heat_color(value)}" data-value="{value!r}"><title>{escape(title)}</title></rect>'
        f'<text x="{x + CELL / 2 - 1}" y="{y + CELL / 2 + 3}" text-anchor="middle" '
        f'fill="{ink(value)}">{value * 100:.1f}</text>'
    )


def heat_position(value: float) -> float:
    """Where a pass rate sits on the colour scale: 70% linear, 30% the log of the error rate,
    so the top of the range (90%, 97%, 99%, 100%) is spread out."""
    error = max(1.0 - value, SMALLEST_ERROR)
    return LINEAR * value + (1 - LINEAR) * (-log10(error) / -log10(SMALLEST_ERROR))


def heat_color(value: float) -> str:
    """The heatmap colour of a pass rate: the stops interpolated at its position."""
    position = min(max(heat_position(value), 0.0), 1.0) * (len(STOPS) - 1)
    low = min(int(position), len(STOPS) - 2)
    share = position - low
    channels = (round(a + (b - a) * share) for a, b in zip(STOPS[low], STOPS[low + 1], strict=True))
    return "#" + "".join(f"{c:02x}" for c in channels)


def ink(value: float) -> str:
    """Text colour that reads on the cell's colour."""
    return "#000" if heat_position(value) > 0.55 else "#fff"


def heat_legend() -> str:
    """Swatches of the heatmap's colour scale at a few pass rates."""
    swatches = "".join(
        f'<span><i style="background:{heat_color(v)}"></i>{v * 100:g}%</span>'
        for v in LEGEND_VALUES
    )
    return f'<div class="legend heat-legend">pass@1 colours: {swatches}</div>'
