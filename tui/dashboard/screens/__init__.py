"""The screens: the main view (`tasks`), the invitations and stats views, and the modal ones (help, the
full record as JSON, the export dialog, a write's confirmation, the journal's problem)."""
