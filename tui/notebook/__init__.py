"""pcwatch in a Jupyter notebook (or any Python program): the engine without Textual.

    from tui.notebook import Watch
    watch = Watch(catalog="Sandbox", profile="partner")   # or Watch(settings), or Watch(demo=True)
    watch.tasks(kind="inv-to-eng", status="FAILED")   # a TaskList: a table in the cell
    watch.tasks().to_pandas()             # a DataFrame (pip install 'pcwatch[notebook]')
    watch.jobs(), watch.invitations()     # snapshot jobs, pending invitations: lists that show themselves
    watch.bulk_jobs(kind="opp-bulk")      # bulk jobs, with their progress: a BulkJobList
    watch.results(job_id, failed=True)    # a bulk job's per-record results (fetched now): .to_pandas()
    watch.live(status="IN_PROGRESS")      # a view in the cell that keeps itself current
    record = await watch.follow(task_id, timeout=600)   # returns once the task has finished
    watch.dashboard()                     # the full dashboard (`pcwatch serve`) in the cell
    watch.close()                         # or `with Watch(...) as watch:`

`watch.Watch` runs the engine, `results` the lists, `live` the live view, `server` the dashboard's server,
`filters` what `status=` and `kind=` accept.
"""

from __future__ import annotations

from .errors import JobNotFound, TaskNotFound, WatchClosed
from .filters import JobKindName, JobStatusName, TaskKindName, TaskStatusName
from .live import LiveView
from .results import BulkJobList, BulkResultList, InvitationList, JobList, TaskList
from .watch import Watch

__all__ = [
    "BulkJobList",
    "BulkResultList",
    "InvitationList",
    "JobKindName",
    "JobList",
    "JobNotFound",
    "JobStatusName",
    "LiveView",
    "TaskKindName",
    "TaskList",
    "TaskNotFound",
    "TaskStatusName",
    "Watch",
    "WatchClosed",
]
