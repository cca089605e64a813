"""The dashboard's panes, one per module. None of them imports boto3 or the engine: they render from a
Store-like object handed to them."""
