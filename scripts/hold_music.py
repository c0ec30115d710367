#!/usr/bin/env python3
"""Generate the live queue's hold music: a 15-second music-box loop, written for this project (CC0-1.0).

The clip is synthesised here from sine tones (a C - Am - F - G progression: soft chords with an arpeggio over
them), so it is nobody else's recording and needs no licence but its own: CC0-1.0, "generated for this project".
It is written as 8 kHz mono 8-bit mu-law WAV, the format Twilio plays without transcoding, by this script alone
(no sox, no numpy), and it is deterministic: a re-run writes the same bytes (flows/audio-manifest.yaml keeps its
sha256 under `music`).

Fifteen seconds is the length of one hold loop: the wait answer plays it once inside a <Gather> and then asks
again, so a caller asked to leave (max wait, desk closed) hears so within about 15 seconds.

Usage:
    python3 scripts/hold_music.py                        # writes ivr/static/audio/hold/music.wav
    python3 scripts/hold_music.py --out /tmp/music.wav
"""

from __future__ import annotations

import argparse
import hashlib
import math
import struct
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "ivr" / "static" / "audio" / "hold" / "music.wav"
RATE = 8000
SECONDS = 15.0
BAR = SECONDS / 4
# C major, A minor, F major, G major: MIDI notes of the chord (kept in the telephone band, 300-3400 Hz)
CHORDS = ((60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62))
ARPEGGIO = (0, 1, 2, 1, 0, 2, 1, 2)  # chord tones, an octave up, eight per bar


def frequency(note: int) -> float:
    """Hz of a MIDI note (A4 = 69 = 440 Hz)."""
    return 440.0 * 2 ** ((note - 69) / 12)


def samples() -> list[float]:
    """The clip as floats in -1..1."""
    total = int(RATE * SECONDS)
    out = [0.0] * total
    step = BAR / len(ARPEGGIO)
    for bar, chord in enumerate(CHORDS):
        start = bar * BAR
        for tone in chord:  # the pad: a slow swell and fade over the bar
            freq = frequency(tone)
            for i in range(int(start * RATE), min(total, int((start + BAR) * RATE))):
                t = i / RATE - start
                swell = math.sin(math.pi * t / BAR) ** 2
                out[i] += 0.07 * swell * math.sin(2 * math.pi * freq * t)
        for index, which in enumerate(ARPEGGIO):  # the music box: a struck note that dies away
            freq = frequency(chord[which] + 12)
            begin = start + index * step
            for i in range(int(begin * RATE), min(total, int((begin + 1.2) * RATE))):
                t = i / RATE - begin
                envelope = math.exp(-3.5 * t) * min(1.0, t / 0.005)
                out[i] += 0.22 * envelope * (math.sin(2 * math.pi * freq * t)
                                             + 0.25 * math.sin(4 * math.pi * freq * t))
    fade = int(0.05 * RATE)  # no click where the loop starts again
    for i in range(fade):
        out[i] *= i / fade
        out[total - 1 - i] *= i / fade
    peak = max(abs(x) for x in out)
    return [0.7 * x / peak for x in out]


def mulaw(sample: float) -> int:
    """One sample (-1..1) as a G.711 mu-law byte."""
    value = max(-32635, min(32635, int(sample * 32767)))
    sign = 0x80 if value < 0 else 0
    value = abs(value) + 0x84
    exponent = max(0, min(7, value.bit_length() - 8))
    mantissa = (value >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def wav(data: bytes) -> bytes:
    """A mu-law WAV file (format 7) around the encoded bytes."""
    fmt = struct.pack("<HHIIHHH", 7, 1, RATE, RATE, 1, 8, 0)
    fact = struct.pack("<I", len(data))
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<I", 4) + fact
            + b"data" + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b""))
    return b"RIFF" + struct.pack("<I", len(body)) + body


def main(argv: list[str] | None = None) -> int:
    """Write the clip and print its sha256 (for the manifest)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    data = wav(bytes(mulaw(x) for x in samples()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data)} bytes, {SECONDS:.0f} s, sha256 {hashlib.sha256(data).hexdigest()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
