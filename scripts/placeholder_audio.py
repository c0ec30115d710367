#!/usr/bin/env python3
"""Regenerate placeholder audio for the caller languages that play recorded prompts instead of Twilio TTS.

Which languages: every language in config.yaml whose `voice` is null, and every language that carries a
`tts_opt_in` key that is not `true` (Ukrainian, whose Twilio voice name is unverified). The texts come from
flows/prompts.yaml; espeak-ng speaks them and sox turns them into 8 kHz mono 8-bit mu-law WAV, the format
Twilio plays without transcoding.

File convention (a contract with the IVR engine, which applies the same rule itself):
- files live in ivr/static/audio/<lang>/;
- a text without runtime placeholders ({digits}, {weekday}, {time}, {number}, {day}, {month}) is <prompt_id>.wav;
- a text with runtime placeholders is split at them; each static segment that contains a letter becomes
  <prompt_id>.<i>.wav, with i counting those segments from 0 in order;
- clips: digit_0..digit_9, weekday_0 (Monday)..weekday_6 (Sunday), number_0..number_99, month_1..month_12 (the
  form after a day of the month), as words ({day} is a number clip);
- load-time placeholders ({controller}, {privacy_url}) are filled in from config.yaml before synthesis.

flows/audio-manifest.yaml records every file with its sha256 and status. A file whose entry says
`status: recorded` is a human recording: re-runs neither overwrite it nor touch its entry.

Usage:
    python3 scripts/placeholder_audio.py                 # all audio languages
    python3 scripts/placeholder_audio.py --lang fa       # one language
    python3 scripts/placeholder_audio.py --check         # only report missing files (exit 1 if any)
    python3 scripts/placeholder_audio.py --out DIR --lang fa --only goodbye   # one prompt into DIR (tests)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = REPO / "config.yaml"
DEFAULT_PROMPTS = REPO / "flows" / "prompts.yaml"
DEFAULT_AUDIO_ROOT = REPO / "ivr" / "static" / "audio"
DEFAULT_MANIFEST = REPO / "flows" / "audio-manifest.yaml"

RUNTIME_PLACEHOLDERS = ("digits", "weekday", "time", "number", "day", "month")
RUNTIME_RE = re.compile(r"\{(?:" + "|".join(RUNTIME_PLACEHOLDERS) + r")\}")
# Load-time placeholder -> (config section, key).
LOAD_TIME_PLACEHOLDERS = {"controller": ("privacy", "controller"), "privacy_url": ("privacy", "url")}
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
LEADING_PUNCT_RE = re.compile(r"^[\W_]+")
# A "letter": a word character that is neither a digit nor "_" (the same test as the engine's).
LETTER_RE = re.compile(r"[^\W\d_]")

# espeak-ng has no "kmr" voice; its "ku" voice is Kurmanji in Latin script.
ESPEAK_VOICES = {"fa": "fa", "kmr": "ku", "uk": "uk"}
SPEED_WPM = 150
REQUIRED_TOOLS = ("espeak-ng", "sox")
EXIT_USAGE = 2  # bad arguments or missing tools; 1 means missing files or catalogue problems

# Number words are spelled out here instead of letting espeak-ng read numerals, so that a reviewer can read
# exactly what each clip says. Index 0-9 are also the digit clips.
UNITS = {
    "fa": ["صفر", "یک", "دو", "سه", "چهار", "پنج", "شش", "هفت", "هشت", "نه"],
    "kmr": ["sifir", "yek", "du", "sê", "çar", "pênc", "şeş", "heft", "heşt", "neh"],
    "uk": ["нуль", "один", "два", "три", "чотири", "п'ять", "шість", "сім", "вісім", "дев'ять"],
}
TEENS = {
    "fa": ["ده", "یازده", "دوازده", "سیزده", "چهارده", "پانزده", "شانزده", "هفده", "هجده", "نوزده"],
    "kmr": ["deh", "yazdeh", "dozdeh", "sêzdeh", "çardeh", "pazdeh", "şazdeh", "hevdeh", "hejdeh", "nozdeh"],
    "uk": ["десять", "одинадцять", "дванадцять", "тринадцять", "чотирнадцять", "п'ятнадцять", "шістнадцять",
           "сімнадцять", "вісімнадцять", "дев'ятнадцять"],
}
TENS = {  # index 2..9 -> 20..90
    "fa": ["", "", "بیست", "سی", "چهل", "پنجاه", "شصت", "هفتاد", "هشتاد", "نود"],
    "kmr": ["", "", "bîst", "sî", "çil", "pêncî", "şêst", "heftê", "heştê", "nod"],
    "uk": ["", "", "двадцять", "тридцять", "сорок", "п'ятдесят", "шістдесят", "сімдесят", "вісімдесят",
           "дев'яносто"],
}
TENS_JOINER = {"fa": " و ", "kmr": " û ", "uk": " "}  # "twenty-one": بیست و یک, bîst û yek, двадцять один
# Monday first; the nominative, which is the form the prompt texts expect.
WEEKDAYS = {
    "fa": ["دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه"],
    "kmr": ["Duşem", "Sêşem", "Çarşem", "Pêncşem", "În", "Şemî", "Yekşem"],
    "uk": ["понеділок", "вівторок", "середа", "четвер", "п'ятниця", "субота", "неділя"],
}

MONTHS = {  # the same words as the month_N prompts of flows/prompts.yaml
    "fa": ["ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر", "اکتبر", "نوامبر", "دسامبر"],
    "kmr": ["Çile", "Sibat", "Adar", "Nîsan", "Gulan", "Hezîran", "Tîrmeh", "Tebax", "Îlon", "Cotmeh", "Mijdar",
            "Berfanbar"],
    "uk": ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня",
           "листопада", "грудня"],
}

MANIFEST_HEADER = (
    "# Audio files for the languages without Twilio TTS, written by scripts/placeholder_audio.py.\n"
    "# languages: review status of each language's prompt TEXT (flows/prompts.yaml).\n"
    "# files: status placeholder = espeak-ng output; status recorded = a human recording.\n"
    "# When you replace a file with a recording, set its status to recorded (and its sha256):\n"
    "# the script then never overwrites it.\n"
    "# music: other clips (hold music) and their licence; scripts/hold_music.py writes hold/music.wav.\n"
)


@dataclass(frozen=True)
class AudioFile:
    """One expected audio file: where it goes, what it says, and its manifest fields."""

    lang: str
    name: str
    text: str
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        """Path relative to the audio root, as used in the manifest."""
        return f"{self.lang}/{self.name}"


def load_yaml(path: Path) -> dict:
    """Read a YAML file into a dict."""
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def audio_languages(config: dict) -> list[str]:
    """Languages that play recorded audio: no Twilio voice, or a voice not (yet) opted in."""
    return [
        code
        for code, lang in config["languages"].items()
        if lang.get("voice") is None or ("tts_opt_in" in lang and lang["tts_opt_in"] is not True)
    ]


def static_segments(text: str) -> list[str]:
    """Split a text at runtime placeholders and keep the stripped segments that contain a letter."""
    return [part.strip() for part in RUNTIME_RE.split(text) if LETTER_RE.search(part)]


def prompt_file_names(prompt_id: str, text: str) -> list[tuple[str, str, int | None]]:
    """Return (file name, segment text, segment index or None) for one prompt text."""
    if not RUNTIME_RE.search(text):
        return [(f"{prompt_id}.wav", text.strip(), None)]
    return [(f"{prompt_id}.{i}.wav", seg, i) for i, seg in enumerate(static_segments(text))]


def fill_load_time(text: str, config: dict) -> str:
    """Replace {controller} and {privacy_url} with their config.yaml values."""
    for name, (section, key) in LOAD_TIME_PLACEHOLDERS.items():
        text = text.replace("{" + name + "}", str(config[section][key]))
    return text


def number_words(lang: str, n: int) -> str:
    """Spell out 0..99 in a language."""
    if n < 10:
        return UNITS[lang][n]
    if n < 20:
        return TEENS[lang][n - 10]
    tens, unit = divmod(n, 10)
    word = TENS[lang][tens]
    return word if unit == 0 else word + TENS_JOINER[lang] + UNITS[lang][unit]


def clip_files(lang: str) -> list[AudioFile]:
    """The digit, weekday and number clips of one language."""
    if lang not in UNITS or lang not in WEEKDAYS or lang not in MONTHS:
        raise KeyError(f"no digit/number/weekday words for {lang!r}: add them to {Path(__file__).name}")
    clips = [(f"digit_{d}", UNITS[lang][d]) for d in range(10)]
    clips += [(f"weekday_{d}", WEEKDAYS[lang][d]) for d in range(7)]
    clips += [(f"number_{n}", number_words(lang, n)) for n in range(100)]
    clips += [(f"month_{m + 1}", MONTHS[lang][m]) for m in range(12)]
    return [AudioFile(lang, f"{name}.wav", words, {"clip": name}) for name, words in clips]


def is_optional(prompt_id: str) -> bool:
    """Whether a prompt may lack a language (greeting: German only; lang_<code>: its own language only)."""
    return prompt_id == "greeting" or prompt_id.startswith("lang_")


def catalogue_problems(prompts: dict, lang: str) -> list[str]:
    """Report prompts that lack this language or use a placeholder outside the allowed set."""
    allowed = set(RUNTIME_PLACEHOLDERS) | set(LOAD_TIME_PLACEHOLDERS)
    problems = []
    for prompt_id, texts in prompts.items():
        text = texts.get(lang)
        if text is None:
            if not is_optional(prompt_id):
                problems.append(f"prompts.yaml: {prompt_id} has no {lang} text")
            continue
        for name in PLACEHOLDER_RE.findall(text):
            if name not in allowed:
                problems.append(f"prompts.yaml: {prompt_id}.{lang} uses unknown placeholder {{{name}}}")
    return problems


def prompt_files(prompts: dict, config: dict, lang: str) -> list[AudioFile]:
    """The prompt files of one language, in catalogue order."""
    files = []
    for prompt_id, texts in prompts.items():
        if lang not in texts:
            continue
        text = fill_load_time(texts[lang], config)
        for name, segment, index in prompt_file_names(prompt_id, text):
            meta = {"prompt": prompt_id} if index is None else {"prompt": prompt_id, "segment": index}
            # A segment after a placeholder starts with its punctuation (". Ist das richtig?"): not spoken.
            files.append(AudioFile(lang, name, LEADING_PUNCT_RE.sub("", segment), meta))
    return files


def expected_files(prompts: dict, config: dict, lang: str, only: str | None = None) -> list[AudioFile]:
    """Every file a language needs, optionally limited to one prompt id or clip name."""
    files = prompt_files(prompts, config, lang) + clip_files(lang)
    if only is not None:
        files = [f for f in files if f.meta.get("prompt", f.meta.get("clip")) == only]
    return files


def missing_tools() -> list[str]:
    """The external programs this script needs that are not on PATH."""
    return [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]


def espeak_version() -> str:
    """The installed espeak-ng version, e.g. 1.51."""
    out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"text-to-speech:\s*(\S+)", out)
    return match.group(1) if match else out.strip()


def synthesize(text: str, voice: str, dest: Path) -> None:
    """Speak text with espeak-ng and write it to dest as 8 kHz mono mu-law WAV."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    # A partial file must never replace a good one, so sox writes beside dest and we rename at the end.
    partial = dest.with_name(dest.name + ".partial.wav")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "espeak.wav"
        # Text goes through stdin so that a text starting with "-" is never taken for an option.
        espeak = subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(SPEED_WPM), "-b", "1", "-w", str(raw), "--stdin"],
            input=text.encode("utf-8"), capture_output=True,
        )
        if espeak.returncode != 0 or not raw.exists() or raw.stat().st_size == 0:
            detail = espeak.stderr.decode().strip()
            raise RuntimeError(f"espeak-ng failed for {dest.name} (voice {voice}): {detail}")
        # Trim espeak's leading and trailing silence: clips are chained around runtime values, and long gaps
        # there sound broken. A short pad keeps the joins from clicking; norm keeps mu-law's resolution.
        # -D turns off dither, whose random noise would change every file's sha256 on each run.
        sox = subprocess.run(
            ["sox", "-D", str(raw), "-r", "8000", "-c", "1", "-e", "u-law", "-b", "8", str(partial),
             "silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse",
             "pad", "0.05", "0.1", "norm", "-3"],
            capture_output=True,
        )
        if sox.returncode != 0:
            partial.unlink(missing_ok=True)
            raise RuntimeError(f"sox failed for {dest.name}: {sox.stderr.decode().strip()}")
    os.replace(partial, dest)


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def language_status(config: dict, old: dict) -> dict:
    """Review status of each language's text, keeping what a reviewer already set."""
    default = config.get("hotline", {}).get("default_language", "de")
    status = {}
    for code in config["languages"]:
        if code in old:
            status[code] = old[code]
        elif code == default:
            status[code] = {"text": "reviewed"}
        else:
            status[code] = {"text": "machine-drafted", "note": "awaiting review by a native speaker"}
    return status


