"""Published versions in the shared database: stored once, one active, rolled back by id, each in the audit log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ivr.flowops import versions
from ivr.flowops.versions import Sources
from ivr.store.db import audit_log


@pytest.fixture
def sources():
    return Sources.read("flows", "config.yaml")


def test_sources_round_trip_through_json(sources):
    assert Sources.from_json(sources.to_json()) == sources
    assert {"hotline.yaml", "prompts.yaml", "audio-manifest.yaml", "sms.yaml"} == set(sources.files)  # no schema
    assert sources.config == Path("config.yaml").read_text(encoding="utf-8")


def test_publish_stores_once_activates_and_audits(engine, clock, sources):
    assert versions.active(engine) is None and not versions.known(engine, "v1")
    versions.publish(engine, "v1", sources, "olga", clock())
    versions.publish(engine, "v1", sources, "olga", clock())  # a second worker with the same files: no new row
    assert versions.active(engine) == "v1" and versions.known(engine, "v1")
    assert versions.load(engine, "v1") == sources and versions.load(engine, "v2") is None
    assert [(v.id, v.published_by, v.active) for v in versions.history(engine)] == [("v1", "olga", True)]
    with engine.connect() as conn:
        actions = [r.action for r in conn.execute(sa.select(audit_log))]
    assert actions == ["flows.publish", "flows.publish"]


def test_startup_registration_is_not_audited(engine, clock, sources):
    versions.publish(engine, "v1", sources, "startup", clock(), record=False)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar() == 0


def test_one_version_is_active_and_a_rollback_activates_a_stored_one(engine, clock, sources):
    versions.publish(engine, "v1", sources, "olga", clock())
    versions.publish(engine, "v2", sources, "olga", clock() + timedelta(minutes=1))
    assert versions.active(engine) == "v2"
    assert [v.id for v in versions.history(engine)] == ["v2", "v1"]  # newest first
    versions.rollback(engine, "v1", "olga", clock() + timedelta(minutes=2))
    assert versions.active(engine) == "v1"
    assert [v.id for v in versions.history(engine) if v.active] == ["v1"]
    with pytest.raises(KeyError):
        versions.rollback(engine, "nope", "olga", clock())


def test_stored_texts_are_checked_as_the_files_would_be(sources):
    report = sources.check("ivr/static/audio", "flows/")
    assert report.bundle is not None and report.errors() == []
    broken = Sources(dict(sources.files, **{"hotline.yaml": sources.files["hotline.yaml"].replace(
        "start: greeting", "start: nowhere")}), sources.config)
    errors = [str(p) for p in broken.check("ivr/static/audio", "flows/").errors()]
    assert any(e.startswith("flows/hotline.yaml:") and "start node 'nowhere' does not exist" in e for e in errors)
    bad_config = Sources(sources.files, "spec_version: [")
    assert bad_config.check("ivr/static/audio").errors()[0].file == versions.CONFIG_NAME


def test_describe_lists_problems_one_a_line(sources):
    broken = Sources(sources.files, sources.config.replace("spec_version: 1", "spec_version: 2", 1))
    problems = list(broken.check("ivr/static/audio").errors())
    assert versions.describe(problems).splitlines() == [str(p) for p in problems]
