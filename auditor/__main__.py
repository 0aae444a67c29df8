"""`python -m auditor` runs the command line, like the `auditor` script."""

from auditor.cli import main

main()
