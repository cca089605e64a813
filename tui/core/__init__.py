"""Below everything else in `tui`: the clock and sleep-or-wake, subscribers, the one text-safety function,
the one time and duration formatter, the one rate limiter, 0600/0700 files, and the settings every layer
reads. Imports nothing of pcwatch but `schemas`; no Textual, no boto3 (see docs/ARCHITECTURE.md)."""
