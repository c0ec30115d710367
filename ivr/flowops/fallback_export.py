"""The fallback answer as static files (`ivr fallback export DIR`), to host where this service is not."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ivr.telephony import twiml

README = """# Static fallback of the hotline

These files answer callers when the hotline service is down entirely (server, network or data centre).
They need nothing from the service: no database, no Redis, no Python.

- `fallback.xml`: apology in German and English, then a transfer to {desk} ({number}), then goodbye.
- `fallback-no-transfer.xml`: the same apology without the transfer (use it when that desk is not staffed).
{audio}
## Hosting

1. **TwiML Bin** (simplest, hosted by Twilio): Twilio Console → TwiML Bins → Create, paste `fallback.xml`,
   save. Copy the bin's URL.
2. **Any other web server** (not the one the hotline runs on): upload the folder. Twilio requests the URL with
   POST by default, and many static hosts answer POST with 405; set the number's fallback method to GET.

Then, on the Twilio number (Phone Numbers → Manage → Active numbers → the hotline number → Voice):

- "A call comes in": the hotline's `https://<host>/voice/incoming` (unchanged).
- "Primary handler fails": the TwiML Bin or static URL of `fallback.xml`. Twilio uses it when the hotline
  answers with an error or does not answer within 15 seconds.
- Keep `https://<host>/voice/fallback` for the time the service itself is reachable but unwell; swap in the
  static URL before planned maintenance of the whole server.

Export again (`ivr fallback export DIR`) whenever the fallback desk's number changes in config.yaml.
Generated from flows version {version}.
"""


def _audio_urls(document: bytes) -> list[str]:
    return re.findall(r"<Play[^>]*>([^<]+)</Play>", document.decode("utf-8"))


def export(target: Path, audio_dir: Path, number: str | None, desk_name: str, version: str) -> list[Path]:
    """Write the fallback TwiML, its local audio files and a README into `target`; return the files."""
    target.mkdir(parents=True, exist_ok=True)
    with_transfer, without = twiml.apology(number), twiml.apology(None)
    written = []
    for name, body in (("fallback.xml", with_transfer), ("fallback-no-transfer.xml", without)):
        (target / name).write_bytes(body)
        written.append(target / name)
    copied = []
    for url in _audio_urls(with_transfer) + _audio_urls(without):
        if "://" in url:
            continue  # already hosted elsewhere
        source = audio_dir / url.split("/audio/", 1)[-1]
        if source.is_file():
            destination = target / "audio" / source.relative_to(audio_dir)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
            copied.append(destination)
    audio = ("- `audio/`: the recordings the TwiML plays; host them next to the XML and keep the paths.\n"
             if copied else "- No audio files: the apology is spoken by Twilio's text-to-speech.\n")
    (target / "README.md").write_text(README.format(desk=desk_name, number=number or "no number configured",
                                                    audio=audio, version=version), encoding="utf-8")
    return written + copied + [target / "README.md"]

