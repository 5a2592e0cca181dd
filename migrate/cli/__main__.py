"""`python -m migrate.cli`."""

from migrate.cli import main

main()
