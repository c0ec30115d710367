"""TwiML from engine actions: each action's element and attributes, the cache that never holds personal data."""

from __future__ import annotations

from xml.etree import ElementTree

from ivr.engine.model import Dial
from ivr.engine.model import Enqueue
from ivr.engine.model import Gather
from ivr.engine.model import Hangup
from ivr.engine.model import Play
from ivr.engine.model import Record
from ivr.engine.model import Redirect
from ivr.engine.model import Say
from ivr.engine.model import Speak
from ivr.engine.model import State
from ivr.engine.model import Step
from ivr.telephony.twiml import Renderer
from ivr.telephony.twiml import apology
from ivr.telephony.twiml import build
from ivr.telephony.twiml import leave
from ivr.telephony.twiml import redirect
from ivr.telephony.twiml import waiting

BASE = "https://hotline.example"
STATE = State(node="menu", lang="de", version="v1")


def url_for(state: State) -> str:
    return f"/voice/step?node={state.node}&retries={state.retries}"


def parse(actions) -> ElementTree.Element:
    root = ElementTree.fromstring(build(tuple(actions), BASE, url_for).to_xml())
    assert root.tag == "Response"
    return root


def test_speech_and_audio_in_order_relative_audio_under_the_base():
    root = parse([Speak((Say("Hallo", "Polly.Vicki", "de-DE"), Say("Hello", "", "en-GB"),
                         Play("/static/audio/de/welcome.wav"), Play("https://cdn.example/a.wav")))])
    assert [child.tag for child in root] == ["Say", "Say", "Play", "Play"]
    first, second, local, remote = root
    assert (first.text, first.get("voice"), first.get("language")) == ("Hallo", "Polly.Vicki", "de-DE")
    assert second.get("voice") is None and second.get("language") == "en-GB"  # Twilio's default voice
    assert local.text == BASE + "/static/audio/de/welcome.wav"
    assert remote.text == "https://cdn.example/a.wav"


def test_gather_posts_keys_and_silence_to_the_states_url():
    (gather,) = parse([Gather(STATE.but(retries=1), (Say("Drücken Sie 1", "", "de-DE"),), timeout=8)])
    assert gather.tag == "Gather"
    assert gather.get("action") == BASE + "/voice/step?node=menu&retries=1"
    assert (gather.get("method"), gather.get("input"), gather.get("timeout")) == ("POST", "dtmf", "8")
    assert gather.get("actionOnEmptyResult") == "true"  # a timeout reaches the flow, not Twilio's next verb
    assert gather.get("numDigits") == "1"
    assert [(child.tag, child.text) for child in gather] == [("Say", "Drücken Sie 1")]


def test_a_number_entry_gathers_until_the_hash_key():
    (gather,) = parse([Gather(STATE, (), timeout=10, num_digits=None, finish_on_key="#")])
    assert gather.get("finishOnKey") == "#" and gather.get("numDigits") is None


def test_dial_connects_on_answer_and_reports_to_the_flow():
    (dial,) = parse([Dial("+492025630", STATE.at("transfer"), timeout=25)])
    assert dial.get("action") == BASE + "/voice/step?node=transfer&retries=0"
    assert (dial.get("timeout"), dial.get("answerOnBridge")) == ("25", "true")
    assert [(child.tag, child.text) for child in dial] == [("Number", "+492025630")]


def test_record_reports_the_recording_to_its_own_webhook():
    (record,) = parse([Record(STATE.at("message"), max_length=120)])
    assert record.get("action") == BASE + "/voice/step?node=message&retries=0"
    assert record.get("recordingStatusCallback") == BASE + "/voice/recording"
    assert (record.get("maxLength"), record.get("finishOnKey"), record.get("playBeep")) == ("120", "#", "true")


def test_enqueue_names_the_queue_its_action_and_the_wait_url():
    (enqueue,) = parse([Enqueue("info-ar", STATE.at("desk_info", sub="queued"))])
    assert (enqueue.tag, enqueue.text) == ("Enqueue", "info-ar")
    assert enqueue.get("action") == BASE + "/voice/step?node=desk_info&retries=0"
    assert (enqueue.get("waitUrl"), enqueue.get("waitUrlMethod"), enqueue.get("method")) == (
        BASE + "/voice/queue/wait", "POST", "POST")


def test_the_wait_answer_gathers_one_key_around_what_is_heard_then_asks_again():
    root = ElementTree.fromstring(waiting((Say("Sie sind an Stelle 3.", "Polly.Vicki", "de-DE"),
                                           Play("/static/audio/hold/music.wav")), BASE, "/voice/queue/key?n=45",
                                          "/voice/queue/wait?n=45"))
    gather, again = root
    assert gather.tag == "Gather" and gather.get("action") == BASE + "/voice/queue/key?n=45"
    assert (gather.get("numDigits"), gather.get("input"), gather.get("method")) == ("1", "dtmf", "POST")
    assert gather.get("actionOnEmptyResult") is None  # no key: on to the Redirect, not to the key's URL
    assert [(c.tag, c.text) for c in gather] == [("Say", "Sie sind an Stelle 3."),
                                                 ("Play", BASE + "/static/audio/hold/music.wav")]
    assert (again.tag, again.text, again.get("method")) == ("Redirect", BASE + "/voice/queue/wait?n=45", "POST")


def test_leave_and_a_plain_redirect():
    assert [c.tag for c in ElementTree.fromstring(leave())] == ["Leave"]
    (again,) = ElementTree.fromstring(redirect(BASE + "/voice/queue/wait"))
    assert (again.tag, again.text) == ("Redirect", BASE + "/voice/queue/wait")


def test_redirect_and_hangup():
    redirect, hangup = parse([Redirect(STATE.at("goodbye")), Hangup()])
    assert (redirect.tag, redirect.text) == ("Redirect", BASE + "/voice/step?node=goodbye&retries=0")
    assert hangup.tag == "Hangup" and len(hangup) == 0


class CountingUrls:
    """url_for that counts how often a response was actually built."""

    def __init__(self):
        self.calls = 0

    def __call__(self, state: State) -> str:
        self.calls += 1
        return url_for(state)


def test_a_step_without_personal_data_is_rendered_once():
    urls = CountingUrls()
    renderer = Renderer(urls)
    step = Step(actions=(Gather(STATE, (), timeout=5),))
    first = renderer.render(step, BASE)
    assert renderer.render(step, BASE) == first
    assert urls.calls == 1
    assert renderer.render(step, "https://other.example") != first  # the base is part of the key
    assert urls.calls == 2


def test_a_private_step_is_never_kept():
    urls = CountingUrls()
    renderer = Renderer(urls)
    step = Step(actions=(Gather(STATE.but(number="+4917612345678"), (), timeout=5),), private=True)
    assert renderer.render(step, BASE) == renderer.render(step, BASE)
    assert urls.calls == 2


def test_apology_connects_to_the_information_desk_when_there_is_one():
    root = ElementTree.fromstring(apology("+492025630"))
    assert [child.tag for child in root] == ["Say", "Say", "Say", "Dial", "Say", "Hangup"]
    assert root.find("Dial/Number").text == "+492025630"


def test_apology_without_a_number_says_goodbye():
    root = ElementTree.fromstring(apology())
    assert [child.tag for child in root] == ["Say", "Say", "Say", "Hangup"]
    assert {say.get("language") for say in root.iter("Say")} == {"de-DE", "en-GB"}
