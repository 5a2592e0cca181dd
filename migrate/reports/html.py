"""Self-contained HTML report: inline CSS and SVG, no script, no external URL."""

from __future__ import annotations

from dataclasses import dataclass

from migrate import __version__
from migrate.reports.model import Count, Report

BAR_AREA = 300  # px of the longest bar
ROW_HEIGHT = 22
LABEL_WIDTH = 150


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    count: int
    y: int
    width: int


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    bars: tuple[Bar, ...]
    height: int
    label_width: int = LABEL_WIDTH
    bar_area: int = BAR_AREA

    @property
    def width(self) -> int:
        return self.label_width + self.bar_area + 50


def bar_chart(title: str, counts: tuple[Count, ...]) -> Chart:
    top = max((c.count for c in counts), default=0) or 1
    bars = tuple(
        Bar(c.label, c.count, i * ROW_HEIGHT, max(1, round(BAR_AREA * c.count / top)))
        for i, c in enumerate(counts)
    )
    return Chart(title=title, bars=bars, height=max(ROW_HEIGHT, len(bars) * ROW_HEIGHT))


class HtmlRenderer:
    def render(self, report: Report) -> str:
        from migrate.reports.templating import environment  # jinja2 only when rendering

        charts = (
            bar_chart("Findings by value class", report.by_value_class),
            bar_chart("Findings by service", report.by_service),
        )
        return (
            environment()
            .get_template("report.html.j2")
            .render(report=report, charts=charts, version=__version__)
        )
