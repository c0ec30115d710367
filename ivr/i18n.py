"""The workbench's two interface languages: German first, English second; `t(key)` in templates."""

from __future__ import annotations

from flask import Flask
from flask import g
from flask import has_request_context
from flask import request
from flask import session

UI_LANGS = ("de", "en")
"""Interface languages; the first is the default."""

TEXT: dict[str, tuple[str, str]] = {  # key: (German, English)
    "app_name": ("Rückruf-Arbeitsplatz", "Callback workbench"),
    "skip": ("Zum Inhalt springen", "Skip to content"),
    "login": ("Anmelden", "Log in"),
    "logout": ("Abmelden", "Log out"),
    "username": ("Benutzername", "Username"),
    "password": ("Passwort", "Password"),
    "login_failed": ("Benutzername oder Passwort ist falsch.", "Wrong username or password."),
    "login_locked": (
        "Zu viele Fehlversuche. Bitte später erneut versuchen.",
        "Too many failed attempts. Please try again later.",
    ),
    "my_desks": ("Meine Theken", "My desks"),
    "overview": ("Übersicht", "Overview"),
    "search": ("Suche", "Search"),
    "dashboard": ("Kennzahlen", "Dashboard"),
    "simulator": ("Telefon-Simulator", "Phone simulator"),
    "sim_title": ("Menü und Telefon-Simulator", "Menu and phone simulator"),
    "sim_menu": ("Das Menü der Hotline", "The hotline's menu"),
    "sim_phone": ("Anrufen, ohne Telefon", "Call without a phone"),
    "sim_intro": ("Der Simulator ruft die echte Hotline-Logik auf, mit einer Wegwerf-Datenbank: es entstehen keine "
                  "echten Rückrufaufträge.",
                  "The simulator runs the real hotline logic on a throwaway database: no real callback tasks are "
                  "created."),
    "sim_lang_menu": ("(im Menü wählen)", "(choose in the menu)"),
    "sim_at": ("Zeitpunkt", "Date and time"),
    "sim_caller": ("Anrufer", "Caller"),
    "sim_closed": ("Geschlossen", "Closed"),
    "sim_speak": ("vorlesen", "read aloud"),
    "sim_call": ("Anrufen", "Call"),
    "sim_keypad": ("Tastenfeld", "Keypad"),
    "sim_number": ("Nummer eingeben", "Enter a number"),
    "sim_send": ("Senden (#)", "Send (#)"),
    "sim_wait": ("Nichts drücken", "Press nothing"),
    "sim_answer": ("Stelle nimmt ab", "Desk answers"),
    "sim_busy": ("Niemand nimmt ab", "Nobody answers"),
    "sim_hangup": ("Auflegen", "Hang up"),
    "sim_dialed": ("Weiterleitung an", "Transfer to"),
    "sim_ending": ("Ende des Anrufs:", "End of the call:"),
    "sim_end_transferred": ("weitergeleitet an {number} (Theke {desk})", "transferred to {number} (desk {desk})"),
    "sim_end_callback": ("Rückrufauftrag für Theke {desk} (Rückruf an {number})",
                         "callback task for desk {desk} (call back {number})"),
    "sim_end_hung_up": ("Anrufer hat aufgelegt", "caller hung up"),
    "sim_end_hung_up_at": ("Anrufer hat aufgelegt (zuletzt an Theke {desk})", "caller hung up (last at desk {desk})"),
    "jobs": ("Hintergrundaufträge", "Background jobs"),
    "desk": ("Theke", "Desk"),
    "open_tasks": ("Offene Rückrufe", "Open callbacks"),
    "no_tasks": ("Keine offenen Rückrufe.", "No open callbacks."),
    "language": ("Sprache", "Language"),
    "received": ("Eingang", "Received"),
    "due": ("Fällig", "Due"),
    "attempts": ("Versuche", "Attempts"),
    "message": ("Nachricht", "Message"),
    "status": ("Status", "Status"),
    "phone": ("Telefon", "Phone"),
    "status_open": ("offen", "open"),
    "overdue": ("überfällig", "overdue"),
    "service_hours_left": ("Servicestunden übrig", "service hours left"),
    "not_spoken": ("Sie sprechen diese Sprache nicht.", "You do not speak this language."),
    "not_spoken_short": ("nicht Ihre Sprache", "not your language"),
    "claimed_by": ("In Bearbeitung von", "Being worked by"),
    "claimed_by_you": ("Von Ihnen übernommen", "Claimed by you"),
    "free": ("frei", "free"),
    "claim": ("Übernehmen", "Claim"),
    "release": ("Freigeben", "Release"),
    "task": ("Rückruf", "Callback"),
    "history": ("Verlauf", "History"),
    "log_attempt": ("Versuch eintragen", "Log attempt"),
    "outcome": ("Ergebnis", "Outcome"),
    "note": ("Notiz", "Note"),
    "then": ("Danach", "Then"),
    "schedule_next": ("Nächsten Versuch planen", "Schedule next attempt"),
    "close_task": ("Aufgabe schließen", "Close task"),
    "next_attempt": ("Nächster Versuch", "Next attempt"),
    "save": ("Speichern", "Save"),
    "forward": ("Weiterleiten", "Forward"),
    "forward_to": ("An Theke", "To desk"),
    "forward_note": ("Notiz zur Weiterleitung", "Note for the other desk"),
    "call_now": ("Jetzt zurückrufen", "Call back now"),
    "call_disabled": (
        "Anruf aus dem Browser ist nicht eingerichtet (kein Twilio-Konto konfiguriert). "
        "Bitte die Nummer mit dem Diensttelefon wählen.",
        "Calling from the browser is not set up (no Twilio account configured). "
        "Please dial the number with your desk phone.",
    ),
    "call_no_phone": (
        "Für Ihr Konto ist keine eigene Telefonnummer hinterlegt.",
        "No phone number is set for your account.",
    ),
    "call_started": (
        "Ihr Telefon klingelt gleich. Nach dem Abheben wird die anrufende Person verbunden.",
        "Your phone will ring. When you answer, the caller is connected.",
    ),
    "call_failed": ("Der Anruf konnte nicht gestartet werden.", "The call could not be started."),
    "call_explain": (
        "Twilio ruft zuerst Ihr Telefon an und verbindet dann die anrufende Person. Angezeigt wird "
        "die Hotline-Nummer.",
        "Twilio first calls your phone, then connects the caller. The caller sees the hotline number.",
    ),
    "export_csv": ("Als CSV exportieren", "Export as CSV"),
    "search_phone": ("Nach Telefonnummer suchen", "Search by phone number"),
    "search_hint": ("z. B. 0176 1234567 oder +49 176 1234567", "e.g. 0176 1234567 or +49 176 1234567"),
    "results": ("Treffer", "Results"),
    "no_results": ("Keine Treffer in Ihren Theken.", "No results in your desks."),
    "bad_number": ("Das ist keine gültige Telefonnummer.", "That is not a valid phone number."),
    "overdue_count": ("Überfällig", "Overdue"),
    "oldest_waiting": ("Wartet am längsten seit", "Oldest waiting since"),
    "calls_today": ("Anrufe heute", "Calls today"),
    "closed": ("geschlossen", "closed"),
    "recording": ("Sprachnachricht", "Voice message"),
    "no_recording": ("Keine Sprachnachricht", "No voice message"),
    "back": ("Zurück zur Liste", "Back to the list"),
    "when": ("Wann", "When"),
    "who": ("Wer", "Who"),
    "what": ("Was", "What"),
    "claimed_elsewhere": ("Diese Aufgabe bearbeitet bereits", "This task is already being worked by"),
    "saved": ("Gespeichert.", "Saved."),
    "closed_unreachable": (
        "Letzter Versuch erfolglos: Aufgabe als nicht erreichbar geschlossen.",
        "Last attempt failed: task closed as unreachable.",
    ),
    "forwarded": ("Weitergeleitet.", "Forwarded."),
    "forward_conflict": (
        "Die Zieltheke hat für diesen Anruf schon eine Aufgabe.",
        "The target desk already has a task for this call.",
    ),
    "task_closed": ("Diese Aufgabe ist geschlossen.", "This task is closed."),
    "must_claim": ("Bitte die Aufgabe zuerst übernehmen.", "Please claim the task first."),
    "invalid_input": ("Eingabe unvollständig.", "Incomplete input."),
    "your_languages": ("Ihre Sprachen", "Your languages"),
    "switch_lang": ("English", "Deutsch"),
    "no_desks": (
        "Sie sind keiner Theke zugeordnet. Bitte wenden Sie sich an die Administration.",
        "You are not assigned to a desk. Please contact the administrators.",
    ),
    "aggregates_only": ("Nur Summen, keine personenbezogenen Daten.", "Aggregates only, no personal data."),
    "next_attempt_at": ("nächster Versuch", "next attempt"),
    # attempt outcomes and history kinds
    "o_reached_resolved": ("Erreicht – erledigt", "Reached – resolved"),
    "o_reached_forwarded": ("Erreicht – an andere Theke verwiesen", "Reached – forwarded to another desk"),
    "o_no_answer": ("Nicht erreicht", "No answer"),
    "o_busy": ("Besetzt", "Busy"),
    "o_wrong_number": ("Falsche Nummer", "Wrong number"),
    "o_voicemail_left": ("Auf Mailbox gesprochen", "Voicemail left"),
    "o_resolved": ("erledigt", "resolved"),
    "o_forwarded": ("verwiesen", "forwarded"),
    "o_unreachable": ("nicht erreichbar", "unreachable"),
    "o_closed": ("geschlossen", "closed"),
    "h_claim": ("übernommen", "claimed"),
    "h_release": ("freigegeben", "released"),
    "h_claim_expired": ("Übernahme abgelaufen, wieder frei", "claim lapsed, free again"),
    "h_attempt": ("Versuch", "attempt"),
    "h_forward": ("weitergeleitet an", "forwarded to"),
    "h_close": ("geschlossen", "closed"),
    "h_call": ("Anruf gestartet", "call started"),
    "h_created": ("eingegangen", "received"),
}


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


def translate(key: str) -> str:
    """Return the text for a key in the interface language (the key itself when unknown)."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[UI_LANGS.index(ui_lang())]


def init_app(app: Flask) -> None:
    """Make `t()` and `ui_lang()` available in templates."""
    app.jinja_env.globals.update(t=translate, ui_lang=ui_lang)
