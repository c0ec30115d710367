"""Tests of scripts/placeholder_audio.py: the audio file-naming rule, --check, and one real synthesis.

These tests need espeak-ng and sox (CI installs them). They fail, never skip, when the tools are missing.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import yaml

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "placeholder_audio.py"
LANGUAGES = ["de", "ar", "uk", "tr", "fa", "kmr", "en", "ru"]


def load_script() -> ModuleType:
    """Import the standalone script as a module."""
    spec = importlib.util.spec_from_file_location("placeholder_audio", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules, so register it before running it.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


pa = load_script()


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the script as CI and operators do."""
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env,
                          timeout=120)


def wav_format(path: Path) -> tuple[int, int, int, int]:
    """Return (format tag, channels, sample rate, bits per sample) from a WAV file's fmt chunk."""
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    pos = 12
    while pos + 8 <= len(data):
        chunk_id, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if chunk_id == b"fmt ":
            tag, channels, rate = struct.unpack("<HHI", data[pos + 8:pos + 16])
            bits = struct.unpack("<H", data[pos + 22:pos + 24])[0]
            return tag, channels, rate, bits
        pos += 8 + size + (size & 1)
    raise AssertionError(f"{path} has no fmt chunk")


def test_tools_are_installed() -> None:
    """espeak-ng and sox with the voices the script uses are on PATH (CI must apt-get install them)."""
    assert shutil.which("espeak-ng"), "espeak-ng missing: apt-get install -y espeak-ng sox"
    assert shutil.which("sox"), "sox missing: apt-get install -y espeak-ng sox"
    voices = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=True).stdout
    names = {line.split()[1] for line in voices.splitlines()[1:] if line.split()}
    assert set(pa.ESPEAK_VOICES.values()) <= names


def test_split_at_runtime_placeholders() -> None:
    """Static text around runtime placeholders becomes numbered segments."""
    text = "Wir sind wieder da am {weekday} um {time} Uhr."
    assert pa.static_segments(text) == ["Wir sind wieder da am", "um", "Uhr."]
    assert [name for name, _, _ in pa.prompt_file_names("open_again", text)] == [
        "open_again.0.wav", "open_again.1.wav", "open_again.2.wav"]


def test_segments_without_letters_are_not_counted() -> None:
    """Punctuation- or digit-only parts get no file, and the numbering skips them."""
    assert pa.static_segments("{weekday} günü saat {time}.") == ["günü saat"]
    assert pa.static_segments("Nummer: {digits} 0 0, {number}. Richtig?") == ["Nummer:", ". Richtig?"]
    names = [name for name, _, _ in pa.prompt_file_names("p", "{digits}. Ist das richtig? {number} ...")]
    assert names == ["p.0.wav"]


def test_text_without_runtime_placeholders_is_one_file() -> None:
    """Load-time placeholders do not split a prompt."""
    assert pa.prompt_file_names("privacy", "Verantwortlich: {controller}.") == [
        ("privacy.wav", "Verantwortlich: {controller}.", None)]


def test_audio_languages() -> None:
    """Audio languages: no voice, or a tts_opt_in that is not true."""
    config = {"languages": {
        "de": {"voice": "Polly.Vicki-Neural"},
        "uk": {"voice": "Google.uk-UA-Standard-A", "tts_opt_in": False},
        "fa": {"voice": None},
    }}
    assert pa.audio_languages(config) == ["uk", "fa"]
    config["languages"]["uk"]["tts_opt_in"] = True
    assert pa.audio_languages(config) == ["fa"]
    assert pa.audio_languages(pa.load_yaml(pa.DEFAULT_CONFIG)) == ["uk", "fa", "kmr"]


def test_prompt_catalogue_is_complete() -> None:
    """Every prompt has its languages, and every language of a prompt has the same placeholders."""
    prompts = pa.load_yaml(pa.DEFAULT_PROMPTS)["prompts"]
    for prompt_id, texts in prompts.items():
        if prompt_id == "greeting":
            expected = {"de", "en"}
        elif prompt_id.startswith("lang_"):
            expected = {prompt_id.removeprefix("lang_")}
        else:
            expected = set(LANGUAGES)
        assert set(texts) == expected, prompt_id
        placeholders = {lang: set(pa.PLACEHOLDER_RE.findall(text)) for lang, text in texts.items()}
        assert len({frozenset(p) for p in placeholders.values()}) == 1, (prompt_id, placeholders)
    for lang in pa.audio_languages(pa.load_yaml(pa.DEFAULT_CONFIG)):
        assert pa.catalogue_problems(prompts, lang) == []


