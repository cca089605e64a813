"""The headless commands (`list`, `wait`). They never import Textual; heavy imports happen in `run`."""
