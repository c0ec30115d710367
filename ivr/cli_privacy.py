"""Commands of reliability and data protection: dead letters, erase on request, API clients, retention."""

from __future__ import annotations

from ivr.cli_jobs import jobs

COMMANDS = [jobs]
"""Registered on `ivr` by ivr.cli."""
