"""`ivr users`: accounts from the shell, through the rules of ivr.hotline.accounts, audited as "cli"."""

from __future__ import annotations

import sqlalchemy as sa

from ivr.store.db import audit_log


def test_create_asks_for_the_password_twice_and_lists_without_phone_numbers(cli, engine):
    created = cli("users", "create", "anna", "--desk", "zebera", "--phone", "+4915112345678",
                  input="a long password 1\na long password 1\n")
    assert created.exit_code == 0, created.output
    assert created.output.endswith("created anna (staff)\n")
    listed = cli("users", "list").output
    assert listed == "anna\tstaff\tzebera\tde\tphone\n"
    assert "15112345678" not in listed
    with engine.connect() as conn:
        entry = conn.execute(sa.select(audit_log).where(audit_log.c.action == "user.create")).mappings().one()
    assert entry["actor"] == "cli" and entry["detail"] == "role=staff desks=zebera"


def test_unknown_role_or_desk_is_a_usage_error(cli):
    assert cli("users", "create", "bob", "--role", "king", "--password", "a long password 1").exit_code == 2
    result = cli("users", "create", "bob", "--desk", "nowhere", "--password", "a long password 1")
    assert result.exit_code == 2 and result.output.startswith("Error: unknown desk 'nowhere'")
    assert len(result.output.splitlines()) == 1
    assert cli("users", "list").output == ""


def test_membership_and_changes_of_an_unknown_user_fail(cli):
    assert cli("users", "add-desk", "ghost", "zebera").exit_code == 1
    assert cli("users", "set", "ghost", "--name", "Ghost").exit_code == 1
    assert cli("users", "create", "anna", "--password", "a long password 1").exit_code == 0
    assert cli("users", "add-desk", "anna", "zebera").output == "anna added to zebera\n"
    assert cli("users", "add-desk", "anna", "zebera").output == "anna added to zebera (no change)\n"
    assert cli("users", "remove-desk", "anna", "zebera").output == "anna removed from zebera\n"
