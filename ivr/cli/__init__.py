"""The `ivr` command: one root group (main.py) and one module per command group."""
