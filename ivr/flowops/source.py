"""The I/O shell around the pure compiler: read the flow files and the audio folder, turn config.yaml into values."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ivr.core.errors import FlowValidationError
from ivr.core.yamldoc import Problem
from ivr.engine import compiler
from ivr.engine.compiler import FlowConfig
from ivr.engine.compiler import Source
from ivr.engine.model import Bundle
from ivr.engine.model import LanguageInfo
from ivr.settings import FileConfig


def read_files(flows_dir: str | Path, files: Iterable[str | Path] | None = None) -> list[Source]:
    """Return (path, text) of the flow files to load: the given ones, or every *.yaml in flows_dir."""
    paths = [Path(f) for f in files] if files else sorted(Path(flows_dir).glob("*.yaml"))
    return [(str(p), p.read_text(encoding="utf-8")) for p in paths]


def audio_names(audio_dir: str | Path) -> frozenset[str]:
    """The files under the audio folder, as paths relative to it ("de/welcome.wav"); none when it is missing."""
    root = Path(audio_dir)
    if not root.is_dir():
        return frozenset()
    return frozenset(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def flow_config(config: FileConfig) -> FlowConfig:
    """The values of config.yaml the compiler needs."""
    return FlowConfig(
        languages={lid: LanguageInfo(lid, lang.name, lang.voice, lang.tts_language, audio=not lang.uses_tts)
                   for lid, lang in config.languages.items()},
        desk_numbers={k: d.number for k, d in config.desks.items()},
        promise_hours={k: d.callback_promise_hours for k, d in config.desks.items()},
        default_language=config.hotline.default_language,
        fallback_desk=config.hotline.fallback_desk,
        menu_timeout=config.menus.timeout_seconds,
        menu_retries=config.menus.max_retries,
        dial_timeout=config.dial.timeout_seconds,
        entry_attempts=config.callbacks.max_entry_attempts,
        recording_seconds=config.callbacks.recording_max_seconds,
        callback_limit=config.callbacks.per_number_daily_limit,
        desk_connect={k: d.connect for k, d in config.desks.items()},
        static={"controller": config.privacy.controller, "privacy_url": config.privacy.url},
        fingerprint=config.model_dump_json(),
    )


def compile_sources(sources: list[Source], config: FileConfig,
                    audio_dir: str | Path) -> tuple[Bundle | None, list[Problem]]:
    """Compile given texts against config.yaml and the audio folder as it is on disk."""
    return compiler.compile(sources, flow_config(config), audio_names(audio_dir))


def load_bundle(flows_dir: str | Path, config: FileConfig, audio_dir: str | Path,
                files: Iterable[str | Path] | None = None) -> Bundle:
    """Load and compile the flow files; raise FlowValidationError listing every problem."""
    bundle, problems = compile_sources(read_files(flows_dir, files), config, audio_dir)
    if bundle is None:
        raise FlowValidationError(problems)
    return bundle
