"""Scrollbars that show where the view is.

Textual 8.2 moves a vertical scrollbar only while it is shown (`watch_scroll_y`): a view that became
short enough to hide its scrollbar, then grew again (a filter that matched nothing, then something; a
resize), got its scrollbar back showing the position from before. `ScrollbarFollows` puts it where the
view is whenever it reappears; every scrolling pane of the dashboard uses it.
"""

from __future__ import annotations

from textual.containers import VerticalScroll


class ScrollbarFollows:
    """Mixin for a scrolling widget: a vertical scrollbar that reappears shows the current position."""

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        if shown:
            self.vertical_scrollbar.position = self.scroll_y  # type: ignore[attr-defined]


class FollowingScroll(ScrollbarFollows, VerticalScroll):
    """A `VerticalScroll` whose scrollbar follows the view (see the module docstring)."""


__all__ = ["FollowingScroll", "ScrollbarFollows"]
