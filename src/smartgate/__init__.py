"""smartgate: smart border-gate platform for cross-border truck freight."""

__version__ = "0.1.0"
