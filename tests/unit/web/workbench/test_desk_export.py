"""The desk's CSV export opens in columns in Excel: `;`, CRLF, a UTF-8 BOM; headers and values in the interface
language."""

from __future__ import annotations

from datetime import date

from ivr.store.db import callbacks

HEADERS = {
    "de": "Nr;Stelle;Telefon;Sprache;Eingang;fällig;Zeitfenster;zugesagt bis;Versuche;nächster Versuch;"
          "Sprachnachricht;übernommen von",
    "en": "id;desk;phone;language;received;due;window;promised by;attempts;next attempt;voice message;claimed by",
}


def test_the_export_in_german_and_in_english(people, make_task, engine, clock):
    clock.set("2026-12-02 15:00")  # Wednesday
    task = make_task(phone="+4915112345678", language="tr", due_in_hours=1,
                     recording_url="https://api.twilio.com/rec/RE1")
    with engine.begin() as conn:
        conn.execute(callbacks.update().where(callbacks.c.id == task).values(window="afternoon",
                                                                             promised_by=date(2026, 12, 3)))
    anna = people("anna", display_name="Anna Arslan")
    anna.post(f"/staff/tasks/{task}/claim")
    for lang, row in (
        ("de", f"{task};zebera (Jobcenter);'+4915112345678;Türkisch;02.12.2026 15:00;02.12.2026 16:00;nachmittags;"
               "03.12.2026;0;;ja;Anna Arslan"),
        ("en", f"{task};zebera (Jobcenter, refugees);'+4915112345678;Turkish;2026-12-02 15:00;2026-12-02 16:00;"
               "in the afternoon;"
               "2026-12-03;0;;yes;Anna Arslan"),
    ):
        response = anna.get(f"/staff/desks/zebera/export.csv?lang={lang}")
        assert response.mimetype == "text/csv"
        body = response.get_data(as_text=True)
        assert body.startswith("\ufeff")
        assert body[1:].split("\r\n") == [HEADERS[lang], row, ""], lang
