"""Modal screens: help, the full record as JSON, the export dialog."""
