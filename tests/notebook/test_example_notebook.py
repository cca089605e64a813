"""docs/pcwatch.ipynb, executed by a real Jupyter kernel (nbclient + ipykernel), outputs checked."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "pcwatch.ipynb"


def _text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        assert output["output_type"] != "error", "\n".join(output.get("traceback", []))
        parts.append(output.get("text", ""))
        data = output.get("data", {})
        parts.append(data.get("text/plain", ""))
    return "".join(parts)


def test_the_example_notebook_runs_in_a_kernel_and_shows_the_tasks() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # The kernel runs this interpreter (the project's), in the repository so `tui` imports.
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    code = [c for c in notebook.cells if c.cell_type == "code"]
    outputs = [_text(c) for c in code]

    count = re.search(r"(\d+) tasks; poller: leader, live", outputs[1])
    assert count and int(count.group(1)) == 200
    failed = re.search(r"(\d+) failed; the newest: (task-\w+) (\w+)", outputs[1])
    assert failed and int(failed.group(1)) > 0

    table_cell = code[2]
    html = "".join(o.get("data", {}).get("text/html", "") for o in table_cell.outputs)
    assert "FAILED" in html and failed.group(2) in html  # the Rich table, rendered for the notebook
    assert f"{failed.group(1)} tasks (newest 5 shown)" in outputs[2]

    assert outputs[3].strip() == "True COMPLETE"  # `await watch.follow(...)` in a cell
