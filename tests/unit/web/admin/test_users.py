"""The admins' page for staff accounts: who reaches it, the CLI's rules, last admin, audit, no secrets shown."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ivr.hotline import users
from ivr.store.db import audit_log
from ivr.store.db import desk_members
from ivr.store.db import users as users_table
from tests.unit.conftest import PASSWORD
from tests.unit.conftest import Person
from tests.unit.conftest import opens_desk

NEW_PASSWORD = "a brand new password"
PHONE = "+4915112345678"


def _form(**changes) -> dict:
    """A complete create form for "dana"; keyword arguments replace fields."""
    form = {
        "username": "dana",
        "display_name": "Dana Demir",
        "role": "staff",
        "desks": ["zebera", "helpers"],
        "languages": ["de", "ar"],
        "phone": PHONE,
        "ui_lang": "de",
        "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    form.update(changes)
    return form


def _profile(person: users.User | None = None, **changes) -> dict:
    """The edit form as the page would post it for an account; keyword arguments replace fields."""
    form = {
        "display_name": person.display_name if person else "",
        "role": person.role if person else "staff",
        "desks": list(person.desks) if person else [],
        "languages": list(person.languages) if person else ["de"],
        "phone": (person.phone or "") if person else "",
        "ui_lang": person.ui_lang if person else "de",
        "active": "1",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _account(engine, username: str) -> users.User:
    with engine.connect() as conn:
        return users.load(conn, users.user_id(conn, username), inactive=True)


def _audit(engine) -> list[tuple]:
    with engine.connect() as conn:
        query = sa.select(audit_log.c.actor, audit_log.c.action, audit_log.c.target, audit_log.c.detail)
        return [tuple(r) for r in conn.execute(query.order_by(audit_log.c.id))]


def _changes(engine) -> list[tuple]:
    """Audit entries of account changes (logins and views left out)."""
    return [row for row in _audit(engine) if row[1].startswith("user.")]


def _snapshot(engine) -> tuple:
    with engine.connect() as conn:
        return (
            conn.execute(sa.select(users_table).order_by(users_table.c.id)).all(),
            conn.execute(sa.select(desk_members).order_by(desk_members.c.user_id, desk_members.c.desk)).all(),
            _changes(engine),
        )


@pytest.fixture
def root(people):
    return people("root", role="admin", desks=())


@pytest.mark.parametrize("role", ["staff", "supervisor", "operator"])
def test_only_admins_reach_the_account_pages(app, people, role):
    person = people("p", role=role, desks=("zebera",) if role != "operator" else ())
    anonymous = app.test_client()
    for method, url in (
        ("GET", "/admin/users/"),
        ("GET", "/admin/users/new"),
        ("POST", "/admin/users/new"),
        ("GET", "/admin/users/p"),
        ("POST", "/admin/users/p"),
        ("POST", "/admin/users/p/password"),
    ):
        data = _form(username="x") if url.endswith("new") else _profile(role="admin")
        response = person.post(url, data) if method == "POST" else person.get(url)
        assert response.status_code == 403, (method, url)
        response = anonymous.open(url, method=method, data=data)
        assert response.status_code == 302 and response.location.startswith("/login"), (method, url)
    assert _account(app.extensions["ivr"].engine, "p").role == role
    assert "/admin/users/" not in person.get("/staff/").get_data(as_text=True)  # no link in the top bar


def test_admin_creates_an_account_and_the_person_logs_in(app, root, engine):
    assert 'href="/admin/users/"' in root.get("/staff/").get_data(as_text=True)  # the top bar's link
    page = root.get("/admin/users/new")
    assert page.status_code == 200 and 'name="password2"' in page.get_data(as_text=True)
    response = root.post("/admin/users/new", _form())
    assert response.status_code == 302 and response.location == "/admin/users/"
    assert "Konto dana angelegt." in root.get("/admin/users/").get_data(as_text=True)
    dana = _account(engine, "dana")
    assert (dana.role, dana.desks, dana.languages, dana.phone) == ("staff", ("helpers", "zebera"), ("de", "ar"), PHONE)
    assert dana.display_name == "Dana Demir" and dana.active
    person = Person(app, "dana")
    assert person.login(NEW_PASSWORD).status_code == 302
    assert person.get("/staff/desks/helpers").status_code == 200
    assert _changes(engine) == [("root", "user.create", "user:dana", "role=staff desks=zebera,helpers")]


def test_an_admin_may_hold_desks_of_several_bodies(root, engine):
    form = _form(username="ida", role="admin", desks=["zebera", "info", "integration_point"], phone="")
    assert root.post("/admin/users/new", form).status_code == 302
    ida = _account(engine, "ida")
    assert ida.desks == ("info", "integration_point", "zebera") and ida.phone is None


def test_a_form_without_csrf_token_is_refused(root, people, engine):
    people("anna")
    before = _snapshot(engine)
    assert root.post("/admin/users/new", _form(), csrf=False).status_code == 400
    assert root.post("/admin/users/anna", _profile(role="supervisor"), csrf=False).status_code == 400
    form = {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert root.post("/admin/users/anna/password", form, csrf=False).status_code == 400
    assert _snapshot(engine) == before


@pytest.mark.parametrize(
    "changes, message, field",
    [
        ({"desks": ["zebera", "nowhere"]}, "Unbekannte Stelle: nowhere.", None),
        ({"desks": ["zebera", "info"]}, "Stellen nur einer Behörde wählen, nicht von Jobcenter, Stadt Wuppertal.",
         None),
        ({"role": "supervisor", "desks": ["integration_point", "helpers"]}, "Stellen nur einer Behörde", None),
        ({"password": "short", "password2": "short"}, "Das Passwort braucht mindestens 10 Zeichen.", "password"),
        ({"password2": "another long password"}, "Die beiden Passwörter stimmen nicht überein.", "password"),
        ({"phone": "0151 12345678"}, "keine gültige Nummer im Format +49", "phone"),
        ({"phone": "+49 123"}, "keine gültige Nummer im Format +49", "phone"),
        ({"username": "anna"}, "Den Benutzernamen „anna“ gibt es schon.", "username"),
        ({"username": "new"}, "ist nicht möglich", "username"),
        ({"username": "a/b"}, "Der Benutzername braucht 1 bis 64 Zeichen", "username"),
        ({"languages": []}, "Bitte mindestens eine Sprache wählen.", None),
        ({"languages": ["de", "xx"]}, "Unbekannte Sprache: xx.", None),
        ({"role": "boss"}, "Unbekannte Rolle.", "role"),
    ],
)
def test_invalid_input_shows_the_form_again_and_changes_nothing(root, people, engine, changes, message, field):
    people("anna")
    before = _snapshot(engine)
    response = root.post("/admin/users/new", _form(**changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    alert = html.split('<p class="flash error" role="alert" id="form-error">')[1].split("</p>")[0]
    assert message in alert
    assert 'value="Dana Demir"' in html  # what the admin typed stays
    assert NEW_PASSWORD not in html and "another long password" not in html  # passwords are never sent back
    if field:
        assert f'id="{field}"' in html.split('aria-invalid="true"')[0].rsplit("<", 1)[-1]
    assert _snapshot(engine) == before


def test_the_form_speaks_english_too(root):
    root.get("/admin/users/?lang=en")
    html = root.post("/admin/users/new", _form(desks=["zebera", "info"])).get_data(as_text=True)
    assert "desks of one public body only, not of Jobcenter, City of Wuppertal." in html


def test_editing_role_desks_languages_and_phone_takes_effect(people, root, engine):
    anna = people("anna", desks=("zebera",))
    assert anna.get("/staff/desks/helpers").status_code == 404
    page = root.get("/admin/users/anna").get_data(as_text=True)
    assert 'value="zebera" checked' in page and "Anna" in page
    form = _profile(_account(engine, "anna"), desks=["helpers"], languages=["de", "en", "uk"], phone=PHONE)
    response = root.post("/admin/users/anna", form)
    assert response.status_code == 302 and response.location == "/admin/users/anna"
    assert anna.get("/staff/desks/helpers").status_code == 200  # at once, in the open session
    assert anna.get("/staff/desks/zebera").status_code == 404
    stored = _account(engine, "anna")
    assert (stored.desks, stored.languages, stored.phone) == (("helpers",), ("de", "en", "uk"), PHONE)
    assert f'value="{PHONE}"' in root.get("/admin/users/anna").get_data(as_text=True)  # the edit page shows it
    assert anna.get("/staff/overview").status_code == 403
    form = _profile(stored, role="supervisor", ui_lang="en", display_name="Anna Arslan")
    assert root.post("/admin/users/anna", form).status_code == 302
    assert anna.get("/staff/overview").location.startswith("/login")  # a new role: log in again
    assert anna.login().status_code == 302 and anna.get("/staff/overview").status_code == 200
    stored = _account(engine, "anna")
    assert (stored.role, stored.ui_lang, stored.name) == ("supervisor", "en", "Anna Arslan")
    assert _changes(engine) == [
        ("root", "user.update", "user:anna", "languages,phone,desks"),
        ("root", "user.update", "user:anna", "display_name,role,ui_lang"),
    ]
    assert root.post("/admin/users/anna", _profile(stored)).status_code == 302  # nothing changed: no entry
    assert "Keine Änderung an anna." in root.get("/admin/users/anna").get_data(as_text=True)
    assert len(_changes(engine)) == 2
    assert root.get("/admin/users/nobody").status_code == 404
    assert root.post("/admin/users/nobody", _profile()).status_code == 404


def test_an_edit_that_breaks_a_rule_changes_nothing(people, root, engine):
    people("anna", desks=("zebera",))
    anna = _account(engine, "anna")
    before = _snapshot(engine)
    for changes, message in (
        ({"desks": ["zebera", "auslaenderbehoerde"], "phone": PHONE}, "Stellen nur einer Behörde"),
        ({"desks": ["helpers"], "phone": "+4912"}, "keine gültige Nummer"),
        ({"desks": ["zebera", "nowhere"]}, "Unbekannte Stelle"),
    ):
        response = root.post("/admin/users/anna", _profile(anna, **changes))
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _snapshot(engine) == before
    root.post("/admin/users/anna", _profile(anna, role="admin", desks=["zebera", "info"]))
    response = root.post("/admin/users/anna", _profile(_account(engine, "anna"), role="staff"))
    assert response.status_code == 400  # a demoted admin must fit the one-body rule with the desks they have
    assert _account(engine, "anna").role == "admin"


def test_reset_password_replaces_the_old_one(app, people, root, engine):
    people("anna")
    url = "/admin/users/anna/password"
    response = root.post(url, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD + "!"})
    assert response.status_code == 400 and "stimmen nicht überein" in response.get_data(as_text=True)
    response = root.post(url, {"password": "too short", "password2": "too short"})
    assert response.status_code == 400 and "mindestens 10 Zeichen" in response.get_data(as_text=True)
    assert _changes(engine) == []
    assert root.post(url, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302
    assert Person(app, "anna").login(PASSWORD).status_code == 401
    assert Person(app, "anna").login(NEW_PASSWORD).status_code == 302
    assert _changes(engine) == [("root", "user.reset_password", "user:anna", None)]
    assert root.post("/admin/users/nobody/password", {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}
                     ).status_code == 404


def test_a_deactivated_account_cannot_log_in_and_its_session_ends(app, people, root, engine):
    anna = people("anna")
    form = _profile(_account(engine, "anna"), active=None)  # the ticked box left out
    assert root.post("/admin/users/anna", form).status_code == 302
    response = anna.get("/staff/desks/zebera")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert Person(app, "anna").login().status_code == 401
    listing = root.get("/admin/users/").get_data(as_text=True)
    assert "anna" in listing and "deaktiviert" in listing  # kept, not deleted
    assert "Dieses Konto ist deaktiviert." in root.get("/admin/users/anna").get_data(as_text=True)
    assert root.post("/admin/users/anna", _profile(_account(engine, "anna"))).status_code == 302
    assert Person(app, "anna").login().status_code == 302
    assert [row[3] for row in _changes(engine)] == ["active", "active"]


def test_the_last_active_admin_can_be_neither_deactivated_nor_demoted(app, people, root, engine):
    me = _account(engine, "root")
    for changes in ({"active": None}, {"role": "supervisor"}, {"role": "operator", "active": None}):
        response = root.post("/admin/users/root", _profile(me, **changes))
        assert response.status_code == 400
        assert "root ist das letzte aktive Konto der Administration" in response.get_data(as_text=True)
    stored = _account(engine, "root")
    assert stored.role == "admin" and stored.active and _changes(engine) == []
    people("ada", role="admin", desks=())  # now there is another admin
    response = root.post("/admin/users/root", _profile(me, role="supervisor", desks=["zebera"]))
    assert response.status_code == 302 and response.location == "/"  # no longer an admin: away from the page
    assert root.get("/admin/users/").location.startswith("/login")  # the role change ended the session
    assert root.login().status_code == 302 and root.get("/admin/users/").status_code == 403
    assert _account(engine, "root").role == "supervisor"


def test_an_inactive_admin_does_not_count_as_the_remaining_one(people, root, engine, clock):
    people("ada", role="admin", desks=())
    with engine.begin() as conn:
        users.update(conn, "ada", clock(), active=False)
    response = root.post("/admin/users/root", _profile(_account(engine, "root"), active=None))
    assert response.status_code == 400 and "letzte aktive" in response.get_data(as_text=True)


def test_the_list_shows_no_phone_number_and_no_password_hash(people, root, engine):
    people("anna", phone=PHONE, languages=("de", "ar"), display_name="Anna Arslan")
    people("bert", desks=("helpers",))
    response = root.get("/admin/users/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Anna Arslan" in html and "de, ar" in html and "hinterlegt" in html
    assert "zebera (Jobcenter)" in html and "Beratung für Helfende und Arbeitgeber" in html
    assert PHONE not in html and "15112345678" not in html
    with engine.connect() as conn:
        hashes = conn.execute(sa.select(users_table.c.password_hash)).scalars().all()
    assert all(h not in html and h.split("$")[-1] not in html for h in hashes)
    assert "scrypt:" not in html and "pbkdf2:" not in html
    assert '<th scope="col">' in html


def test_the_audit_log_names_every_change_and_never_a_password(app, root, engine):
    root.post("/admin/users/new", _form())
    root.post("/admin/users/dana", _profile(_account(engine, "dana"), role="supervisor", desks=["zebera"]))
    root.post("/admin/users/dana/password", {"password": PASSWORD + "x", "password2": PASSWORD + "x"})
    root.post("/admin/users/dana", _profile(_account(engine, "dana"), active=None))
    assert [row[1] for row in _changes(engine)] == ["user.create", "user.update", "user.reset_password",
                                                   "user.update"]
    assert {row[0] for row in _changes(engine)} == {"root"} and {row[2] for row in _changes(engine)} == {"user:dana"}
    text = repr(_audit(engine))
    for secret in (NEW_PASSWORD, PASSWORD + "x", PHONE, "15112345678"):
        assert secret not in text


def test_a_password_reset_ends_every_session_of_the_account(app, people, root, make_task):
    make_task()
    anna = people("anna")
    copy = anna.replay()
    assert opens_desk(copy)
    assert root.post("/admin/users/anna/password", {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}
                     ).status_code == 302
    assert not opens_desk(copy) and not opens_desk(anna.client)
    fresh = Person(app, "anna")
    assert fresh.login(NEW_PASSWORD).status_code == 302 and opens_desk(fresh.client)


def test_deactivating_then_reactivating_does_not_revive_a_session(app, people, root, engine, make_task):
    make_task()
    anna = people("anna")
    copy = anna.replay()
    assert opens_desk(copy)
    assert root.post("/admin/users/anna", _profile(_account(engine, "anna"), active=None)).status_code == 302
    assert root.post("/admin/users/anna", _profile(_account(engine, "anna"))).status_code == 302
    assert _account(engine, "anna").active
    assert not opens_desk(copy) and not opens_desk(anna.client)


def test_a_role_change_ends_the_sessions_but_a_name_change_does_not(app, people, root, engine, make_task):
    make_task()
    anna = people("anna")
    copy = anna.replay()
    assert root.post("/admin/users/anna", _profile(_account(engine, "anna"), display_name="Anna A.")
                     ).status_code == 302
    assert opens_desk(copy)
    assert root.post("/admin/users/anna", _profile(_account(engine, "anna"), role="supervisor")).status_code == 302
    assert not opens_desk(copy)
