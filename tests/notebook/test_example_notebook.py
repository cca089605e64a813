"""docs/pcwatch.ipynb, executed by a real Jupyter kernel (nbclient + ipykernel) against the demo endpoint
the notebook starts, outputs checked as a notebook front end receives them: an HTML table of tasks, a
DataFrame, the invitations and jobs, a live view that the engine redrew in place while the demo ran
(`update_display_data`, which nbclient applies to the cell that showed it), the two errors, a followed
task, the bulk jobs with their progress and a job's failed records, and the dashboard's frame, whose URL
served the dashboard while the watch was open and stopped with it."""

from __future__ import annotations

import copy
import re
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "pcwatch.ipynb"


def _text(cell: Any) -> str:
    parts = []
    for output in cell.get("outputs", []):
        assert output["output_type"] != "error", "\n".join(output.get("traceback", []))
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def _html(cell: Any) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.get("outputs", []))


class _Frames(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe":
            self.sources += [v or "" for k, v in attrs if k == "src"]


def _visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_the_example_notebook_runs_in_a_kernel_and_shows_everything() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    live_index, dashboard_index = code[5], code[12]
    assert "watch.live()" in notebook.cells[live_index].source
    assert "watch.dashboard(" in notebook.cells[dashboard_index].source
    seen: dict[str, Any] = {}

    def on_cell_executed(cell: Any, cell_index: int, **_: Any) -> None:
        if cell_index == live_index:  # the live view as first shown, before the engine redrew it
            seen["live_first"] = copy.deepcopy(cell.outputs)
        if cell_index == dashboard_index:  # while the watch is open: the frame's URL serves the dashboard
            (source,) = _Frames(_html(cell)).sources
            with urllib.request.urlopen(source, timeout=10) as page:
                seen["dashboard"] = (source, page.status, page.headers, page.read().decode())

    # The kernel runs this interpreter (the project's), in the repository so `tui` imports.
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT)}},
        on_cell_executed=on_cell_executed,
    )
    client.execute()
    cells = [notebook.cells[i] for i in code]
    outputs = [_text(c) for c in cells]

    count = re.search(r"(\d+) tasks; poller: leader", outputs[1])
    assert count and int(count.group(1)) >= 200
    tasks_html = _html(cells[1])
    assert "<table" in tasks_html and "IN_PROGRESS" in tasks_html and "COMPLETE" in tasks_html
    assert f"{count.group(1)} tasks (" in _visible_text(tasks_html)

    failed = re.search(r"(\d+) failed; the newest: (task-\w+) (\w+)", outputs[2])
    assert failed and int(failed.group(1)) > 0
    frame_html = _html(cells[2])  # the DataFrame, as pandas shows it
    assert 'class="dataframe' in frame_html and failed.group(2) in frame_html and "duration_s" in frame_html

    assert "invitations (PENDING" in _visible_text(_html(cells[3]))
    assert "snapshot jobs" in _visible_text(_html(cells[4]))

    # The live view: redrawn in place while the demo ran (the kernel sent update_display_data).
    first = "".join(o["data"]["text/html"] for o in seen["live_first"])
    last = _html(cells[5])
    assert "Recent failures" in first and "Running" in first
    redrawn = re.search(r"redrawn (\d+) times", outputs[6])
    assert redrawn and int(redrawn.group(1)) >= 2
    assert last != first
    stamps = [re.search(r"updated (\d\d:\d\d:\d\d) UTC", h) for h in (first, last)]
    assert stamps[0] and stamps[1] and stamps[1].group(1) > stamps[0].group(1)
    assert "stopped: this view no longer updates" in last  # `watch.close()` stopped it, and said so

    assert "ValueError: unknown status 'FAILD': use one of COMPLETE, FAILED, IN_PROGRESS" in outputs[7]
    assert "TaskNotFound: no task 'task-0000000000000' in Sandbox" in outputs[8]
    assert outputs[9].strip() == "True COMPLETE"  # `await watch.follow(...)` in a cell

    # The bulk jobs, each with its progress bar; the demo's 5,000-record import among them.
    jobs = re.search(r"(\d+) bulk jobs; the import: (bulkjob-\w+) (\w+) ([\d,]+) of 5,000", outputs[10])
    assert jobs and int(jobs.group(1)) >= 2 and int(jobs.group(4).replace(",", "")) > 0
    jobs_html = _html(cells[10])
    assert "<progress" in jobs_html and jobs.group(2) in jobs_html and "opp-bulk" in jobs_html
    assert f"{jobs.group(1)} bulk jobs (" in _visible_text(jobs_html)
    # A finished job's failed records, fetched when asked, as a DataFrame.
    records = re.search(r"(\d+) failed records of (bulkjob-\w+)", outputs[11])
    assert records and int(records.group(1)) > 0
    records_html = _html(cells[11])
    assert 'class="dataframe' in records_html and "error_code" in records_html and "row-" in records_html

    source, status, headers, page = seen["dashboard"]
    assert source.startswith("http://127.0.0.1:") and "?token=" in source
    assert status == 200 and "<title>pcwatch · Sandbox</title>" in page
    assert headers["Content-Security-Policy"].startswith("frame-ancestors 'self' http://127.0.0.1:*")
    assert "X-Frame-Options" not in headers
    with pytest.raises(urllib.error.URLError):  # the server stopped with the watch
        urllib.request.urlopen(source, timeout=5)
