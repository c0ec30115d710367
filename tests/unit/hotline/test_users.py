"""Staff accounts: hashed passwords, roles, desk memberships, CLI."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ivr.hotline import users
from ivr.store.db import audit_log
from ivr.store.db import users as users_table
from tests.unit.conftest import opens_desk


def test_password_is_hashed_and_checked(engine, clock):
    with engine.begin() as conn:
        users.create(conn, "anna", "correct horse battery", "staff", clock(), languages=("de", "ar"))
        stored = conn.execute(sa.select(users_table.c.password_hash)).scalar_one()
        assert "correct horse" not in stored
        assert stored.startswith(("scrypt:", "pbkdf2:"))
        assert users.authenticate(conn, "anna", "wrong password!") is None
        assert users.authenticate(conn, "nobody", "correct horse battery") is None
        user = users.authenticate(conn, "anna", "correct horse battery")
    assert user is not None and user.languages == ("de", "ar") and user.role == "staff"


@pytest.mark.parametrize(
    "role, password, message",
    [
        ("boss", "long enough password", "unknown role"),
        ("staff", "short", "at least"),
    ],
)
def test_create_refuses_bad_input(engine, clock, role, password, message):
    with engine.begin() as conn, pytest.raises(users.UserError, match=message):
        users.create(conn, "bert", password, role, clock())


def test_roles_and_desks_decide_access(engine, clock):
    with engine.begin() as conn:
        for name, role in (("s", "staff"), ("v", "supervisor"), ("o", "operator"), ("a", "admin")):
            users.create(conn, name, "a long password", role, clock())
            users.add_desk(conn, name, "zebera")
        loaded = {u.username: u for u in users.listing(conn)}
    assert loaded["s"].works("zebera") and not loaded["s"].works("info")
    assert loaded["v"].sees("zebera") and not loaded["v"].works("zebera") and not loaded["v"].sees("info")
    assert not loaded["o"].sees("zebera")
    assert loaded["a"].works("info") and loaded["a"].sees("info")


def test_cli_create_add_desk_reset_and_list(engine, ivr):
    result = ivr("users", "create", "carla", "--role", "supervisor", "--desk", "zebera", "--password",
                 "first password 1", "--languages", "de,tr")
    assert result.exit_code == 0, result.output
    assert ivr("users", "add-desk", "carla", "helpers").exit_code == 0
    assert ivr("users", "add-desk", "carla", "nowhere").exit_code == 2
    result = ivr("users", "reset-password", "carla", input="second password 2\nsecond password 2\n")
    assert result.exit_code == 0, result.output
    assert ivr("users", "create", "carla", "--password", "another password").exit_code == 1
    listing = ivr("users", "list").output
    assert "carla\tsupervisor\thelpers,zebera\tde,tr" in listing
    with engine.connect() as conn:
        assert users.authenticate(conn, "carla", "second password 2") is not None
        actions = conn.execute(sa.select(audit_log.c.action)).scalars().all()
    assert {"user.create", "user.add_desk", "user.reset_password"} <= set(actions)


def test_cli_keeps_non_admins_within_one_body(engine, ivr):
    result = ivr("users", "create", "vera", "--role", "supervisor", "--desk", "zebera", "--desk", "info",
                 "--password", "first password 1")
    assert result.exit_code == 1 and "one body" in result.output
    created = ivr("users", "create", "vera", "--role", "supervisor", "--desk", "zebera", "--password",
                  "first password 1")
    assert created.exit_code == 0
    assert ivr("users", "add-desk", "vera", "helpers").exit_code == 0  # also the Jobcenter
    result = ivr("users", "add-desk", "vera", "integration_point")  # the employment agency
    assert result.exit_code == 1 and "one body" in result.output
    admin = ivr("users", "create", "root", "--role", "admin", "--desk", "zebera", "--desk", "info", "--password",
                "first password 1")
    assert admin.exit_code == 0
    assert ivr("users", "set", "vera", "--ui-lang", "en", "--phone", "+4915112345678").exit_code == 0
    listing = ivr("users", "list").output
    assert "vera\tsupervisor\thelpers,zebera\tde\tphone" in listing


def test_cli_and_admin_page_share_the_rules(engine, ivr):
    """Phone, languages and the last admin are checked by ivr.hotline.accounts, as on /admin/users/."""
    create = ["users", "create", "root", "--role", "admin", "--password", "first password 1"]
    result = ivr(*create, "--phone", "0151 12345678")
    assert result.exit_code == 1 and "E.164" in result.output
    result = ivr(*create, "--languages", "de,xx")
    assert result.exit_code == 1 and "unknown language 'xx'" in result.output
    result = ivr(*create, "--desk", "nowhere")
    assert result.exit_code == 2 and "unknown desk 'nowhere'" in result.output
    assert ivr(*create).exit_code == 0
    for change in (["--inactive"], ["--role", "operator"]):
        result = ivr("users", "set", "root", *change)
        assert result.exit_code == 1 and "last active admin" in result.output
    with engine.connect() as conn:
        root = users.load(conn, users.user_id(conn, "root"))
    assert root is not None and root.role == "admin"


@pytest.mark.parametrize("commands", [
    [["reset-password", "anna", "--password", "second password 2"]],
    [["set", "anna", "--inactive"], ["set", "anna", "--active"]],
    [["set", "anna", "--role", "supervisor"]],
])
def test_cli_account_changes_end_open_sessions(people, ivr, make_task, commands):
    make_task()
    anna = people("anna")
    copy = anna.replay()
    assert opens_desk(copy)
    for command in commands:
        result = ivr("users", *command)
        assert result.exit_code == 0, result.output
    assert not opens_desk(copy) and not opens_desk(anna.client)
