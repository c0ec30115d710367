"""Account rules shared by the CLI and the admins' page: names, desks of one body, languages, phones, last admin."""

from __future__ import annotations

import pytest

from ivr.core.languages import UI_LANGS
from ivr.hotline import accounts
from ivr.hotline import users
from ivr.hotline.users import UserError

PASSWORD = "a long test password"


@pytest.mark.parametrize("name, key", [("", "username"), ("a/b", "username"), ("x" * 65, "username"),
                                       ("new", "reserved")])
def test_user_names_that_break_paths_or_pages_are_refused(name, key):
    with pytest.raises(UserError) as refused:
        accounts.check_username(name)
    assert refused.value.key == key


def test_desks_must_exist_and_belong_to_one_body_except_for_admins(settings):
    assert accounts.check_desks(settings, "staff", ["zebera", "helpers", "zebera"]) == ("zebera", "helpers")
    with pytest.raises(UserError) as refused:
        accounts.check_desks(settings, "supervisor", ["zebera", "info"])  # jobcenter and stadt
    assert (refused.value.key, refused.value.params["bodies"]) == ("one_body", ("jobcenter", "stadt"))
    assert accounts.check_desks(settings, "admin", ["zebera", "info"]) == ("zebera", "info")
    with pytest.raises(UserError, match="unknown desk"):
        accounts.check_desks(settings, "staff", ["nowhere"])


def test_languages_phone_and_interface_language(settings):
    assert accounts.check_languages(settings, " de, en ,de") == ("de", "en")
    for bad, key in (("de,xx", "language"), (" , ", "no_language")):
        with pytest.raises(UserError) as refused:
            accounts.check_languages(settings, bad)
        assert refused.value.key == key
    assert accounts.check_phone(" +49 176 12345678 ") == "+4917612345678"
    assert accounts.check_phone("") is None
    for bad in ("017612345678", "+49123", "+4917612345678x"):
        with pytest.raises(UserError) as refused:
            accounts.check_phone(bad)
        assert bad not in str(refused.value)  # a number is never echoed into a page or log
    assert [accounts.check_ui_lang(lang) for lang in UI_LANGS] == list(UI_LANGS)
    with pytest.raises(UserError, match="interface language"):
        accounts.check_ui_lang("fr")
    with pytest.raises(UserError, match="differ"):
        accounts.check_passwords(PASSWORD, PASSWORD + "!")
    with pytest.raises(UserError, match="at least"):
        accounts.check_passwords("short", "short")


def test_create_and_update_report_what_changed(engine, settings, clock):
    with engine.begin() as conn:
        accounts.create(conn, settings, "anna", PASSWORD, "staff", clock(), desks=["zebera"], languages="de,ar",
                        phone="+4917612345678")
        assert accounts.update(conn, settings, "anna", clock(), display_name="", languages=["de", "ar"]) == ()
        changed = accounts.update(conn, settings, "anna", clock(), display_name="Anna", desks=["helpers"])
        assert changed == ("display_name", "desks")
        anna = accounts.account(conn, "anna")
        assert (anna.display_name, anna.desks, anna.languages) == ("Anna", ("helpers",), ("de", "ar"))
        with pytest.raises(UserError, match="one body"):
            accounts.add_desk(conn, settings, "anna", "info")
        assert accounts.add_desk(conn, settings, "anna", "zebera") and not accounts.add_desk(conn, settings, "anna",
                                                                                            "zebera")
        assert accounts.remove_desk(conn, settings, "anna", "zebera")
        with pytest.raises(TypeError):
            accounts.update(conn, settings, "anna", clock(), password=PASSWORD)


def test_a_role_change_must_fit_the_desks_the_person_has(engine, settings, clock):
    with engine.begin() as conn:
        accounts.create(conn, settings, "root", PASSWORD, "admin", clock(), desks=["zebera", "info"])
        accounts.create(conn, settings, "boss", PASSWORD, "admin", clock())
        with pytest.raises(UserError, match="one body"):
            accounts.update(conn, settings, "root", clock(), role="supervisor")


def test_the_last_active_admin_stays(engine, settings, clock):
    with engine.begin() as conn:
        accounts.create(conn, settings, "root", PASSWORD, "admin", clock())
        for change in ({"role": "staff"}, {"active": False}):
            with pytest.raises(UserError) as refused:
                accounts.update(conn, settings, "root", clock(), **change)
            assert refused.value.key == "last_admin"
        accounts.create(conn, settings, "boss", PASSWORD, "admin", clock())
        assert accounts.update(conn, settings, "root", clock(), role="operator") == ("role",)
        with pytest.raises(UserError, match="last active admin"):
            accounts.update(conn, settings, "boss", clock(), active=False)
        assert users.load(conn, users.user_id(conn, "root")).role == "operator"
