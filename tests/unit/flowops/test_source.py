"""The shell around the pure compiler: what it reads from disk and hands over as values."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ivr.core.errors import FlowValidationError
from ivr.flowops import source
from ivr.settings import load_config

AUDIO = Path("ivr/static/audio")


@pytest.fixture(scope="module")
def config():
    return load_config("config.yaml")


def test_read_files_takes_every_yaml_or_the_given_ones(tmp_path):
    (tmp_path / "b.yaml").write_text("x: 2")
    (tmp_path / "a.yaml").write_text("x: 1")
    (tmp_path / "c.json").write_text("{}")
    assert [(Path(p).name, t) for p, t in source.read_files(tmp_path)] == [("a.yaml", "x: 1"), ("b.yaml", "x: 2")]
    assert [Path(p).name for p, _ in source.read_files(tmp_path, [tmp_path / "b.yaml"])] == ["b.yaml"]


def test_audio_names_are_relative_to_the_audio_folder(tmp_path):
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "hello.wav").write_bytes(b"")
    (tmp_path / "README").write_text("")
    assert source.audio_names(tmp_path) == {"de/hello.wav", "README"}
    assert source.audio_names(tmp_path / "missing") == frozenset()


def test_flow_config_carries_what_the_compiler_needs(config):
    values = source.flow_config(config)
    assert set(values.languages) == set(config.languages)
    assert values.languages["fa"].audio and not values.languages["de"].audio  # fa has no Twilio voice
    assert values.desk_numbers == {k: d.number for k, d in config.desks.items()}
    assert values.menu_retries == config.menus.max_retries
    assert values.static == {"controller": config.privacy.controller, "privacy_url": config.privacy.url}
    assert values.fingerprint == config.model_dump_json()


def test_load_bundle_reads_the_folder_and_refuses_invalid_flows(tmp_path, config):
    bundle = source.load_bundle("flows", config, AUDIO)
    assert bundle.audio_files and all(name.count("/") == 1 for name in bundle.audio_files)
    flows = tmp_path / "flows"
    shutil.copytree("flows", flows)
    hotline = flows / "hotline.yaml"
    hotline.write_text(hotline.read_text().replace("start: greeting", "start: nowhere"))
    with pytest.raises(FlowValidationError) as info:
        source.load_bundle(flows, config, AUDIO)
    assert f"{flows / 'hotline.yaml'}:" in str(info.value) and "nowhere" in str(info.value)


def test_missing_audio_on_disk_leaves_a_language_out(tmp_path, config):
    audio = tmp_path / "audio"
    shutil.copytree(AUDIO, audio)
    (audio / "fa" / "who_menu.wav").unlink()
    bundle, problems = source.compile_sources(source.read_files("flows"), config, audio)
    assert bundle is not None and "fa" not in bundle.available
    assert any("fa/who_menu.wav" in str(p) for p in problems)
