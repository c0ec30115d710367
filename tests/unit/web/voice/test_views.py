"""Voice webhooks on the in-process app: signatures, TwiML shape, a whole call through the menu."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from tests.factories import TOKEN
from tests.factories import call_form
from tests.support.phone import check_twiml


def _signed(url: str, form: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, form)}


class TestSignatures:
    def test_missing_signature_is_forbidden(self, client):
        response = client.post("/voice/incoming", data=call_form())
        assert response.status_code == 403
        assert b"<Response" not in response.data

    def test_forged_signature_is_forbidden(self, client):
        response = client.post("/voice/incoming", data=call_form(), headers={"X-Twilio-Signature": "Zm9yZ2Vk"})
        assert response.status_code == 403

    def test_other_token_is_forbidden(self, client):
        form = call_form()
        headers = _signed("http://localhost/voice/incoming", form, token="another-token")
        assert client.post("/voice/incoming", data=form, headers=headers).status_code == 403

    def test_signature_for_another_url_is_forbidden(self, client):
        form = call_form()
        headers = _signed("http://localhost/voice/status", form)
        assert client.post("/voice/incoming", data=form, headers=headers).status_code == 403

    def test_changed_parameter_is_forbidden(self, client):
        form = call_form()
        headers = _signed("http://localhost/voice/incoming", form)
        form["From"] = "+4915112345678"
        assert client.post("/voice/incoming", data=form, headers=headers).status_code == 403

    def test_valid_signature_answers_twiml(self, client):
        form = call_form()
        response = client.post("/voice/incoming", data=form, headers=_signed("http://localhost/voice/incoming", form))
        assert response.status_code == 200
        assert response.content_type.startswith("text/xml")
        check_twiml(response.data)

    def test_forged_status_callback_logs_no_call(self, client, engine, work):
        form = call_form(CallStatus="completed", CallDuration="5")
        assert client.post("/voice/status", data=form).status_code == 403
        work()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM calls").scalar() == 0
            assert conn.exec_driver_sql("SELECT count(*) FROM events").scalar() == 0


class TestFallback:
    def test_fallback_apologises_in_german_and_english_and_offers_a_way(self, phone):
        caller = phone()
        _, body = caller.send("/voice/fallback")
        root = check_twiml(body)
        says = " ".join(e.text for e in root.iter("Say"))
        assert "Entschuldigung" in says and "Sorry" in says
        assert root.find("Dial/Number").text == "+492027476333"  # the information desk

    def test_status_answers_204(self, phone):
        caller = phone()
        status, body = caller.send("/voice/status", {"CallStatus": "ringing"}, expect=204)
        assert body == b""


class TestForgedState:
    """A state in the URL is echoed into the next action URL: malformed values must never break the XML."""

    def test_control_characters_in_state_start_the_call_over(self, phone):
        caller = phone()
        _, body = caller.send("/voice/step?v=%27+OR+1%3D1+--&f=hotline&n=topic&l=de&s=%1F", {"Digits": "1"})
        root = check_twiml(body)
        assert root.find("Gather").attrib["action"].endswith("n=language&l=de&p=greeting.language")

    def test_encrypted_number_from_another_key_is_ignored(self, phone, app):
        caller = phone()
        version = app.extensions["ivr"].store.current.version
        _, body = caller.send(f"/voice/step?v={version}&f=hotline&n=desk_info&l=de&s=confirm&x=Zm9yZ2Vk",
                              {"Digits": "1"})
        root = check_twiml(body)
        assert root.find("Gather") is not None  # asks for the number again instead of trusting it
