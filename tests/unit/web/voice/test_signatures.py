"""Twilio signatures: forged, missing, for another URL or token -> 403; right behind a reverse proxy; the
account checked."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from ivr import create_app
from ivr.settings import load_settings
from ivr.web.voice.signatures import signature
from tests.factories import API_TOKEN
from tests.factories import TOKEN
from tests.factories import call_form

PUBLIC = "https://hotline.example.org"


def _client(tmp_path, database_url, redis_url, **env):
    values = {"TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "test-secret", "IVR_API_TOKEN": API_TOKEN,
              "DATABASE_URL": database_url, "REDIS_URL": redis_url, "IVR_INSTANCE_DIR": str(tmp_path / "i")}
    values.update(env)
    app = create_app(load_settings(values), TESTING=True)
    return app.test_client()


def _post(client, signed_url: str, token: str = TOKEN, headers: dict | None = None):
    form = call_form()
    return client.post("/voice/incoming", data=form, base_url="http://10.0.0.5:8000",
                       headers={"X-Twilio-Signature": signature(token, signed_url, MultiDict(form)),
                                **(headers or {})})


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hotline.example.org", "X-Forwarded-For": "1.2.3.4"}


@pytest.mark.usefixtures("engine", "redis_conn")
def test_behind_one_trusted_proxy_the_forwarded_url_is_checked(tmp_path, database_url, redis_url):
    client = _client(tmp_path, database_url, redis_url, IVR_TRUSTED_PROXIES="1")
    assert _post(client, PUBLIC + "/voice/incoming", headers=FORWARDED).status_code == 200
    assert _post(client, PUBLIC + ":443/voice/incoming", headers=FORWARDED).status_code == 200  # Twilio's port form
    assert _post(client, "http://10.0.0.5:8000/voice/incoming", headers=FORWARDED).status_code == 403
    assert _post(client, PUBLIC + "/voice/incoming", token="other-token", headers=FORWARDED).status_code == 403


@pytest.mark.usefixtures("engine", "redis_conn")
def test_without_trusted_proxies_forwarded_headers_are_ignored(tmp_path, database_url, redis_url):
    client = _client(tmp_path, database_url, redis_url)
    assert _post(client, PUBLIC + "/voice/incoming", headers=FORWARDED).status_code == 403  # spoofed headers
    assert _post(client, "http://10.0.0.5:8000/voice/incoming", headers=FORWARDED).status_code == 200


@pytest.mark.usefixtures("engine", "redis_conn")
def test_public_url_wins_over_whatever_the_request_says(tmp_path, database_url, redis_url):
    client = _client(tmp_path, database_url, redis_url, IVR_PUBLIC_URL=PUBLIC + "/")
    assert _post(client, PUBLIC + "/voice/incoming").status_code == 200
    assert _post(client, PUBLIC + "/voice/incoming", headers=FORWARDED).status_code == 200
    assert _post(client, "http://10.0.0.5:8000/voice/incoming").status_code == 403
    assert _post(client, PUBLIC + "/voice/status").status_code == 403  # signed for another URL


@pytest.mark.usefixtures("engine", "redis_conn")
def test_missing_or_empty_signature_is_refused(tmp_path, database_url, redis_url):
    client = _client(tmp_path, database_url, redis_url)
    form = call_form()
    assert client.post("/voice/incoming", data=form).status_code == 403
    assert client.post("/voice/incoming", data=form, headers={"X-Twilio-Signature": ""}).status_code == 403
    assert client.post("/voice/step?v=1&n=x&l=de", data=form,
                       headers={"X-Twilio-Signature": "AAAA"}).status_code == 403


def test_signature_matches_twilios_documented_test_vector():
    """shared/reference/twilio.md §4.2."""
    form = MultiDict({"CallSid": "CA1234567890ABCDE", "Caller": "+14158675310", "Digits": "1234",
                      "From": "+14158675310", "To": "+18005551212"})
    assert signature("12345", "https://example.com/myapp.php?foo=1&bar=2", form) == "L/OH5YylLD5NRKLltdqwSvS0BnU="


OURS = "AC" + "1" * 32
FOREIGN = "AC" + "2" * 32


def _incoming(client, account: str):
    form = call_form(AccountSid=account)
    url = "http://localhost/voice/incoming"
    headers = {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, form)}
    return client.post("/voice/incoming", data=form, headers=headers)


@pytest.mark.usefixtures("engine", "redis_conn")
def test_a_foreign_account_is_refused_when_ours_is_configured(tmp_path, database_url, redis_url, caplog):
    client = _client(tmp_path, database_url, redis_url, TWILIO_ACCOUNT_SID=OURS)
    assert _incoming(client, OURS).status_code == 200
    assert _incoming(client, FOREIGN).status_code == 403
    assert "AccountSid of another account" in caplog.text and FOREIGN not in caplog.text


@pytest.mark.usefixtures("engine", "redis_conn")
def test_without_a_configured_account_only_the_form_of_the_sid_is_checked(tmp_path, database_url, redis_url):
    client = _client(tmp_path, database_url, redis_url)
    assert _incoming(client, FOREIGN).status_code == 200  # the auth token already names one account
    assert _incoming(client, "AC" + "2" * 31).status_code == 403
    assert _incoming(client, "XX" + "2" * 32).status_code == 403
