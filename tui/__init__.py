"""pcwatch: a live terminal dashboard for Partner Central Selling API asynchronous tasks."""

__version__ = "0.1.0"
