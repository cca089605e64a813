"""The engine: what the dashboard, the commands and the notebook drive. Its typed surface is
`tui.engine.api` (Protocols and result types); behind it the budget, the poll plan, the poller, the
snapshot job queue, the store and its index, the SQLite journal, and the sharing of one poller between
viewers. Never imports Textual (see docs/ARCHITECTURE.md)."""
