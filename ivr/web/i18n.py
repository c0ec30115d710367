"""The workbench's two interface languages: German first, English second; `t(key)` in templates."""

from __future__ import annotations

from flask import Flask
from flask import g
from flask import has_request_context
from flask import request
from flask import session

from ivr.core.languages import UI_LANGS

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
    "login_busy": (
        "Die Anmeldung ist gerade ausgelastet. Bitte in einem Moment erneut versuchen.",
        "Logging in is busy right now. Please try again in a moment.",
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
    "o_withdrawn": ("zurückgezogen", "withdrawn"),
    "o_duplicate": ("doppelt", "duplicate"),
    "o_other": ("sonstiges", "other"),
    "o_erased": ("gelöscht auf Antrag", "erased on request"),
    "h_claim": ("übernommen", "claimed"),
    "h_release": ("freigegeben", "released"),
    "h_claim_expired": ("Übernahme abgelaufen, wieder frei", "claim lapsed, free again"),
    "h_attempt": ("Versuch", "attempt"),
    "h_forward": ("weitergeleitet an", "forwarded to"),
    "h_close": ("geschlossen", "closed"),
    "h_call": ("Anruf gestartet", "call started"),
    "h_created": ("eingegangen", "received"),
    "actor_cli": ("Kommandozeile", "Command line"),
    "actor_api": ("Schnittstelle", "API"),
    # the admins' page for staff accounts (ivr/web/admin/users.py)
    "ua_nav": ("Konten", "Accounts"),
    "ua_title": ("Konten der Mitarbeitenden", "Staff accounts"),
    "ua_intro": (
        "Konten werden nicht gelöscht, sondern deaktiviert: deaktivierte Konten können sich nicht mehr anmelden, "
        "ihr Name bleibt im Verlauf der Aufgaben.",
        "Accounts are deactivated, not deleted: a deactivated account can no longer log in, its name stays in the "
        "history of tasks.",
    ),
    "ua_caption": ("Alle Konten, aktive und deaktivierte", "All accounts, active and deactivated"),
    "ua_new": ("Neues Konto", "New account"),
    "ua_edit": ("Konto", "Account"),
    "ua_back": ("Zurück zur Kontenliste", "Back to the accounts"),
    "ua_profile": ("Angaben und Rechte", "Details and rights"),
    "ua_username": ("Benutzername", "User name"),
    "ua_username_hint": (
        "Höchstens 64 Zeichen: Buchstaben, Ziffern, Punkt, @, _ und -. Kann später nicht geändert werden.",
        "At most 64 characters: letters, digits, dot, @, _ and -. Cannot be changed later.",
    ),
    "ua_display_name": ("Anzeigename", "Display name"),
    "ua_role": ("Rolle", "Role"),
    "ua_role_hint": (
        "Sachbearbeitung: eigene Theken bearbeiten · Teamleitung: ihre Theken lesen und weiterleiten · Betrieb: "
        "Menüs und Schließungen · Administration: alles, auch Konten.",
        "Staff: work their own desks · Supervisor: read and forward their desks · Operator: menus and closures · "
        "Admin: everything, accounts too.",
    ),
    "ua_role_staff": ("Sachbearbeitung", "Staff"),
    "ua_role_supervisor": ("Teamleitung", "Supervisor"),
    "ua_role_operator": ("Betrieb", "Operator"),
    "ua_role_admin": ("Administration", "Admin"),
    "ua_desks": ("Theken", "Desks"),
    "ua_desks_hint": (
        "Nur Theken einer Behörde – außer für die Administration, die ohnehin alle Theken sieht.",
        "Desks of one public body only – except for admins, who see every desk anyway.",
    ),
    "ua_body_stadt": ("Stadt Wuppertal", "City of Wuppertal"),
    "ua_body_jobcenter": ("Jobcenter", "Jobcenter"),
    "ua_body_ba": ("Agentur für Arbeit", "Employment agency"),
    "ua_languages": ("Sprachen", "Languages"),
    "ua_languages_hint": (
        "Die Sprachen, die die Person spricht: Rückrufe in anderen Sprachen werden ihr markiert.",
        "The languages the person speaks: callbacks in other languages are flagged for them.",
    ),
    "ua_phone": ("Eigenes Telefon", "Own phone"),
    "ua_phone_hint": (
        "Für „Jetzt zurückrufen“: Twilio ruft zuerst diese Nummer an. Im Format +49…; leer lassen, wenn keine.",
        "For “Call back now”: Twilio first calls this number. In the form +49…; leave empty if none.",
    ),
    "ua_phone_col": ("Eigenes Telefon", "Own phone"),
    "ua_phone_set": ("hinterlegt", "set"),
    "ua_phone_none": ("nicht hinterlegt", "not set"),
    "ua_ui_lang": ("Sprache der Oberfläche", "Interface language"),
    "ua_ui_lang_de": ("Deutsch", "German"),
    "ua_ui_lang_en": ("Englisch", "English"),
    "ua_status": ("Status", "Status"),
    "ua_active": ("Aktiv (darf sich anmelden)", "Active (may log in)"),
    "ua_active_hint": (
        "Ohne Haken ist das Konto deaktiviert: Anmelden ist nicht mehr möglich, offene Sitzungen enden sofort.",
        "Unticked, the account is deactivated: it can no longer log in, open sessions end at once.",
    ),
    "ua_active_yes": ("aktiv", "active"),
    "ua_active_no": ("deaktiviert", "deactivated"),
    "ua_is_inactive": ("Dieses Konto ist deaktiviert.", "This account is deactivated."),
    "ua_password": ("Erstes Passwort", "Initial password"),
    "ua_new_password": ("Neues Passwort", "New password"),
    "ua_password_again": ("Passwort wiederholen", "Repeat the password"),
    "ua_password_hint": ("Mindestens {n} Zeichen.", "At least {n} characters."),
    "ua_reset_password": ("Passwort zurücksetzen", "Reset password"),
    "ua_create": ("Konto anlegen", "Create account"),
    "ua_created": ("Konto {username} angelegt.", "Account {username} created."),
    "ua_updated": ("Konto {username} gespeichert.", "Account {username} saved."),
    "ua_unchanged": ("Keine Änderung an {username}.", "No change to {username}."),
    "ua_password_set": ("Neues Passwort für {username} gesetzt.", "New password set for {username}."),
    "ua_err_username": (
        "Der Benutzername braucht 1 bis 64 Zeichen: Buchstaben, Ziffern, Punkt, @, _ und -.",
        "The user name needs 1 to 64 characters: letters, digits, dot, @, _ and -.",
    ),
    "ua_err_reserved": ("Der Benutzername „{username}“ ist nicht möglich.",
                        "The user name “{username}” is not possible."),
    "ua_err_exists": ("Den Benutzernamen „{username}“ gibt es schon.", "The user name “{username}” is taken."),
    "ua_err_display_name": ("Der Anzeigename darf höchstens 128 Zeichen haben.", "The display name may have at most "
                            "128 characters."),
    "ua_err_role": ("Unbekannte Rolle.", "Unknown role."),
    "ua_err_unknown_desk": ("Unbekannte Theke: {desk}.", "Unknown desk: {desk}."),
    "ua_err_one_body": (
        "Bitte Theken nur einer Behörde wählen, nicht von {bodies}. Nur die Administration darf Theken mehrerer "
        "Behörden haben.",
        "Please choose desks of one public body only, not of {bodies}. Only admins may hold desks of several bodies.",
    ),
    "ua_err_language": ("Unbekannte Sprache: {language}.", "Unknown language: {language}."),
    "ua_err_no_language": ("Bitte mindestens eine Sprache wählen.", "Please choose at least one language."),
    "ua_err_phone": (
        "Die Telefonnummer ist keine gültige Nummer im Format +49… (E.164).",
        "The phone number is not a valid number in the form +49… (E.164).",
    ),
    "ua_err_ui_lang": ("Unbekannte Sprache der Oberfläche.", "Unknown interface language."),
    "ua_err_password_short": ("Das Passwort braucht mindestens {n} Zeichen.", "The password needs at least {n} "
                              "characters."),
    "ua_err_password_mismatch": ("Die beiden Passwörter stimmen nicht überein.", "The two passwords do not match."),
    "ua_err_last_admin": (
        "{username} ist das letzte aktive Konto der Administration und kann nicht deaktiviert oder herabgestuft "
        "werden. Bitte zuerst ein anderes Konto zur Administration machen.",
        "{username} is the last active admin account and cannot be deactivated or demoted. Please make another "
        "account admin first.",
    ),
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
