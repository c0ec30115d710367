"""The one role list: every group of roles is drawn from it, and admins belong to every group."""

from __future__ import annotations

from ivr.core import roles


def test_role_groups_name_only_known_roles_and_always_admins():
    groups = (roles.WORKBENCH_ROLES, roles.SUPERVISING_ROLES, roles.OPERATING_ROLES, roles.ADMIN_ROLES)
    assert roles.DEFAULT_ROLE in roles.ROLES and len(set(roles.ROLES)) == len(roles.ROLES)
    for group in groups:
        assert set(group) <= set(roles.ROLES) and "admin" in group
    assert "operator" not in roles.WORKBENCH_ROLES  # operators run closures and flows, not callbacks
