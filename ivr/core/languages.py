"""Languages of the staff interface (the callers' languages are the flows' and config.yaml's)."""

from __future__ import annotations

UI_LANGS = ("de", "en")
"""Interface languages; the first is the default."""

LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "de": {"de": "Deutsch", "en": "German"},
    "ar": {"de": "Arabisch", "en": "Arabic"},
    "uk": {"de": "Ukrainisch", "en": "Ukrainian"},
    "tr": {"de": "Türkisch", "en": "Turkish"},
    "fa": {"de": "Persisch", "en": "Persian"},
    "kmr": {"de": "Kurdisch (Kurmandschi)", "en": "Kurdish (Kurmanji)"},
    "en": {"de": "Englisch", "en": "English"},
    "ru": {"de": "Russisch", "en": "Russian"},
    "fr": {"de": "Französisch", "en": "French"},
    "ro": {"de": "Rumänisch", "en": "Romanian"},
    "bg": {"de": "Bulgarisch", "en": "Bulgarian"},
    "pl": {"de": "Polnisch", "en": "Polish"},
    "ti": {"de": "Tigrinya", "en": "Tigrinya"},
    "so": {"de": "Somali", "en": "Somali"},
    "ps": {"de": "Paschtu", "en": "Pashto"},
    "sq": {"de": "Albanisch", "en": "Albanian"},
}
"""Callers' languages as staff say them, in each interface language (the whisper, staff pages)."""


def language_name(code: str, ui_lang: str) -> str:
    """A caller's language named in a staff member's interface language (the code itself when unknown)."""
    names = LANGUAGE_NAMES.get(code)
    if names is None:
        return code
    return names.get(ui_lang) or names[UI_LANGS[0]]
