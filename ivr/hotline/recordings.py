"""Voice messages: copy each Twilio recording into instance storage, then delete it at Twilio."""

from __future__ import annotations

import base64
import logging
import os
import re
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ivr.hotline import callbacks
from ivr.settings import Settings
from ivr.store.db import callbacks as callbacks_table
from ivr.store.db import task_history
from ivr.telephony.rest import available
from ivr.telephony.rest import credentials

log = logging.getLogger(__name__)
TIMEOUT = 30.0
"""Seconds one REST request to Twilio may take."""
_SID = re.compile(r"^RE[0-9a-fA-F]{32}$")
STATES = ("ready", "copying", "no_account", "deleted", "unavailable", "none")
"""A voice message as staff see it: stored here, still being copied from Twilio, stuck at Twilio without an account
to fetch it with, deleted by the retention rules, lost otherwise (a file missing), or none left."""


class RecordingError(RuntimeError):
    """Twilio did not hand over or delete a recording; the job fails and RQ retries it."""


def api_base(settings: Settings) -> str:
    """Twilio's REST base URL: TWILIO_API_BASE, else api[.edge][.region].twilio.com."""
    if settings.twilio_api_base:
        return settings.twilio_api_base.rstrip("/")
    host = ".".join(p for p in ("api", settings.twilio_edge, settings.twilio_region) if p)
    if settings.twilio_edge and not settings.twilio_region:
        host += ".us1"  # an edge needs a region; us1 is Twilio's default one
    return f"https://{host}.twilio.com"


def folder(settings: Settings) -> Path:
    """The folder voice messages are kept in (readable by the service user only)."""
    return Path(settings.instance_dir) / "recordings"


def _request(settings: Settings, method: str, url: str) -> tuple[int, bytes]:
    user, secret = credentials(settings)
    auth = base64.b64encode(f"{user}:{secret}".encode()).decode()
    req = urllib.request.Request(url, method=method, headers={"Authorization": f"Basic {auth}"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as response:  # noqa: S310 (https or the test stand-in)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise RecordingError(f"Twilio unreachable: {type(exc).__name__}") from None


def _resource(settings: Settings, sid: str) -> str:
    if not _SID.match(sid or "") or not settings.twilio_account_sid:
        raise RecordingError("recording sid or TWILIO_ACCOUNT_SID missing or malformed")
    return f"{api_base(settings)}/2010-04-01/Accounts/{settings.twilio_account_sid}/Recordings/{sid}"


def download(settings: Settings, sid: str) -> bytes:
    """The WAV of a recording still at Twilio (URL rebuilt from its SID); RecordingError when not handed over."""
    status, body = _request(settings, "GET", _resource(settings, sid) + ".wav")
    if status != 200 or not body:
        raise RecordingError(f"recording {sid}: download answered {status}")
    return body


def fetch(engine: Engine, settings: Settings, task_id: int, now: datetime) -> str:
    """Download a task's recording, store it, delete it at Twilio; safe to run again."""
    with engine.connect() as conn:
        task = callbacks.get(conn, task_id)
    if task is None or not task["recording_sid"]:
        return "nothing to fetch"
    keep = task["phone"] is not None and task["status"] == "open"  # closed or erased: only delete at Twilio
    sid = task["recording_sid"]
    resource = _resource(settings, sid)
    path = folder(settings) / f"{task_id}-{sid}.wav"
    if keep and not task["recording_path"]:
        body = download(settings, sid)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".part")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
        with engine.begin() as conn:
            conn.execute(callbacks_table.update().where(callbacks_table.c.id == task_id)
                         .values(recording_path=path.name, updated_at=now))
    status, _ = _request(settings, "DELETE", resource + ".json")
    if status not in (200, 204, 404):
        raise RecordingError(f"recording {sid}: delete answered {status}")
    with engine.begin() as conn:  # the copy at Twilio is gone: its URL means nothing now
        conn.execute(callbacks_table.update().where(callbacks_table.c.id == task_id).values(recording_url=None))
    log.info("task %s: recording %s %s and deleted at Twilio", task_id, sid, "stored" if keep else "not kept")
    return "stored" if keep else "deleted"


def state(settings: Settings, task: dict) -> str:
    """What became of a task's voice message (one of STATES), for the workbench."""
    if task.get("recording_path"):
        return "ready" if open_file(settings, task) is not None else "unavailable"
    if task.get("recording_url"):
        if not available(settings):
            return "no_account"
        return "copying" if task.get("recording_sid") else "unavailable"
    return "deleted" if task.get("recording_sid") else "none"


def note_no_account(engine: Engine, task_id: int, now: datetime) -> bool:
    """Record once in the task's history that its voice message cannot be copied (no Twilio account); True the
    first time, so the caller of this logs it once instead of failing and retrying."""
    with engine.begin() as conn:
        noted = conn.execute(sa.select(task_history.c.id).where(task_history.c.callback_id == task_id)
                             .where(task_history.c.kind == "recording")
                             .where(task_history.c.outcome == "no_twilio_account")).first()
        if noted is not None or callbacks.get(conn, task_id) is None:
            return False
        callbacks.record_step(conn, task_id, "system", "recording", now, outcome="no_twilio_account")
    return True


def pending(engine: Engine, limit: int = 200) -> list[int]:
    """Ids of tasks whose recording is still only at Twilio."""
    query = (sa.select(callbacks_table.c.id).where(callbacks_table.c.recording_sid.is_not(None))
             .where(callbacks_table.c.recording_url.is_not(None))
             .order_by(callbacks_table.c.id).limit(limit))
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(query)]


def open_file(settings: Settings, task: dict) -> Path | None:
    """Return the stored voice message of a task (for authorised staff only), or None."""
    name = task.get("recording_path")
    if not name:
        return None
    path = (folder(settings) / name).resolve()
    if path.parent != folder(settings).resolve() or not path.is_file():
        return None
    return path


def remove(settings: Settings, name: str | None) -> bool:
    """Delete a stored voice message file; True when one was deleted."""
    if not name:
        return False
    path = folder(settings) / Path(name).name
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
