"""Allow `python -m ivr ...` as well as the `ivr` console script."""

from ivr.cli import main

main()
