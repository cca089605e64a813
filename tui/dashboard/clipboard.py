"""Where `c` and `y` put an id (and `c` in the jobs view a report URL), and so what their toast may claim.

The id always goes out as OSC 52 (`App.copy_to_clipboard`): a terminal that supports it sets the local
clipboard, even over SSH and tmux; in a browser session (`pcwatch serve`) the page's terminal passes it
to the browser's clipboard. Some terminals ignore OSC 52 without a word: there the toast shows the id to
select instead of claiming a copy. Which terminal it is comes from the environment the dashboard was
started in (`clipboard_reach`, called by the command that builds the app). Pure functions, no Textual.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from tui.core.timefmt import CLOCK, instant

#: A browser session: the page's terminal hands OSC 52 to the browser's clipboard.
BROWSER = "browser"
#: A terminal that may honour OSC 52 (most do; tmux keeps it in its buffer and passes it on).
OSC52 = "osc52"
#: A terminal known to ignore OSC 52.
NO_CLIPBOARD = "none"


def clipboard_reach(environ: Mapping[str, str]) -> str:
    """OSC52, or NO_CLIPBOARD for a terminal known to ignore it: JupyterLab's terminal (xterm.js without
    its clipboard add-on; Jupyter's terminals carry JUPYTER_SERVER_ROOT/URL), macOS Terminal, GNOME
    Terminal and other VTE terminals, the Linux console. Inside tmux the copy lands in tmux's buffer."""
    if environ.get("TMUX"):
        return OSC52
    if environ.get("JUPYTER_SERVER_ROOT") or environ.get("JUPYTER_SERVER_URL"):
        return NO_CLIPBOARD
    if environ.get("TERM_PROGRAM") == "Apple_Terminal" or environ.get("VTE_VERSION"):
        return NO_CLIPBOARD
    if environ.get("TERM") == "linux":
        return NO_CLIPBOARD
    return OSC52


def copy_toast(what: str, shown_id: str, reach: str) -> tuple[str, float]:
    """The toast after copying `shown_id` (already made safe), and how long it stays."""
    if reach == BROWSER:
        return f"Copied {what} {shown_id} to this browser's clipboard", 3.0
    if reach == NO_CLIPBOARD:
        return (
            f"{what.capitalize()}: {shown_id} (this terminal cannot set the clipboard: select the id to copy it)",
            12.0,
        )
    return f"Copied {what} {shown_id} (OSC 52)", 3.0


def url_copy_toast(job_id: str, expires_at: datetime | None, reach: str) -> tuple[str, float]:
    """The toast after copying a bulk job's report URL: it names the job and the expiry, never the URL
    (an expiring credential of sorts, and long); where the terminal cannot set the clipboard it says
    where to select it instead."""
    expiry = f", valid until {instant(expires_at, CLOCK, utc=True)}" if expires_at is not None else ""
    if reach == BROWSER:
        return f"Copied the report URL of {job_id} to this browser's clipboard{expiry}", 3.0
    if reach == NO_CLIPBOARD:
        return (
            f"This terminal cannot set the clipboard: select the report URL of {job_id} in the details "
            f"pane to copy it{expiry}",
            12.0,
        )
    return f"Copied the report URL of {job_id} (OSC 52){expiry}", 3.0
