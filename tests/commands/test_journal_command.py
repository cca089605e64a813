"""`pcwatch journal compact --older-than AGE`: says what it would drop and drops nothing without `--yes`;
with it, drops the old finished tasks (the statistics keep their sums); `--vacuum` gives the space back.
In-process, with the statistics' fold."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.support.engine import task
from tui.__main__ import main
from tui.core.exit_status import ExitStatus
from tui.engine.journal import Journal
from tui.engine.types import TaskRow


def _journal(path) -> None:
    now = datetime.now(timezone.utc)  # (the command's clock is the system's: the ages are years apart)
    journal = Journal(path)
    starts = {1: now - timedelta(days=800), 2: now - timedelta(days=700), 3: now - timedelta(hours=1)}
    journal.write(
        tasks=[
            TaskRow(task(n, status="COMPLETE", start=s), s.timestamp(), s.timestamp())
            for n, s in starts.items()
        ]
    )
    journal.close()


def test_compact_is_a_dry_run_until_yes(tmp_path, capsys) -> None:
    path = tmp_path / "j.sqlite3"
    _journal(path)
    assert main(["journal", "compact", "--older-than", "365d", "--journal", str(path)]) == ExitStatus.OK
    dry = capsys.readouterr().out
    assert "would drop 2 finished tasks that started before " in dry and " UTC (365d ago), " in dry
    assert "run again with --yes" in dry
    assert len(Journal(path).load().tasks) == 3
    argv = ["journal", "compact", "--older-than", "52w", "--yes", "--vacuum", "--journal", str(path)]
    assert main(argv) == ExitStatus.OK
    done = capsys.readouterr().out
    assert "dropped 2 finished tasks" in done and "vacuumed: " in done
    assert [r.record.task_id for r in Journal(path).load().tasks] == [task(3).task_id]
    assert path.stat().st_mode & 0o777 == 0o600


def test_compact_refuses_what_it_cannot_do(tmp_path, capsys) -> None:
    missing = tmp_path / "none.sqlite3"
    assert main(["journal", "compact", "--older-than", "365d", "--journal", str(missing)]) == ExitStatus.USAGE
    assert "no journal at" in capsys.readouterr().err and not missing.exists()  # none made
    path = tmp_path / "j.sqlite3"
    _journal(path)
    for age, said in (("soon", "is not a window"), ("all", "would leave nothing")):
        assert main(["journal", "compact", "--older-than", age, "--journal", str(path)]) == ExitStatus.USAGE
        assert said in capsys.readouterr().err
    assert main(["journal", "compact", "--older-than", "1d", "--vacuum", "--journal", str(path)]) == 2
    assert "--vacuum goes with --yes" in capsys.readouterr().err
