"""Rich consoles for the commands: as wide as the terminal, and unbounded when piped."""

import os
from typing import Any

from rich.console import Console

# Piped into a file or another program, a table keeps every column whole: Rich's default of
# 80 columns cut them ("throughp…"). COLUMNS, when set, still decides.
PIPED_WIDTH = 10_000


def console(*, stderr: bool = False, **options: Any) -> Console:
    """A console on stdout (or stderr) that cuts nothing when it is not a terminal."""
    made = Console(stderr=stderr, **options)
    if not made.is_terminal and not os.environ.get("COLUMNS"):
        made.width = PIPED_WIDTH
    return made
