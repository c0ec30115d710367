"""Allow `python -m ivr ...` as well as the `ivr` console script."""

from ivr.cli.main import main

main()
