"""The shipped Haus der Integration hotline: every leaf, languages, hours, closures, callbacks."""

from __future__ import annotations

import pytest

from ivr.hotline import presence
from ivr.hotline import users
from tests.support.phone import digits_in

LANGUAGE_KEY = {"de": "1", "ar": "2", "uk": "3", "tr": "4", "fa": "5", "kmr": "6", "en": "7", "ru": "8"}
LEAVES = [
    ("2", "helpers"),
    ("0", "info"),
    ("1 1", "auslaenderbehoerde"),
    ("1 2 1", "zebera"),
    ("1 2 2", "wirtschaftliche_hilfen"),
    ("1 2 3", "info"),
    ("1 3 1", "zebera"),
    ("1 3 2", "integration_point"),
    ("1 4", "integrationszentrum"),
    ("1 0", "info"),
    ("1 2 0", "info"),
    ("1 3 0", "info"),
]
"""Keys after the language menu, and the desk they reach (digits are printed on flyers)."""


@pytest.fixture
def staffed(engine, clock, settings):
    """Somebody who speaks every language is available at every queue desk (else those desks offer a callback)."""
    with engine.begin() as conn:
        user_id = users.create(conn, "anna", "a long test password", "staff", clock(), phone="+4915112345678",
                               languages=tuple(LANGUAGE_KEY))
        for desk, config in settings.desks.items():
            if config.connect == "queue":
                users.add_desk(conn, "anna", desk)
        presence.set_status(conn, user_id, presence.AVAILABLE, clock())


def _reaches(turn, settings, desk: str, lang: str = "de") -> bool:
    """The caller is connected to the desk: its number dialled, or (a queue desk) put in its queue."""
    if settings.desks[desk].connect == "queue":
        return turn.enqueue is not None and turn.enqueue.text == f"{desk}-{lang}"
    return turn.dialed == settings.desks[desk].number


def _walk(phone, lang: str, keys: str, **kw):
    caller = phone(**kw)
    caller.call()
    caller.press(LANGUAGE_KEY[lang])
    turn = caller.last
    for key in keys.split():
        turn = caller.press(key)
    return caller, turn


def _spoken_in(turn, lang: str) -> None:
    if lang == "fa":
        assert turn.says == [] and turn.plays, turn.verbs
        assert all("/static/audio/fa/" in url for url in turn.plays)
    else:
        voice = {"de": "Polly.Vicki-Neural", "ar": "Polly.Zeina", "en": "Polly.Amy-Neural"}[lang]
        assert {e.attrib.get("voice") for e in turn.root.iter("Say")} == {voice}


@pytest.mark.parametrize("lang", ["de", "ar", "fa"])
@pytest.mark.parametrize(("keys", "desk"), LEAVES)
def test_every_leaf_connects_when_open(phone, settings, staffed, lang, keys, desk):
    _, turn = _walk(phone, lang, keys)
    assert _reaches(turn, settings, desk, lang)
    if turn.enqueue is None:  # Enqueue alone says nothing: the wait answer speaks
        _spoken_in(turn, lang)


@pytest.mark.parametrize("lang", ["de", "ar", "fa"])
@pytest.mark.parametrize(("keys", "desk"), LEAVES)
def test_every_leaf_offers_a_callback_when_closed(phone, clock, lang, keys, desk):
    clock.set("2026-11-24 18:30")
    _, turn = _walk(phone, lang, keys)
    assert turn.dial is None
    gather = turn.gather
    assert gather is not None and "s=choice" in gather.attrib["action"]
    _spoken_in(turn, lang)
    if lang == "fa":  # the caller ID is read back digit by digit from recorded clips
        digits = [u.rsplit("digit_", 1)[1][0] for u in turn.plays if "/digit_" in u]
        assert "".join(digits) == "017612345678"
        assert any(u.endswith("/fa/weekday_2.wav") for u in turn.plays)  # open again Wednesday
        assert any(u.endswith("/fa/number_8.wav") for u in turn.plays)  # at 8


def test_audio_files_are_served(client, phone, clock):
    clock.set("2026-11-24 18:30")
    _, turn = _walk(phone, "fa", "1 1")
    for url in set(turn.plays):
        response = client.get(url.replace("http://localhost", ""))
        assert response.status_code == 200, url
        assert response.data[:4] == b"RIFF"


def test_no_input_in_language_menu_means_german(phone):
    caller = phone()
    caller.call()
    turn = caller.silence()
    assert "Datenschutz" in turn.text
    assert "l=de" in turn.gather.attrib["action"]


def test_star_repeats_and_nine_goes_back(phone):
    caller, turn = _walk(phone, "en", "1")
    first = turn.gather.find("Say").text
    turn = caller.press("*")
    assert turn.gather.find("Say").text == first
    turn = caller.press("9")
    assert "n=who" in turn.gather.attrib["action"]


def test_wrong_keys_get_help_then_a_person_never_a_hangup(phone, settings, staffed):
    caller, turn = _walk(phone, "en", "1")
    turn = caller.press("7")
    assert "not" in turn.text.lower() and turn.gather is not None
    turn = caller.silence()
    assert turn.gather is not None and not turn.hung_up
    turn = caller.press("8")
    assert _reaches(turn, settings, "info", "en")


