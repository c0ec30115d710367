"""Check X-Twilio-Signature on every /voice/* request (one HMAC pass on the happy path, 403 otherwise) and
refuse a signed request seen before (one Redis SET NX)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from urllib.parse import urlparse
from urllib.parse import urlunparse

import redis
from werkzeug.datastructures import MultiDict

from ivr.store.breaker import Breaker

log = logging.getLogger(__name__)
SEEN_PREFIX = "ivr:seen:"
"""Redis key prefix of the signatures of webhooks already taken."""


Form = MultiDict | Mapping[str, str] | Sequence[tuple[str, str]]
"""A POST form: a MultiDict, a plain mapping, or its (key, value) pairs in order."""


def signature(token: str, url: str, form: Form) -> str:
    """Compute Twilio's signature: HMAC-SHA1 over the URL and the sorted POST parameters, base64."""
    if isinstance(form, MultiDict):
        pairs: Iterable[tuple[str, str]] = form.items(multi=True)
    elif isinstance(form, Mapping):
        pairs = form.items()
    else:
        pairs = form
    # keys sorted, each key's distinct values sorted: the order of the distinct (key, value) pairs
    data = url + "".join([key + value for key, value in sorted(set(pairs))])
    mac = hmac.new(token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def _port_variants(url: str) -> list[str]:
    """Twilio may sign with or without the default port; try the other form only after a mismatch."""
    parsed = urlparse(url)
    default = {"https": 443, "http": 80}.get(parsed.scheme)
    if parsed.port:
        if parsed.port == default:
            return [urlunparse(parsed._replace(netloc=parsed.hostname or ""))]
        return []
    if default:
        return [urlunparse(parsed._replace(netloc=f"{parsed.hostname}:{default}"))]
    return []


def is_valid(token: str, url: str, form: Form, given: str | None) -> bool:
    """True when `given` is Twilio's signature of this request for this token."""
    if not token or not given:
        return False
    if hmac.compare_digest(signature(token, url, form), given):
        return True
    return any(hmac.compare_digest(signature(token, other, form), given) for other in _port_variants(url))


def first_delivery(conn: redis.Redis | None, breaker: Breaker, given: str, ttl: int) -> bool:
    """False when a request with this signature was taken before (a replay); True when new or when Redis
    cannot tell: callers are served through a Redis outage, and what a replay could then repeat is idempotent
    (path entries keyed by position, events by their dedupe key, one callback task per call and desk)."""
    if conn is None or not breaker.closed:
        return True
    try:
        # the signature is Twilio's MAC of URL and form: equal signatures mean an equal request
        fresh = conn.set(SEEN_PREFIX + given, b"1", nx=True, ex=ttl)
    except redis.RedisError as exc:
        breaker.trip()
        log.warning("replay check skipped, redis unavailable: %s", type(exc).__name__)
        return True
    breaker.reset()
    return bool(fresh)
