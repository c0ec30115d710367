"""The flows a process serves: the current bundle, and older ones that calls in progress started on."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from ivr.engine.loader import load_bundle
from ivr.engine.model import Bundle
from ivr.errors import ProblemsError
from ivr.settings import Settings
from ivr.settings import load_config

log = logging.getLogger(__name__)
KEEP_VERSIONS = 8
"""Older bundles kept in memory, so a call finishes on the version it started with."""


class FlowStore:
    """Loads flows at start (refusing invalid ones) and swaps in new versions only when they are valid."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._versions: OrderedDict[str, Bundle] = OrderedDict()
        bundle = load_bundle(settings.flows_dir, settings.config, settings.audio_dir)
        self._install(bundle)

    def _install(self, bundle: Bundle) -> None:
        with self._lock:
            self._versions[bundle.version] = bundle
            self._versions.move_to_end(bundle.version)
            while len(self._versions) > KEEP_VERSIONS:
                self._versions.popitem(last=False)
            self.current = bundle
        for warning in bundle.warnings:
            log.warning("flows %s: %s", bundle.version, warning)

    def get(self, version: str) -> Bundle | None:
        """Return the bundle of a version if this process has it."""
        return self._versions.get(version)

    def reload(self) -> Bundle:
        """Load flows and config again; keep the running version and raise ProblemsError when invalid."""
        config = load_config(self.settings.config_path)
        bundle = load_bundle(self.settings.flows_dir, config, self.settings.audio_dir)
        if bundle.version != self.current.version:
            self._install(bundle)
            log.info("flows version %s now live", bundle.version)
        return bundle


__all__ = ["FlowStore", "ProblemsError"]
