"""Command-line interface: thin Typer sub-apps calling the contexts' services."""
