"""`python -m factoryos`: the command line, as the `factoryos` script runs it (where the script is not on PATH)."""

from factoryos.cli import main

main()
