"""The local Partner Central Selling endpoint: the embedded default for `pcwatch --demo`, the backend of
the tests, and a place to produce throttling, faults and hostile data on demand.

    sim = Simulator(seed=1, history=1000, clock=MockClock())
    with serve(sim, port=0) as endpoint:
        boto3.client("partnercentral-selling", endpoint_url=endpoint.url, ...)

It serves every operation of the kinds table (`operations.OPERATIONS`): the tasks, prospecting tasks
(`prospecting`), bulk jobs of both families (`bulk_operations`, `bulk_records`) and their reports, which
it serves itself at expiring URLs (`reports`); the invitations and the snapshot jobs. A test shapes what
it needs with `Simulator.add_task`, `add_prospecting_task`, `add_bulk_job` and reads the truth with
`tasks()`, `bulk_jobs()` and `running_ids()`.

Never imports Textual.
"""

from .faults import Faults
from .quotas import QuotaLimits
from .server import Endpoint, serve
from .simulator import CATALOGS, Simulator, SimulatorStats

#: The fixed credentials the demo and the tests sign with (the endpoint checks no signature).
LOCAL_ACCESS_KEY_ID = "pcwatch-local"
LOCAL_SECRET_ACCESS_KEY = "pcwatch-local-secret"

__all__ = [
    "CATALOGS",
    "LOCAL_ACCESS_KEY_ID",
    "LOCAL_SECRET_ACCESS_KEY",
    "Endpoint",
    "Faults",
    "QuotaLimits",
    "Simulator",
    "SimulatorStats",
    "serve",
]
