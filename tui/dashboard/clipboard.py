"""Where `c` and `y` put an id (and `c` in the jobs view a report URL), and so what their notice may claim.

A notice says "Copied" only where pcwatch knows the text arrived; otherwise it says where the text was
sent, and it always shows the id, so it can be selected by hand.

- The id goes out as OSC 52 (`App.copy_to_clipboard`). Whether a terminal honours it cannot be known:
  "sent to the terminal". In a browser session (`pcwatch serve`) the page's terminal passes it to the
  browser's clipboard, which may refuse it: "sent to this browser's clipboard".
- Some terminals ignore OSC 52 without a word (`NO_CLIPBOARD`): the notice shows the id to select.
- tmux takes OSC 52 from an application into its paste buffer only with `set-clipboard on`; with its
  default `external` (or `off`) it drops it. So in tmux the dashboard command asks tmux
  (`TMUX_SET_CLIPBOARD`) when it starts: with `on` OSC 52 lands in tmux's buffer (`TMUX_TAKES_OSC52`);
  otherwise pcwatch hands the text to `tmux load-buffer -w -` itself (`TMUX_LOAD`: tmux's buffer, and
  tmux passes it on to the terminal where it can), and knows from its exit status whether it arrived.

The decisions are pure (`clipboard_reach`, `Clipboard.copy`, the notices); running tmux is the command's
(`tui.commands.dashboard`), handed in as `Clipboard.load_tmux_buffer`. No Textual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from tui.core.timefmt import CLOCK, instant

#: A browser session: the page's terminal hands OSC 52 to the browser's clipboard.
BROWSER = "browser"
#: A terminal that may honour OSC 52 (most do): sent, arrival unknown.
OSC52 = "osc52"
#: A terminal known to ignore OSC 52.
NO_CLIPBOARD = "none"
#: tmux with `set-clipboard on`: OSC 52 from an application goes into tmux's paste buffer.
TMUX_TAKES_OSC52 = "tmux-osc52"
#: tmux that drops OSC 52 from applications (`external`, its default, or `off`): pcwatch loads tmux's
#: paste buffer itself (`TMUX_LOAD_BUFFER`).
TMUX_LOAD = "tmux-load"
#: The copy to tmux's buffer failed (tmux gone since the start): the text went nowhere known.
TMUX_FAILED = "tmux-failed"

#: What the dashboard asks tmux when it starts in one: does tmux take OSC 52 into its buffer?
TMUX_SET_CLIPBOARD = ("tmux", "show-options", "-gv", "set-clipboard")
#: The text (on stdin) into tmux's paste buffer; `-w` also sends it to the terminal's clipboard where
#: tmux can (tmux 3.2 and later).
TMUX_LOAD_BUFFER = ("tmux", "load-buffer", "-w", "-")


def clipboard_reach(environ: Mapping[str, str], tmux_set_clipboard: str | None = None) -> str:
    """Where a copy can go in the terminal described by `environ`; in tmux (`TMUX`), by tmux's answer
    to `TMUX_SET_CLIPBOARD` (None: tmux did not answer, so OSC 52 is sent and nothing is claimed).
    Known to ignore OSC 52: JupyterLab's terminal (xterm.js without its clipboard add-on; Jupyter's
    terminals carry JUPYTER_SERVER_ROOT/URL), macOS Terminal, GNOME Terminal and other VTE terminals,
    the Linux console."""
    if environ.get("TMUX"):
        answer = (tmux_set_clipboard or "").strip()
        if answer == "on":
            return TMUX_TAKES_OSC52
        if answer in ("external", "off"):
            return TMUX_LOAD
        return OSC52
    if environ.get("JUPYTER_SERVER_ROOT") or environ.get("JUPYTER_SERVER_URL"):
        return NO_CLIPBOARD
    if environ.get("TERM_PROGRAM") == "Apple_Terminal" or environ.get("VTE_VERSION"):
        return NO_CLIPBOARD
    if environ.get("TERM") == "linux":
        return NO_CLIPBOARD
    return OSC52


@dataclass(frozen=True)
class Clipboard:
    """How this session copies: its reach (`clipboard_reach`) and, in tmux that drops OSC 52, what puts
    text in tmux's paste buffer (True when tmux took it)."""

    reach: str = OSC52
    load_tmux_buffer: Callable[[str], bool] | None = None

    def copy(self, text: str, osc52: Callable[[str], None], *, browser: bool) -> str:
        """Copy `text` every way this session has (`osc52`: the app's `copy_to_clipboard`, which also
        keeps it for pasting inside the app); returns where it is known to have gone, for the notice."""
        osc52(text)
        if browser:
            return BROWSER
        if self.reach == TMUX_LOAD:
            loaded = self.load_tmux_buffer is not None and self.load_tmux_buffer(text)
            return TMUX_LOAD if loaded else TMUX_FAILED
        return self.reach


def copy_toast(what: str, shown_id: str, reach: str) -> tuple[str, float]:
    """The notice after copying `shown_id` (already made safe) to `reach` (`Clipboard.copy`'s answer),
    and how long it stays. It claims a copy only into tmux's buffer; it always shows the id."""
    if reach in (TMUX_TAKES_OSC52, TMUX_LOAD):
        return f"Copied {what} {shown_id} to tmux's paste buffer", 4.0
    if reach == BROWSER:
        return f"Sent {what} {shown_id} to this browser's clipboard", 4.0
    if reach == NO_CLIPBOARD:
        return (
            f"{what.capitalize()}: {shown_id} (this terminal cannot set the clipboard: select the id to copy it)",
            12.0,
        )
    if reach == TMUX_FAILED:
        return f"{what.capitalize()}: {shown_id} (tmux did not take it: select the id to copy it)", 12.0
    return f"Sent {what} {shown_id} to the terminal's clipboard (OSC 52)", 4.0


def url_copy_toast(job_id: str, expires_at: datetime | None, reach: str) -> tuple[str, float]:
    """The notice after copying a bulk job's report URL: it names the job and the expiry, never the URL
    (an expiring credential of sorts, and long); where the copy went nowhere known it says where to
    select it instead."""
    expiry = f", valid until {instant(expires_at, CLOCK, utc=True)}" if expires_at is not None else ""
    if reach in (TMUX_TAKES_OSC52, TMUX_LOAD):
        return f"Copied the report URL of {job_id} to tmux's paste buffer{expiry}", 4.0
    if reach == BROWSER:
        return f"Sent the report URL of {job_id} to this browser's clipboard{expiry}", 4.0
    if reach in (NO_CLIPBOARD, TMUX_FAILED):
        why = "this terminal cannot set the clipboard" if reach == NO_CLIPBOARD else "tmux did not take it"
        return (
            f"{why.capitalize()}: select the report URL of {job_id} in the details pane to copy it{expiry}",
            12.0,
        )
    return f"Sent the report URL of {job_id} to the terminal's clipboard (OSC 52){expiry}", 4.0
