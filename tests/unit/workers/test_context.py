"""The worker's context follows published config changes and refuses broken ones."""

from __future__ import annotations

import os
import shutil

from ivr.settings import ROOT
from workers import context


def test_config_change_reaches_running_jobs(tmp_path, settings, monkeypatch):
    config = tmp_path / "config.yaml"
    shutil.copy(ROOT / "config.yaml", config)
    env = {"TWILIO_AUTH_TOKEN": "t", "SECRET_KEY": "s", "DATABASE_URL": settings.database_url,
           "IVR_CONFIG": str(config), "IVR_INSTANCE_DIR": str(tmp_path)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("REDIS_URL", raising=False)
    context.reset()
    try:
        assert context.get().settings.desks["info"].callback_promise_hours == 8
        config.write_text(config.read_text().replace("callback_promise_hours: 8", "callback_promise_hours: 4"))
        os.utime(config, (1, 1))  # a distinct mtime even within the same second
        assert context.get().settings.desks["info"].callback_promise_hours == 4
        config.write_text(config.read_text().replace("callback_promise_hours: 4", "callback_promise_hours: -1"))
        os.utime(config, (2, 2))
        assert context.get().settings.desks["info"].callback_promise_hours == 4  # broken change refused
    finally:
        context.get().close()
        context.reset()
