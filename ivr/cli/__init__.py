"""The `ivr` command: the root group (main.py) and one module per command group, imported here to register."""

from ivr.cli import api_clients  # noqa: F401
from ivr.cli import callbacks  # noqa: F401
from ivr.cli import closure  # noqa: F401
from ivr.cli import db  # noqa: F401
from ivr.cli import dev  # noqa: F401
from ivr.cli import fallback  # noqa: F401
from ivr.cli import flows  # noqa: F401
from ivr.cli import jobs  # noqa: F401
from ivr.cli import privacy  # noqa: F401
from ivr.cli import retention  # noqa: F401
from ivr.cli import users  # noqa: F401
from ivr.cli import worker  # noqa: F401
from ivr.cli.main import main

__all__ = ["main"]