def write_manifest(path: Path, manifest: dict) -> None:
    """Write the manifest with one flow-style line per file, sorted for stable diffs."""
    manifest["files"] = dict(sorted(manifest["files"].items()))
    body = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, default_flow_style=None, width=200)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(MANIFEST_HEADER + body, encoding="utf-8")


def folder_size(root: Path, langs: list[str]) -> int:
    """Total bytes of the WAV files of these languages."""
    return sum(p.stat().st_size for lang in langs for p in (root / lang).glob("*.wav"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", action="append", help="limit to this language (repeatable)")
    parser.add_argument("--only", metavar="NAME", help="limit to one prompt id or clip (goodbye, digit_3)")
    parser.add_argument("--check", action="store_true", help="only report missing files; exit 1 if any")
    parser.add_argument("--out", type=Path, metavar="DIR", help=f"audio root (default {DEFAULT_AUDIO_ROOT})")
    parser.add_argument("--manifest", type=Path, help="manifest path (default flows/audio-manifest.yaml, "
                        "or DIR/audio-manifest.yaml with --out)")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help=argparse.SUPPRESS)
    parser.add_argument("--prompts", type=Path, default=DEFAULT_PROMPTS, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Generate or check the placeholder audio; return the exit code."""
    args = parse_args(argv)
    config = load_yaml(args.config)
    prompts = load_yaml(args.prompts)["prompts"]
    root = args.out or DEFAULT_AUDIO_ROOT
    manifest_path = args.manifest or (args.out / "audio-manifest.yaml" if args.out else DEFAULT_MANIFEST)

    all_langs = audio_languages(config)
    langs = args.lang or all_langs
    unknown = [lang for lang in langs if lang not in all_langs]
    if unknown:
        print(f"error: {', '.join(unknown)} use TTS, not audio; audio languages: {', '.join(all_langs)}",
              file=sys.stderr)
        return EXIT_USAGE

    problems = [p for lang in langs for p in catalogue_problems(prompts, lang)]
    problems += [f"{Path(__file__).name}: no digit, number or weekday words for {lang}; add them to UNITS, "
                 "TEENS, TENS and WEEKDAYS" for lang in langs if lang not in UNITS or lang not in WEEKDAYS]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    files = [f for lang in langs for f in expected_files(prompts, config, lang, args.only)]
    if not files:
        print(f"error: no prompt or clip named {args.only!r} in {', '.join(langs)}", file=sys.stderr)
        return EXIT_USAGE

    if args.check:
        missing = [f.key for f in files if not (root / f.key).is_file()]
        for key in missing:
            print(f"missing: {root / key}")
        print(f"{len(files) - len(missing)} of {len(files)} expected audio files present in {root}")
        return 1 if missing else 0

    absent = missing_tools()
    if absent:
        print(f"error: {' and '.join(absent)} not found on PATH; "
              "install with: apt-get install -y espeak-ng sox", file=sys.stderr)
        return EXIT_USAGE

    old = load_yaml(manifest_path) if manifest_path.exists() else {}
    entries = dict(old.get("files") or {})
    written = kept = 0
    for f in files:
        entry = entries.get(f.key) or {}
        if entry.get("status") == "recorded":
            kept += 1
            if not (root / f.key).is_file():
                print(f"warning: {f.key} is marked recorded but the file is missing", file=sys.stderr)
            continue
        voice = ESPEAK_VOICES.get(f.lang, f.lang)
        synthesize(f.text, voice, root / f.key)
        digest = sha256(root / f.key)
        entries[f.key] = {"language": f.lang, **f.meta, "status": "placeholder", "sha256": digest}
        written += 1

    if args.only is None:
        # A full run of a language also drops placeholders of prompts that no longer exist.
        expected = {f.key for f in files}
        for key in [k for k in entries if k.split("/", 1)[0] in langs and k not in expected]:
            if entries[key].get("status") != "recorded":
                (root / key).unlink(missing_ok=True)
                del entries[key]

    manifest = {
        "spec_version": 1,
        "kind": "audio-manifest",
        "generator": f"scripts/placeholder_audio.py (espeak-ng {espeak_version()})",
        "languages": language_status(config, old.get("languages") or {}),
        "files": entries,
    }
    if old.get("music"):  # the hold music (scripts/hold_music.py) with its licence: not this script's
        manifest["music"] = old["music"]
    write_manifest(manifest_path, manifest)
    size_kib = folder_size(root, langs) / 1024
    print(f"wrote {written} files, kept {kept} recorded; {', '.join(langs)}: {size_kib:.0f} KiB in {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
