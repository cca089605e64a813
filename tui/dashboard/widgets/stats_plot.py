"""One plot of the stats view: bars drawn by plotext through textual-plotext's widget (Textualize's own
plotting widget, on the pinned Textual). It draws a `stats_view.Series`: stacked bars over time, or
grouped bars per bin. Labels reach plotext already made safe (`stats_view`): its output is ANSI text that
the widget parses, so a raw escape in a reason code would otherwise be obeyed."""

from __future__ import annotations

from typing import Any

from textual.app import RenderResult
from textual_plotext import PlotextPlot

from ..stats_view import Series, tick_positions

#: Columns between two x labels at least (every n-th bucket is labelled).
LABEL_SPACING = 1
#: A bar's share of its bucket.
BAR_WIDTH = 0.8
#: At most this many y labels (whole counts).
MAX_Y_LABELS = 5


class StatsPlot(PlotextPlot):
    DEFAULT_CSS = """
    StatsPlot { height: 1fr; min-height: 8; }
    """

    _shown: tuple[Series, str, list[str], bool, str] | None = None

    def show(
        self, series: Series, title: str, colors: list[str], *, stacked: bool = True, when_empty: str = ""
    ) -> None:
        """Draw `series` (at the next repaint, at the size the plot has then); with nothing to draw, the
        title says `when_empty` (plotext draws no axes without data)."""
        self._shown = (series, title, colors, stacked, when_empty)
        self.refresh()

    def render(self) -> RenderResult:
        if self._shown is not None:
            self._draw(*self._shown)
        return super().render()

    def _draw(self, series: Series, title: str, colors: list[str], stacked: bool, when_empty: str) -> None:
        # textual-plotext's type stubs call the series' names `label` and take one colour; plotext 5 takes
        # `labels` and a colour per series.
        plt: Any = self.plt
        plt.clear_data()
        names = list(series.values)
        if not series.labels or not any(any(values) for values in series.values.values()):
            plt.title(f"{title}: {when_empty}" if when_empty else title)
            plt.xticks([], [])
            return
        plt.title(title)
        positions = list(range(len(series.labels)))
        room = max(1, (self.size.width - 6) // (max(map(len, series.labels)) + LABEL_SPACING))
        shown = tick_positions(series, room)
        data = [series.values[name] for name in names]
        if stacked:
            self._stack(plt, positions, names, data, colors)
            top = max(sum(v[i] for v in data) for i in positions)
        else:
            self._group(plt, positions, names, data, colors)
            top = max(max(v) for v in data)
        plt.xticks(shown, [series.labels[i] for i in shown])
        plt.xlim(-0.5, len(positions) - 0.5)  # the whole window, bars or not
        top = max(1, top)
        step = max(1, -(-top // MAX_Y_LABELS))  # whole numbers: these are counts
        plt.yticks(list(range(0, top + 1, step)))
        plt.ylim(0, top)
        _ticks_in_order(plt)

    @staticmethod
    def _group(
        plt: Any, positions: list[int], names: list[str], data: list[list[int]], colors: list[str]
    ) -> None:
        """Grouped bars, side by side within each bin (plotext's own grouped bars place the bin labels a
        column apart from one run to the next)."""
        share = BAR_WIDTH / len(names)
        for k, values in enumerate(data):
            at = [i for i in positions if values[i] > 0]
            if at:
                xs = [i - BAR_WIDTH / 2 + (k + 0.5) * share for i in at]
                plt.bar(
                    xs,
                    [values[i] for i in at],
                    label=names[k],
                    color=colors[k % len(colors)],
                    width=_width(at, share),
                )

    @staticmethod
    def _stack(
        plt: Any, positions: list[int], names: list[str], data: list[list[int]], colors: list[str]
    ) -> None:
        """Stacked bars as plain bars of the running totals, the highest first and each lower one over it
        (plotext's own stacked bars start a row above the axis), with no bar where a total is zero (a
        zero bar paints over the row beneath it)."""
        totals: list[list[int]] = []
        running = [0] * len(positions)
        for values in data:
            running = [r + v for r, v in zip(running, values, strict=True)]
            totals.append(running)
        for k in reversed(range(len(names))):
            at = [i for i in positions if totals[k][i] > 0]
            if at:
                plt.bar(
                    at, [totals[k][i] for i in at], label=names[k], color=colors[k % len(colors)], width=0.8
                )


def _ticks_in_order(plt: Any) -> None:
    """plotext keeps the ticks it is given in a set's order, which follows the string hash seed and so
    changes from one run to the next; it places the labels one by one, each moved clear of those before
    it, so the x labels would land a column apart from run to run. Put them back in order (plotext 5's
    monitor, as `textual-plotext<2` pins it; without it the labels stay as plotext left them)."""
    monitor = getattr(plt, "monitor", None)
    for ticks_name, labels_name in (("xticks", "xlabels"), ("yticks", "ylabels")):
        ticks, labels = getattr(monitor, ticks_name, None), getattr(monitor, labels_name, None)
        if not isinstance(ticks, list) or not isinstance(labels, list):
            continue
        for side, (side_ticks, side_labels) in enumerate(zip(ticks, labels, strict=True)):
            if isinstance(side_ticks, list) and isinstance(side_labels, list):
                pairs = sorted(zip(side_ticks, side_labels, strict=True))
                ticks[side], labels[side] = [t for t, _ in pairs], [label for _, label in pairs]


def _width(at: list[int], width: float) -> float:
    """plotext scales a bar's width by the mean gap between the bars of one call: undo that, so a bar is
    `width` of a bucket however sparse the bars are."""
    return width * (len(at) - 1) / (at[-1] - at[0]) if len(at) > 1 else width