def test_holiday_says_so_and_when_open_again(phone, clock):
    clock.set("2026-12-25 10:00")
    _, turn = _walk(phone, "de", "1 1")
    assert "Feiertag" in turn.text
    assert "Montag um 8:00" in turn.text  # 28 December


def test_operator_closure_with_own_message_and_builtin_wording(phone, api, clock):
    response = api.post("/api/desks/auslaenderbehoerde/closure", json={
        "until": "2026-11-24T14:00:00+01:00", "reason": "Betriebsversammlung",
        "message": {"de": "Die Ausländerbehörde ist wegen einer Versammlung bis 14 Uhr geschlossen."}})
    assert response.status_code == 201
    _, turn = _walk(phone, "de", "1 1")
    assert "Versammlung" in turn.text and "Dienstag um 14:00" in turn.text
    _, turn = _walk(phone, "en", "1 1")
    assert "closed today" in turn.text  # no English message given: the built-in wording fills the gap
    _, turn = _walk(phone, "fa", "1 1")
    assert any(u.endswith("/fa/closed_today.wav") for u in turn.plays)
    desks = {d["id"]: d for d in api.get("/api/desks").get_json()["desks"]}
    assert desks["auslaenderbehoerde"]["open_now"] is False
    assert desks["auslaenderbehoerde"]["closure"]["reason"] == "Betriebsversammlung"
    assert desks["zebera"]["open_now"] is True and desks["zebera"]["closure"] is None
    assert api.delete("/api/desks/auslaenderbehoerde/closure").status_code == 200
    _, turn = _walk(phone, "de", "1 1")
    assert turn.dialed is not None


def test_closed_desk_reports_next_open(api, clock):
    clock.set("2026-11-27 17:00")  # Friday evening
    desks = {d["id"]: d for d in api.get("/api/desks").get_json()["desks"]}
    assert desks["info"]["open_now"] is False
    assert desks["info"]["next_open"] == "2026-11-30T08:00:00+01:00"


def test_emergency_announcement_in_every_language(phone, api):
    response = api.post("/api/announcement", json={"until": "2026-11-24T18:00:00+01:00",
                                                   "message": {"de": "Heute ist das Haus wegen Stromausfall zu."}})
    assert response.status_code == 201
    caller = phone()
    caller.call()
    turn = caller.press("1")
    assert "Stromausfall" in turn.text
    caller = phone()
    caller.call()
    turn = caller.press("5")
    assert any(u.endswith("/fa/emergency.wav") for u in turn.plays)


def test_overflow_number_when_every_desk_is_closed_unexpectedly(phone, api):
    api.post("/api/desks/*/closure", json={"until": "2026-11-24T18:00:00+01:00", "reason": "Evakuierung"})
    assert api.post("/api/overflow", json={"number": "0202 5630", "until": "2026-11-24T18:00:00+01:00"}
                    ).status_code == 201
    _, turn = _walk(phone, "de", "1 1")
    assert turn.dialed == "+492025630"


