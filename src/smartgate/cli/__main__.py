"""`python -m smartgate.cli` runs the command line."""

from smartgate.cli.app import main

main()
