"""Twilio's REST API: click-to-call (staff phone, then caller), the live queue's offer calls, the credentials."""

from __future__ import annotations

from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from ivr.settings import Settings

REST_TIMEOUT = 10
"""Seconds to wait for Twilio's REST API."""
GREETING = {
    "de": "Rückruf der Hotline Haus der Integration. Die anrufende Person hört zuerst eine kurze Ansage und wird "
          "verbunden, sobald sie die 1 drückt.",
    "en": "Callback from the Haus der Integration hotline. The caller first hears a short message and is connected "
          "once they press 1.",
}
"""What the staff member hears before the caller is rung (the caller's leg: ivr.web.voice.callee)."""


class _BaseUrlClient(TwilioHttpClient):
    """Send every REST request to another base URL (a regional proxy, or a test's local stand-in)."""

    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):  # noqa: ANN001, ANN201 - TwilioHttpClient's signature
        return super().request(method, _rebase(url, self.base_url), *args, **kwargs)


def _rebase(url: str, base_url: str | None) -> str:
    if not base_url:
        return url
    base, parts = urlsplit(base_url.rstrip("/")), urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, ""))


def credentials(settings: Settings) -> tuple[str, str]:
    """Basic-auth user and secret for Twilio's REST API: the API key when given, else the account."""
    if settings.twilio_api_key and settings.twilio_api_secret:
        return settings.twilio_api_key, settings.twilio_api_secret
    return settings.twilio_account_sid or "", settings.twilio_auth_token


def available(settings: Settings) -> bool:
    """True when a Twilio account is configured, so calls can be started from the browser."""
    return bool(settings.twilio_account_sid and (settings.twilio_auth_token or settings.twilio_api_secret))


def rest_client(settings: Settings) -> Client:
    """Build a Twilio REST client from the settings (API key when given, else the auth token)."""
    http = (
        _BaseUrlClient(settings.twilio_api_base, timeout=REST_TIMEOUT)
        if settings.twilio_api_base
        else TwilioHttpClient(timeout=REST_TIMEOUT)
    )
    username, password = credentials(settings)
    return Client(
        username,
        password,
        account_sid=settings.twilio_account_sid,
        http_client=http,
        edge=settings.twilio_edge,
        region=settings.twilio_region,
    )


def bridge_twiml(caller: str, hotline_number: str, lang: str, timeout: int, callee_url: str | None = None,
                 status_url: str | None = None) -> str:
    """TwiML for the staff leg: a short notice, then dial the caller showing the hotline number. With `callee_url`
    the caller's leg first runs that webhook (`<Number url>`: a short message, then press 1), and the two are
    connected only when it ends without hanging up; `status_url` hears how the caller's leg ended."""
    response = VoiceResponse()
    response.say(GREETING.get(lang, GREETING["de"]), language="de-DE" if lang == "de" else "en-GB")
    dial = response.dial(caller_id=hotline_number, timeout=timeout)
    leg: dict[str, str] = {"url": callee_url, "method": "POST"} if callee_url else {}
    if status_url:
        leg.update(status_callback=status_url, status_callback_event="completed", status_callback_method="POST")
    dial.number(caller, **leg)
    return str(response)


def call_back(settings: Settings, staff_phone: str, caller: str, lang: str = "de",
              callee_url: str | None = None, status_url: str | None = None) -> str:
    """Ring the staff phone; when answered, ring the caller, who presses 1 at `callee_url`'s message before the
    two are connected (the caller's leg's end at `status_url`). Return Twilio's call SID."""
    hotline = settings.config.hotline.number
    twiml = bridge_twiml(caller, hotline, lang, settings.config.dial.timeout_seconds, callee_url, status_url)
    call = rest_client(settings).calls.create(to=staff_phone, from_=hotline, twiml=twiml)
    return call.sid



OFFER_RING_SECONDS = 20
"""Seconds the offered person's phone rings before Twilio gives up (then the next person is tried)."""


class NoPublicUrl(RuntimeError):
    """The worker does not know the address Twilio reaches this service at, so it cannot place an offer call."""


def public_base(settings: Settings) -> str:
    """The base URL Twilio requests the offered person's webhooks at: IVR_PUBLIC_URL (`ivr dev` gives its
    worker the web's own address); raises NoPublicUrl when none is set (a worker has no request to learn it from)."""
    if not settings.public_url:
        raise NoPublicUrl("IVR_PUBLIC_URL is not set: the worker cannot tell Twilio where the offered person's "
                          "call is answered (set it to the address Twilio calls, e.g. https://hotline.example.org)")
    return settings.public_url


def offer_call(settings: Settings, to: str, entry_id: int, user_id: int) -> str:
    """Ring a person to offer them a waiting caller: from the hotline number, the whisper at `/voice/agent/whisper`,
    the call's end at `/voice/agent/status`, ringing at most OFFER_RING_SECONDS. Return Twilio's call SID."""
    base = public_base(settings)
    query = f"?e={int(entry_id)}&u={int(user_id)}"
    call = rest_client(settings).calls.create(
        to=to, from_=settings.config.hotline.number, url=f"{base}/voice/agent/whisper{query}", method="POST",
        status_callback=f"{base}/voice/agent/status{query}", status_callback_method="POST",
        timeout=OFFER_RING_SECONDS)
    return call.sid


def cancel_call(settings: Settings, call_sid: str) -> bool:
    """Hang up an offer call, ringing or in its whisper (an offer nobody took in time, or whose caller left).
    False when the call was over already (Twilio answers 400 or 404 then)."""
    try:
        rest_client(settings).calls(call_sid).update(status="completed")  # "canceled" would spare a whisper
    except TwilioRestException as exc:
        if exc.status in (400, 404):
            return False
        raise
    return True
