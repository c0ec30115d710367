"""The caller's window in the workbench: named on the list and the task page, sortable, and a warning for an
attempt started outside it."""

from __future__ import annotations

from datetime import date

from ivr.store.db import callbacks

# the test clock: Tuesday 24 November 2026, 10:00 — morning


def _set(engine, task_id, **values):
    with engine.begin() as conn:
        conn.execute(callbacks.update().where(callbacks.c.id == task_id).values(**values))


def _row(html: str, phone: str) -> str:
    start = html.index(phone)
    return html[start:html.index("</tr>", start)]


def test_the_list_names_each_window_and_flags_callers_it_does_not_suit_now(people, make_task, engine):
    morning = make_task(phone="+4917600000001", due_in_hours=3)
    afternoon = make_task(phone="+4917600000002", due_in_hours=1)
    old = make_task(phone="+4917600000003", due_in_hours=2)
    _set(engine, morning, window="morning", promised_by=date(2026, 11, 26))
    _set(engine, afternoon, window="afternoon")
    _set(engine, old, window=None)  # a task from before windows: any time
    html = people("anna").get("/staff/desks/zebera").get_data(as_text=True)
    assert "Zeitfenster" in html
    assert "vormittags" in _row(html, "0176 0000 0001") and "zugesagt bis 26.11." in _row(html, "0176 0000 0001")
    assert "jetzt außerhalb" not in _row(html, "0176 0000 0001")
    assert "nachmittags" in _row(html, "0176 0000 0002")
    assert "jetzt außerhalb" in _row(html, "0176 0000 0002")
    assert "nächster Versuch: heute 12:00" in _row(html, "0176 0000 0002")  # when the window opens
    assert "jederzeit" in _row(html, "0176 0000 0003") and "jetzt außerhalb" not in _row(html, "0176 0000 0003")


def test_the_list_sorts_by_window_then_due(people, make_task, engine):
    ids = {}
    for phone, window, due in (("+4917600000011", "any", 1), ("+4917600000012", "afternoon", 2),
                               ("+4917600000013", "morning", 5), ("+4917600000014", "morning", 4)):
        ids[phone] = make_task(phone=phone, due_in_hours=due)
        _set(engine, ids[phone], window=window)
    anna = people("anna")
    by_due = anna.get("/staff/desks/zebera").get_data(as_text=True)
    by_window = anna.get("/staff/desks/zebera?sort=window").get_data(as_text=True)

    def order(html):
        return sorted(ids, key=lambda phone: html.index(f"0176 0000 00{phone[-2:]}"))

    # by due, those that may be called now first: the afternoon caller (it is 10:00) goes below
    assert order(by_due) == ["+4917600000011", "+4917600000014", "+4917600000013", "+4917600000012"]
    assert order(by_window) == ["+4917600000014", "+4917600000013", "+4917600000012", "+4917600000011"]
    assert 'id="sort-window"' in by_due and 'id="sort-due"' not in by_due
    assert 'id="sort-due"' in by_window and 'aria-sort="ascending"' in by_window
    assert anna.get("/staff/desks/zebera?sort=<script>").status_code == 200  # anything else: by due time


def test_the_task_page_warns_before_an_attempt_outside_the_window(people, make_task, engine, clock):
    task = make_task()
    _set(engine, task, window="afternoon", promised_by=date(2026, 11, 26), reference="R-4821")
    anna = people("anna")
    html = anna.get(f"/staff/tasks/{task}").get_data(as_text=True)
    assert 'id="window-warning"' in html
    assert "Die anrufende Person möchte nachmittags angerufen werden" in html
    assert "Nächste passende Zeit: Di 24.11. 12:00." in html
    assert "26.11.2026" in html and "R-4821" in html
    clock.set("2026-11-24 13:00")
    html = anna.get(f"/staff/tasks/{task}").get_data(as_text=True)
    assert 'id="window-warning"' not in html and "nachmittags" in html


def test_a_desks_own_window_is_named_in_the_interface_language(people, make_task, engine, app, monkeypatch):
    from ivr.settings import DeskWindow

    svc = app.extensions["ivr"]
    desks = dict(svc.settings.config.desks)
    desks["zebera"] = desks["zebera"].model_copy(update={"windows": {"thu_evening": DeskWindow(
        digit=2, hours={"thu": ["16:00-18:00"]}, name={"de": "Donnerstagabend", "en": "Thursday evening"})}})
    config = svc.settings.config.model_copy(update={"desks": desks})
    monkeypatch.setitem(svc.__dict__, "settings", svc.settings.model_copy(update={"config": config}))
    task = make_task()
    _set(engine, task, window="thu_evening")
    html = people("anna").get(f"/staff/tasks/{task}").get_data(as_text=True)
    assert "Donnerstagabend" in html and "Nächste passende Zeit: Do 26.11. 16:00." in html


def test_the_export_carries_window_and_promised_day(people, make_task, engine):
    import csv
    import io

    task = make_task(phone="+4917600000021")
    _set(engine, task, window="afternoon", promised_by=date(2026, 11, 26))
    text = people("anna").get("/staff/desks/zebera/export.csv").get_data(as_text=True).lstrip("\ufeff")
    [row] = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert (row["Zeitfenster"], row["zugesagt bis"]) == ("nachmittags", "26.11.2026")
