"""The flows a process serves: the current bundle, older ones calls started on, and changes published live."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import SQLAlchemyError

from ivr.core.errors import FlowValidationError
from ivr.core.errors import ProblemsError
from ivr.core.yamldoc import YamlSyntaxError
from ivr.core.yamldoc import parse
from ivr.engine.model import Bundle
from ivr.flowops import versions as flowversions
from ivr.flowops.source import compile_sources
from ivr.flowops.versions import Sources
from ivr.settings import FileConfig
from ivr.settings import Settings
from ivr.settings import parse_config

log = logging.getLogger(__name__)
KEEP_VERSIONS = 8
"""Older bundles kept in memory, so a call finishes on the version it started with."""
WATCH_SECONDS = 2.0
"""How often a web process looks for changed files and for a version published elsewhere."""


class FlowStore:
    """Loads flows at start (refusing invalid ones); swaps in new versions only when they pass the checks."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine: Engine | None = None
        self.clock: Callable[[], datetime] | None = None
        self.listeners: list[Callable[[FileConfig], None]] = []
        self._lock = threading.Lock()
        self._versions: OrderedDict[str, Bundle] = OrderedDict()
        self._missing: set[str] = set()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._seen = self._fingerprint()
        sources = Sources.read(settings.flows_dir, settings.config_path)
        bundle, config, problems = self._compile(sources)
        if bundle is None or config is None:
            raise FlowValidationError(problems)
        self._install(bundle, config)

    # --- versions in memory ---------------------------------------------------------------------

    def _label(self) -> str:
        return str(Path(self.settings.flows_dir)) + os.sep

    def _compile(self, sources: Sources) -> tuple[Bundle | None, FileConfig | None, list]:
        """Compile as the runtime does (missing audio drops a language instead of failing)."""
        try:
            config = parse_config(parse(sources.config, self.settings.config_path))
        except ProblemsError as exc:
            return None, None, list(exc.problems)
        except YamlSyntaxError as exc:
            return None, None, [exc.problem]
        named = [(self._label() + name, text) for name, text in sorted(sources.files.items())]
        bundle, problems = compile_sources(named, config, self.settings.audio_dir)
        return bundle, config, problems

    def _install(self, bundle: Bundle, config: FileConfig, current: bool = True) -> None:
        with self._lock:
            self._versions[bundle.version] = bundle
            self._versions.move_to_end(bundle.version)
            while len(self._versions) > KEEP_VERSIONS:
                oldest = next(iter(self._versions))
                if oldest == getattr(self, "current", bundle).version:
                    self._versions.move_to_end(oldest)
                    continue
                self._versions.popitem(last=False)
            if current:
                self.current = bundle
        if current:
            for warning in bundle.warnings:
                log.warning("flows %s: %s", bundle.version, warning)
            for listener in self.listeners:
                listener(config)

    def get(self, version: str) -> Bundle | None:
        """Return the bundle of a version: from memory, else from the shared database."""
        bundle = self._versions.get(version)
        if bundle is not None or self.engine is None or version in self._missing:
            return bundle
        try:
            sources = flowversions.load(self.engine, version)
        except SQLAlchemyError:
            return None
        bundle, config, _ = self._compile(sources) if sources else (None, None, [])
        if bundle is None or config is None or bundle.version != version:
            self._missing.add(version)
            return None
        self._install(bundle, config, current=False)
        return bundle

    # --- sharing through the database -----------------------------------------------------------

    def attach(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        """Register the files' version, or serve the active one when the files' version was rolled back."""
        self.engine, self.clock = engine, clock
        try:
            if not flowversions.known(engine, self.current.version):
                flowversions.publish(engine, self.current.version,
                                     Sources.read(self.settings.flows_dir, self.settings.config_path),
                                     "startup", clock(), record=False)
            self.follow_database()
        except SQLAlchemyError as exc:
            log.warning("flow versions not shared, database unavailable: %s", type(exc).__name__)

    def follow_database(self) -> None:
        """Serve the version that is active in the database (a rollback, or a publish by another instance)."""
        if self.engine is None:
            return
        try:
            active = flowversions.active(self.engine)
        except SQLAlchemyError:
            return
        if active is None or active == self.current.version:
            return
        bundle = self.get(active)
        if bundle is None:
            log.error("flows version %s is active but cannot be loaded; %s stays live", active,
                      self.current.version)
            return
        sources = flowversions.load(self.engine, active)
        _, config, _ = self._compile(sources) if sources else (None, None, [])
        if config is not None:
            self._install(bundle, config)
            log.info("flows version %s now live (active in the database)", active)

    # --- publishing changed files -----------------------------------------------------------------

    def _fingerprint(self) -> tuple:
        paths = sorted(Path(self.settings.flows_dir).glob("*.yaml")) + [Path(self.settings.config_path)]
        marks = []
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue
            marks.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(marks)

    def publish_files(self, actor: str | None = None) -> Bundle:
        """Check the files; if they pass, store them as the active version and serve them; else raise."""
        self._seen = self._fingerprint()
        sources = Sources.read(self.settings.flows_dir, self.settings.config_path)
        report = sources.check(self.settings.audio_dir, self._label())
        if report.bundle is None or report.config is None:
            raise ProblemsError(report.errors())
        bundle = report.bundle
        if self.engine is not None and self.clock is not None:
            actor = actor or self.settings.published_by or f"file-watch@{socket.gethostname()}"
            try:
                if flowversions.active(self.engine) != bundle.version:
                    flowversions.publish(self.engine, bundle.version, sources, actor, self.clock())
            except IntegrityError:
                pass  # another process of this instance published the same files a moment earlier
            except SQLAlchemyError as exc:
                log.warning("flows version %s not stored, database unavailable: %s", bundle.version,
                            type(exc).__name__)
        if bundle.version != self.current.version:
            self._install(bundle, report.config)
            log.info("flows version %s published and live", bundle.version)
        return bundle

    def reload(self) -> Bundle:
        """Publish the files now; keep the running version and raise ProblemsError when they fail."""
        return self.publish_files()

    def poll(self) -> None:
        """One look: changed files are checked and published; a version activated elsewhere is followed."""
        if self._fingerprint() != self._seen:
            try:
                self.publish_files()
            except ProblemsError as exc:
                log.error("flows change rejected, version %s stays live:\n%s", self.current.version,
                          "\n".join(str(p) for p in exc.problems))
                return
        self.follow_database()

    def watch(self, seconds: float = WATCH_SECONDS) -> None:
        """Poll in a background thread of this process (started once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, args=(seconds,), name="flow-watch", daemon=True)
        self._thread.start()

    def _loop(self, seconds: float) -> None:
        while not self._stop.wait(seconds):
            try:
                self.poll()
            except Exception:  # the watcher must never die; the live version keeps serving
                log.exception("flow watcher failed; version %s stays live", self.current.version)

    def stop(self) -> None:
        """Stop the watcher thread."""
        self._stop.set()


__all__ = ["FlowStore", "ProblemsError"]
