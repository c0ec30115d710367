"""Prompt texts become speech: Twilio voices for TTS languages, recorded files split at runtime values."""

from __future__ import annotations

from ivr.engine import prompts
from ivr.engine.model import Play
from ivr.engine.model import Say


def test_variables_and_segments():
    text = "Wir sind am {weekday} um {time} wieder da. {controller}"
    assert prompts.variables(text) == {"weekday", "time", "controller"}
    assert prompts.segments(text) == [("text", "Wir sind am"), ("var", "weekday"), ("text", "um"), ("var", "time"),
                                      ("text", "wieder da. {controller}")]
    assert prompts.segments("{digits}.") == [("var", "digits")]  # punctuation alone has no recording


def test_audio_files_of_a_prompt():
    assert prompts.audio_files("goodbye", "Auf Wiederhören.") == ["goodbye.wav"]
    assert prompts.audio_files("open_again", "Wir sind am {weekday} um {time} wieder da.") == [
        "open_again.0.wav", "open_again.1.wav", "open_again.2.wav"]


def test_every_recorded_language_needs_the_clips_for_runtime_values():
    clips = prompts.clip_files()
    assert len(clips) == 10 + 7 + 100 + 12
    assert {"digit_0.wav", "weekday_6.wav", "number_99.wav", "month_1.wav", "month_12.wav"} <= set(clips)


def test_every_language_has_the_month_names_the_promise_needs(shipped):
    for month in range(1, 13):
        assert set(shipped.prompts[f"month_{month}"]) == set(shipped.languages)
    assert {"weekday", "day", "month"} == prompts.variables(shipped.prompts["cb_promise"]["de"])


def test_static_values_are_filled_in_and_runtime_values_kept():
    text = "{controller}: {digits} {unknown}"
    assert prompts.substitute_static(text, {"controller": "Stadt"}) == "Stadt: {digits} {unknown}"


def test_a_tts_language_speaks_its_text_with_values(shipped):
    (said,) = prompts.speak(shipped, "open_again", "de", {"weekday": 2, "time": (8, 0)})
    assert isinstance(said, Say)
    assert (said.voice, said.language) == ("Polly.Vicki-Neural", "de-DE")
    assert said.text == f"Wir sind am {shipped.prompts['weekday_2']['de']} um 8:00 wieder da."
    (number,) = prompts.speak(shipped, "cb_choice", "de", {"digits": "+4917612"})
    assert "4 9 1 7 6 1 2" in number.text


def test_a_recorded_language_plays_its_parts_and_the_clips_of_the_values(shipped):
    items = prompts.speak(shipped, "open_again", "fa", {"weekday": 2, "time": (8, 30)})
    assert all(isinstance(i, Play) for i in items)
    urls = [i.url for i in items]
    assert "/static/audio/fa/weekday_2.wav" in urls
    assert urls.index("/static/audio/fa/number_8.wav") + 1 == urls.index("/static/audio/fa/number_30.wav")
    assert all(u.startswith("/static/audio/fa/") for u in urls)


def test_a_free_text_is_spoken_in_a_tts_language(shipped):
    assert prompts.say_text(shipped, "Heute geschlossen", "de") == (Say("Heute geschlossen", "Polly.Vicki-Neural",
                                                                        "de-DE"),)
