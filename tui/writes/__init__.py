"""Writes: accept, reject and start through the write ledger (its own SQLite file beside the journal),
why a write failed in words, and `accept --all-pending`. Never imports Textual."""
