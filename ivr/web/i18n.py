"""The interface in German and English: Flask-Babel over gettext catalogs in ivr/translations; `t(key)` in templates.

Message ids are stable keys ("my_desks"), not German sentences: a change of wording (say, the one word for a desk)
touches one line of one catalog instead of every catalog and every call site, and a key the catalogs lack is caught
by tests/unit/web/test_i18n.py rather than shown half-translated. The compiled .mo files are committed next to their
.po sources (a test checks they match), so a fresh clone and an installed wheel need no build step.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import Translations
from flask import Flask
from flask import g
from flask import has_app_context
from flask import has_request_context
from flask import request
from flask import session
from flask_babel import Babel
from flask_babel import get_translations

from ivr.core.languages import UI_LANGS

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
"""ivr/translations/<lang>/LC_MESSAGES/messages.po (source) and .mo (compiled, committed)."""


def ui_lang() -> str:
    """Return the interface language: ?lang= (remembered in the session), the session's, else German."""
    if not has_request_context():
        return UI_LANGS[0]
    if "ui_lang" in g:
        return g.ui_lang
    asked = request.args.get("lang")
    if asked in UI_LANGS:
        session["lang"] = asked
    lang = session.get("lang")
    g.ui_lang = lang if lang in UI_LANGS else UI_LANGS[0]
    return g.ui_lang


def translate(key: str, **params: object) -> str:
    """Return the text for a key in the interface language (the key itself when unknown), `{name}`s filled in."""
    if not has_app_context():
        return key
    texts = g.get("ivr_texts")
    if texts is None:  # Flask-Babel's own gettext looks its context up three times per call: 28 instead of 6 µs
        texts = g.ivr_texts = get_translations()
    text = texts.ugettext(key)
    return text.format(**params) if params else text


@cache
def catalog(lang: str) -> dict[str, str]:
    """Every key and its text in one language, read from the compiled catalog (also outside a request)."""
    loaded = Translations.load(str(TRANSLATIONS), [lang])
    return {key: text for key, text in loaded._catalog.items() if isinstance(key, str) and key}


def known(key: str) -> bool:
    """Whether the catalogs have a text for `key`."""
    return key in catalog(UI_LANGS[0])


def init_app(app: Flask) -> None:
    """Select the catalog per request through Flask-Babel; make `t()` and `ui_lang()` available in templates."""
    Babel(app, locale_selector=ui_lang, default_locale=UI_LANGS[0],
          default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.globals.update(t=translate, ui_lang=ui_lang)
