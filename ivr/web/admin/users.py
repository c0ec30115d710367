"""Staff accounts in the browser (admins): list, create, edit, reset a password, deactivate; the CLI's rules."""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from pydantic import Field
from sqlalchemy.engine import Connection

from ivr.core.languages import UI_LANGS
from ivr.core.roles import ADMIN_ROLES
from ivr.core.roles import DEFAULT_ROLE
from ivr.core.roles import ROLES
from ivr.hotline import accounts
from ivr.hotline import audit
from ivr.hotline import users
from ivr.hotline.users import User
from ivr.hotline.users import UserError
from ivr.web import inputs
from ivr.web.auth import current_user
from ivr.web.auth import login_required
from ivr.web.i18n import known
from ivr.web.i18n import translate
from ivr.web.services import services

bp = Blueprint("useradmin", __name__)
FIELDS = {
    "username": "username",
    "reserved": "username",
    "exists": "username",
    "display_name": "display_name",
    "role": "role",
    "unknown_desk": "desks",
    "one_body": "desks",
    "language": "languages",
    "no_language": "languages",
    "phone": "phone",
    "ui_lang": "ui_lang",
    "password_short": "password",
    "password_mismatch": "password",
}
"""The form field a broken rule points at (marked aria-invalid next to the message)."""
Short = Annotated[inputs.Text, Field(max_length=64)]


class ProfileForm(inputs.Form):
    """The profile fields of the account form; the rules (lengths, known desks...) are accounts' with their messages.

    Checked here only what must not reach them: a NUL (PostgreSQL refuses it: a 500), a repeated field, a flood.
    """

    display_name: inputs.Text = Field("", max_length=1000)
    role: Short = ""
    desks: list[Short] = Field(default_factory=list, max_length=64)
    languages: list[Short] = Field(default_factory=list, max_length=64)
    phone: Short = ""
    ui_lang: Short = UI_LANGS[0]
    active: Short = ""
    username: Short = ""  # only on the create form


def _message(exc: UserError) -> str:
    """The broken rule in the interface language (the English CLI text for a rule without a page text)."""
    key = f"ua_err_{exc.key}"
    if not known(key):
        return str(exc)
    params = dict(exc.params)
    if "bodies" in params:
        params["bodies"] = ", ".join(translate(f"ua_body_{b}") for b in params["bodies"])  # type: ignore[union-attr]
    return translate(key).format(**params)


def _submitted() -> dict:
    """The profile fields of the posted form, as `accounts.update` takes them (never a password)."""
    form = inputs.form(ProfileForm)
    return {
        "display_name": form.display_name.strip(),
        "role": form.role,
        "desks": form.desks,
        "languages": form.languages,
        "phone": form.phone.strip(),
        "ui_lang": form.ui_lang,
        "active": form.active == "1",
    }


def _values(user: User) -> dict:
    """The form fields of a stored account."""
    return {
        "display_name": user.display_name,
        "role": user.role,
        "desks": list(user.desks),
        "languages": list(user.languages),
        "phone": user.phone or "",
        "ui_lang": user.ui_lang,
        "active": user.active,
    }


def _page(values: dict, account: User | None = None, error: UserError | None = None, username: str = ""):
    """Render the create form (no account) or an account's edit page, with the broken rule if any."""
    settings = services().settings
    return render_template(
        "useradmin/form.html",
        account=account,
        username=username,
        values=values,
        error=_message(error) if error else None,
        error_field=FIELDS.get(error.key) if error else None,
        password_error=bool(error) and FIELDS.get(error.key) == "password",
        roles=ROLES,
        desks=settings.desks,
        languages=settings.config.languages,
        ui_langs=UI_LANGS,
        min_password=users.MIN_PASSWORD,
    )


def _account_or_404(conn: Connection, username: str) -> User:
    """The account (active or not) of the URL; 404 when there is none."""
    if not inputs.storable(username):  # no account has such a name, and PostgreSQL would refuse the query
        abort(404)
    try:
        return accounts.account(conn, username)
    except UserError:
        abort(404)


@bp.get("/")
@login_required(roles=ADMIN_ROLES)
def index():
    """Every account, active or not: names, role, desks, languages and whether a phone is set."""
    svc = services()
    with svc.engine.connect() as conn:
        people = users.listing(conn, inactive=True)
    return render_template("useradmin/index.html", people=people, desks=svc.settings.desks)


@bp.route("/new", methods=["GET", "POST"])
@login_required(roles=ADMIN_ROLES)
def create():
    """Create an account with an initial password typed twice."""
    if request.method == "GET":
        first = list(services().settings.config.languages)[:1]  # the hotline's first language, German
        return _page({"role": DEFAULT_ROLE, "desks": [], "languages": first, "ui_lang": UI_LANGS[0]})
    values = _submitted()
    username, role = inputs.form(ProfileForm).username.strip(), values["role"]
    profile = {k: values[k] for k in ("display_name", "desks", "languages", "phone", "ui_lang")}
    svc = services()
    now = svc.clock()
    try:
        password = accounts.check_passwords(request.form.get("password", ""), request.form.get("password2", ""))
        with svc.engine.begin() as conn:
            accounts.create(conn, svc.settings, username, password, role, now, **profile)
            audit.write(conn, current_user().username, "user.create", f"user:{username}", now,
                        f"role={role} desks={','.join(values['desks'])}")
    except UserError as exc:  # rendered after the transaction ends (rolled back): SQLite has one writer
        return _page(values, error=exc, username=username), 400
    flash(translate("ua_created").format(username=username), "ok")
    return redirect(url_for("useradmin.index"))


@bp.route("/<username>", methods=["GET", "POST"])
@login_required(roles=ADMIN_ROLES)
def edit(username: str):
    """Show one account; on POST change its profile, desks and active flag."""
    svc = services()
    if request.method == "GET":
        with svc.engine.connect() as conn:
            user = _account_or_404(conn, username)
        return _page(_values(user), account=user)
    values = _submitted()
    me = current_user()
    now = svc.clock()
    try:
        with svc.engine.begin() as conn:
            user = _account_or_404(conn, username)
            changed = accounts.update(conn, svc.settings, username, now, **values)
            if changed:
                audit.write(conn, me.username, "user.update", f"user:{username}", now, ",".join(changed))
    except UserError as exc:  # rendered after the transaction ends (rolled back): SQLite has one writer
        return _page(values, account=user, error=exc), 400
    flash((translate("ua_updated") if changed else translate("ua_unchanged")).format(username=username), "ok")
    if username == me.username and (values["role"] != "admin" or not values["active"]):
        return redirect(url_for("index"))  # no longer an admin: this page would answer 403
    return redirect(url_for("useradmin.edit", username=username))


@bp.post("/<username>/password")
@login_required(roles=ADMIN_ROLES)
def password(username: str):
    """Set a new password the admin typed twice."""
    svc = services()
    now = svc.clock()
    try:
        new = accounts.check_passwords(request.form.get("password", ""), request.form.get("password2", ""))
        with svc.engine.begin() as conn:
            _account_or_404(conn, username)
            users.set_password(conn, username, new, now)
            audit.write(conn, current_user().username, "user.reset_password", f"user:{username}", now)
    except UserError as exc:
        with svc.engine.connect() as conn:
            user = _account_or_404(conn, username)
        return _page(_values(user), account=user, error=exc), 400
    flash(translate("ua_password_set").format(username=username), "ok")
    return redirect(url_for("useradmin.edit", username=username))