class TestCallbackCapture:
    @pytest.fixture(autouse=True)
    def _closed(self, clock):
        clock.set("2026-11-24 19:00")

    def test_consent_and_voice_message(self, phone, work, api):
        caller, turn = _walk(phone, "de", "1 4")
        turn = caller.press("1")
        assert "Am Vormittag? Dann drücken Sie die 1." in turn.text
        turn = caller.press("3")  # any time
        assert "SMS" in turn.text
        turn = caller.press("2")  # no SMS
        assert "einverstanden" in turn.text.lower() or "nachricht" in turn.text.lower()
        turn = caller.press("1")
        assert turn.record is not None
        turn = caller.leave_message(sid="RE" + "b" * 32, duration=14)
        assert turn.hung_up
        assert "Wir rufen Sie bis Freitag, 27. November, zurück." in turn.text  # Wed 8-16, Thu 8-18, Fri 8-14
        work()
        task = api.get("/api/callbacks?desk=integrationszentrum").get_json()["callbacks"][0]
        assert task["recording_url"].endswith("RE" + "b" * 32)

    def test_no_consent_no_recording(self, phone, work, api):
        caller, _ = _walk(phone, "de", "1 4")
        caller.press("1")
        caller.press("2")  # afternoons
        caller.press("2")  # no SMS
        turn = caller.press("2")
        assert turn.record is None and turn.hung_up
        assert "Wir rufen Sie bis Freitag, 27. November, zurück." in turn.text  # Friday's afternoon holds 14:00
        work()
        task = api.get("/api/callbacks?desk=integrationszentrum").get_json()["callbacks"][0]
        assert task["recording_url"] is None
        assert (task["window"], task["promised_by"]) == ("afternoon", "2026-11-27")  # the day spoken

    def test_task_exists_once_the_number_is_settled(self, phone, work, api):
        caller, _ = _walk(phone, "de", "1 1")
        caller.press("1")
        caller.hang_up()  # hangs up at the window question: the task stays
        work()
        tasks = api.get("/api/callbacks?desk=auslaenderbehoerde").get_json()["callbacks"]
        assert [t["call_sid"] for t in tasks] == [caller.call_sid]

    def test_second_call_is_told_about_the_open_callback(self, phone, work, api):
        first, _ = _walk(phone, "de", "1 1")
        first.press("1")
        work()
        second, turn = _walk(phone, "de", "1 1")
        assert "schon einen Rückruf" in turn.text
        assert turn.hung_up
        work()
        assert len(api.get("/api/callbacks?desk=auslaenderbehoerde").get_json()["callbacks"]) == 1

    def test_other_number_is_read_back_and_confirmed(self, phone, work, api):
        caller, _ = _walk(phone, "de", "1 1")
        turn = caller.press("2")
        assert turn.gather.attrib["finishOnKey"] == "#"
        turn = caller.press("0049202123456")
        assert digits_in(turn.text) == "0049202123456"
        turn = caller.press("2")  # change it
        turn = caller.press("0202 563 4005".replace(" ", ""))
        caller.press("1")
        work()
        task = api.get("/api/callbacks?desk=auslaenderbehoerde").get_json()["callbacks"][0]
        assert task["phone"] == "+492025634005"

    def test_international_number_in_the_eu_is_accepted(self, phone, work, api):
        caller, _ = _walk(phone, "en", "1 1", caller="anonymous")
        caller.press("0033612345678")
        caller.press("1")
        work()
        assert api.get("/api/callbacks").get_json()["callbacks"][0]["phone"] == "+33612345678"

    @pytest.mark.parametrize(("entry", "words"), [
        ("09001234567", "Sondernummern"), ("11833", "Sondernummern"), ("01371234567", "Sondernummern"),
        ("0012025550123", "Land"), ("12345", "Sondernummern"), ("0123", "Sondernummern"),
    ])
    def test_refused_numbers_are_explained(self, phone, entry, words):
        caller, _ = _walk(phone, "de", "1 1", caller="anonymous")
        turn = caller.press(entry)
        assert words in turn.text
        assert turn.gather is not None and turn.gather.attrib["finishOnKey"] == "#"

    def test_three_failed_entries_end_with_goodbye_and_hours_when_nobody_is_there(self, phone):
        caller, _ = _walk(phone, "de", "1 1", caller="anonymous")
        caller.press("1")
        caller.press("2")
        turn = caller.press("3")
        assert turn.dialed is None  # information desk closed at 19:00 as well
        assert turn.hung_up and "Auf Wiederhören" in turn.text and "um 8:00" in turn.text

    def test_three_failed_entries_connect_to_information_when_open(self, phone, api, clock, settings):
        clock.set("2026-11-24 10:00")
        api.post("/api/desks/helpers/closure", json={"until": "2026-11-24T20:00:00+01:00"})
        caller, _ = _walk(phone, "de", "2", caller="anonymous")
        for entry in ("1", "22", "333"):
            turn = caller.press(entry)
        assert turn.dialed == settings.desks["info"].number
        turn = caller.dial_ends("no-answer")
        assert turn.hung_up and "Auf Wiederhören" in turn.text

    def test_daily_limit_per_number(self, phone, work, api, settings):
        limit = settings.config.callbacks.per_number_daily_limit
        desks = ["auslaenderbehoerde", "integrationszentrum", "helpers", "info", "zebera", "integration_point"]
        keys = {"auslaenderbehoerde": "1 1", "integrationszentrum": "1 4", "helpers": "2", "info": "0",
                "zebera": "1 2 1", "integration_point": "1 3 2"}
        for desk in desks[:limit]:
            caller, _ = _walk(phone, "de", keys[desk])
            caller.press("1")
            work()
        caller, _ = _walk(phone, "de", keys[desks[limit]])
        turn = caller.press("1")
        assert "oft um einen Rückruf" in turn.text and turn.hung_up


class TestEveryMenuAfterTheLanguageMenu:
    """0 reaches a person and * repeats, in the callback questions too."""

    @pytest.fixture(autouse=True)
    def _closed(self, api):
        api.post("/api/desks/auslaenderbehoerde/closure", json={"until": "2026-11-24T20:00:00+01:00"})

    def test_star_repeats_the_number_choice_and_zero_reaches_a_person(self, phone, settings, staffed):
        caller, turn = _walk(phone, "de", "1 1")
        first = turn.gather.find("Say").text
        turn = caller.press("*")
        assert turn.gather.find("Say").text == first
        turn = caller.press("0")
        assert _reaches(turn, settings, "info")

    def test_star_and_zero_in_read_back_and_the_window(self, phone, settings, staffed):
        caller, _ = _walk(phone, "de", "1 1")
        caller.press("2")
        turn = caller.press("015112345678")
        turn = caller.press("*")
        assert digits_in(turn.gather.find("Say").text) == "015112345678"
        turn = caller.press("1")  # settled: the window question
        window = turn.gather.find("Say").text
        turn = caller.press("*")
        assert turn.gather.find("Say").text == window
        turn = caller.press("0")
        assert _reaches(turn, settings, "info")
