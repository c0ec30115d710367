"""Call state in the action URL: plain for position, language and the nodes so far, encrypted for a phone number."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote

from ivr.engine.model import MAX_PATH
from ivr.engine.model import State
from ivr.store.cipher import Cipher

STEP_PATH = "/voice/step"
NUMBER_MAX_AGE = 3600
"""Seconds an encrypted callback number in a URL stays valid (a call is shorter)."""
_SAFE = "-_.~"


def encode(state: State, cipher: Cipher | None = None) -> str:
    """Return the path and query that carry `state` (Twilio signs the whole URL, so it cannot be altered)."""
    query = f"v={state.version}&f={state.flow}&n={state.node}&l={state.lang}"
    if state.retries:
        query += f"&r={state.retries}"
    if state.sub:
        query += f"&s={state.sub}"
    if state.entries:
        query += f"&e={state.entries}"
    if state.path:  # node ids are plain words: "." needs no escaping
        query += "&p=" + ".".join(state.path)
    if state.depth != len(state.path):
        query += f"&d={state.depth}"
    if state.number and cipher is not None:
        query += "&x=" + quote(cipher.seal(state.number), safe=_SAFE)
    return f"{STEP_PATH}?{query}"


def _int(args: Mapping[str, str], key: str, digits: int = 2) -> int:
    value = args.get(key, "0")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= digits else 0


_WORD = re.compile(r"^[a-z0-9_]{1,64}$")
_VERSION = re.compile(r"^[A-Za-z0-9_-]{1,24}$")
_PATH = re.compile(r"^[a-z0-9_]{1,64}(?:\.[a-z0-9_]{1,64}){0,MORE}$".replace("MORE", str(MAX_PATH - 1)))


def decode(args: Mapping[str, str], cipher: Cipher) -> State | None:
    """Read a state from query arguments; None when it is incomplete or malformed (then the call starts over)."""
    node, lang, version = args.get("n"), args.get("l"), args.get("v")
    if not node or not lang or not version:
        return None
    # every value is echoed into the next action URL: anything but plain words is refused
    words = (node, lang, args.get("f") or "hotline", args.get("s") or "x")
    if not all(_WORD.match(w) for w in words) or not _VERSION.match(version):
        return None
    number = cipher.open(args["x"], NUMBER_MAX_AGE) if args.get("x") else None
    raw_path = args.get("p", "")
    path = tuple(raw_path.split(".")) if raw_path and _PATH.match(raw_path) else ()
    depth = max(_int(args, "d", 4), len(path)) if "d" in args else len(path)
    return State(node=node[:64], lang=lang[:8], version=version[:24], flow=args.get("f", "")[:64],
                 retries=_int(args, "r"), sub=args.get("s", "")[:16], entries=_int(args, "e"), number=number,
                 path=path, depth=depth)