def test_number_words() -> None:
    """Numbers are spelled out, and 0..99 are all different words."""
    assert pa.number_words("fa", 24) == "بیست و چهار"
    assert pa.number_words("kmr", 45) == "çil û pênc"
    assert pa.number_words("uk", 21) == "двадцять один"
    for lang in pa.UNITS:
        assert len({pa.number_words(lang, n) for n in range(100)}) == 100


def test_expected_files_of_one_language() -> None:
    """A language gets its own lang_ prompt, no greeting, split prompts, and all clips."""
    config = pa.load_yaml(pa.DEFAULT_CONFIG)
    prompts = pa.load_yaml(pa.DEFAULT_PROMPTS)["prompts"]
    names = {f.name for f in pa.expected_files(prompts, config, "fa")}
    assert "lang_fa.wav" in names and "lang_de.wav" not in names and "greeting.wav" not in names
    assert {"open_again.0.wav", "privacy.wav", "digit_9.wav", "weekday_6.wav", "number_99.wav"} <= names
    (privacy,) = pa.expected_files(prompts, config, "fa", "privacy")
    assert config["privacy"]["url"] in privacy.text and "{" not in privacy.text


def test_check_reports_missing_files(tmp_path: Path) -> None:
    """--check lists what is missing and exits 1."""
    result = run("--check", "--out", str(tmp_path), "--lang", "fa")
    assert result.returncode == 1
    assert "missing:" in result.stdout and "fa/privacy.wav" in result.stdout


def test_generate_one_prompt(tmp_path: Path) -> None:
    """--only writes one 8 kHz mono mu-law WAV and its manifest entry; --check then passes for it."""
    result = run("--out", str(tmp_path), "--lang", "kmr", "--only", "goodbye")
    assert result.returncode == 0, result.stderr
    wav = tmp_path / "kmr" / "goodbye.wav"
    assert wav_format(wav) == (7, 1, 8000, 8)  # 7 = WAVE_FORMAT_MULAW
    manifest = yaml.safe_load((tmp_path / "audio-manifest.yaml").read_text(encoding="utf-8"))
    expected = {"language": "kmr", "prompt": "goodbye", "status": "placeholder", "sha256": pa.sha256(wav)}
    assert manifest["files"]["kmr/goodbye.wav"] == expected
    assert manifest["languages"]["de"] == {"text": "reviewed"}
    assert run("--check", "--out", str(tmp_path), "--lang", "kmr", "--only", "goodbye").returncode == 0


def test_recorded_files_are_kept(tmp_path: Path) -> None:
    """A file marked recorded is neither overwritten nor its entry changed."""
    assert run("--out", str(tmp_path), "--lang", "uk", "--only", "goodbye").returncode == 0
    wav = tmp_path / "uk" / "goodbye.wav"
    wav.write_bytes(b"a human recording")
    manifest_path = tmp_path / "audio-manifest.yaml"
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    recorded = {"language": "uk", "prompt": "goodbye", "status": "recorded", "sha256": pa.sha256(wav)}
    manifest["files"]["uk/goodbye.wav"] = recorded
    manifest_path.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")

    result = run("--out", str(tmp_path), "--lang", "uk", "--only", "goodbye")
    assert result.returncode == 0, result.stderr
    assert "kept 1 recorded" in result.stdout
    assert wav.read_bytes() == b"a human recording"
    assert yaml.safe_load(manifest_path.read_text(encoding="utf-8"))["files"]["uk/goodbye.wav"] == recorded


def test_missing_tools_fail_clearly(tmp_path: Path) -> None:
    """Without espeak-ng and sox on PATH the script says how to install them and exits 2."""
    env = dict(os.environ, PATH=str(tmp_path))
    result = run("--out", str(tmp_path), "--lang", "fa", "--only", "goodbye", env=env)
    assert result.returncode == 2
    assert "espeak-ng" in result.stderr and "apt-get install" in result.stderr
    assert not (tmp_path / "fa").exists()
