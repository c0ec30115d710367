"""Staff roles, and which of them use which pages and powers; the one list the accounts, CLI and pages read."""

from __future__ import annotations

ROLES = ("staff", "supervisor", "operator", "admin")
"""staff: own desks; supervisor: a set of desks, read and reassign; operator: closures, flows; admin: all."""
DEFAULT_ROLE = "staff"
"""The role of a new account unless one is named."""
WORKBENCH_ROLES = ("staff", "supervisor", "admin")
"""Roles that see callback tasks (operators run closures and flows, not callbacks)."""
SUPERVISING_ROLES = ("supervisor", "admin")
"""Roles that read the supervisors' pages and may release or forward a task someone else holds."""
OPERATING_ROLES = ("operator", "admin")
"""Roles that run closures, flows and the simulator (the operators' pages)."""
ADMIN_ROLES = ("admin",)
"""Roles that manage accounts and failed jobs."""
