"""The pure compiler: sources, config values and audio names in, a Bundle and every problem (file:line) out."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ivr.engine import compiler
from ivr.engine.model import NodeType
from ivr.flowops.source import audio_names
from ivr.flowops.source import flow_config
from ivr.settings import ROOT
from ivr.settings import load_config

AUDIO = ROOT / "ivr" / "static" / "audio"
PROMPTS = ROOT / "flows" / "prompts.yaml"
AUDIO_NAMES = audio_names(AUDIO)


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "config.yaml")


def compile_bundle(sources, config, audio_files=AUDIO_NAMES):
    return compiler.compile(sources, flow_config(config), audio_files)


def _shipped() -> list[tuple[str, str]]:
    return [(f"flows/{p.name}", p.read_text(encoding="utf-8")) for p in sorted((ROOT / "flows").glob("*.yaml"))]


def _flow(body: str) -> tuple[str, str]:
    return ("flows/test.yaml", textwrap.dedent(body).lstrip())


def _compile(config, *flows: tuple[str, str], audio: frozenset[str] = AUDIO_NAMES):
    sources = [(str(PROMPTS), PROMPTS.read_text())] + list(flows)
    return compile_bundle(sources, config, audio)


MINIMAL = """\
    spec_version: 1
    kind: flow
    id: hotline
    start: who
    languages: [de, en]
    nodes:
      who:
        type: menu
        say: [who_menu]
        options:
          "1": desk
          "0": desk
        on_failure: desk
      desk:
        type: desk
        desk: info
"""


def _errors(problems):
    return [str(p) for p in problems if p.severity == "error"]


def test_shipped_flows_compile_without_findings(config):
    bundle, problems = compile_bundle(_shipped(), config)
    assert problems == []
    assert bundle.warnings == ()
    assert bundle.flow.start == "greeting"
    assert bundle.available == frozenset(config.languages)
    assert bundle.flow.nodes["language"].type is NodeType.MENU
    assert len(bundle.version) == 12


def test_minimal_flow_compiles(config):
    bundle, problems = _compile(config, _flow(MINIMAL))
    assert _errors(problems) == []
    assert bundle.flow.nodes["who"].option("1").node == "desk"
    assert bundle.flow.nodes["who"].max_retries == config.menus.max_retries


def test_the_version_changes_with_the_content(config):
    first, _ = _compile(config, _flow(MINIMAL))
    second, _ = _compile(config, _flow(MINIMAL.replace('"1": desk', '"2": desk')))
    assert first.version != second.version


def test_bundle_is_immutable(config):
    bundle, _ = _compile(config, _flow(MINIMAL))
    with pytest.raises(TypeError):
        bundle.flow.nodes["x"] = None  # type: ignore[index]


@pytest.mark.parametrize(("change", "line", "message"), [
    (("        desk: info", "        desk: nowhere"), 16, "unknown desk 'nowhere'"),
    (('          "1": desk', '          "1": nowhere'), 11, "leads to unknown node 'nowhere'"),
    (("        say: [who_menu]", "        say: [no_such_prompt]"), 9, "unknown prompt 'no_such_prompt'"),
    (("start: who", "start: nobody"), 4, "start node 'nobody' does not exist"),
    (("        type: desk", "        type: teleport"), 15, "nodes.desk"),
    (("languages: [de, en]", "languages: [de, xx]"), 5, "language 'xx' is not configured"),
    (('          "0": desk', '          "*": desk'), 12, "key * is reserved"),
    (("        on_failure: desk", "on_failure: desk\n    colour: red"), 14, "colour"),
])
def test_each_error_names_file_and_line(config, change, line, message):
    text = textwrap.dedent(MINIMAL)
    old, new = textwrap.dedent(change[0]), textwrap.dedent(change[1])
    assert old in text, old
    body = text.replace(old, new, 1)
    bundle, problems = compile_bundle([(str(PROMPTS), PROMPTS.read_text()), ("flows/test.yaml", body)], config)
    errors = _errors(problems)
    assert bundle is None
    assert any(e.startswith(f"flows/test.yaml:{line}: ") and message in e for e in errors), errors


def test_every_problem_is_listed_not_only_the_first(config):
    text = textwrap.dedent(MINIMAL).replace("desk: info", "desk: nowhere").replace('"1": desk', '"1": nobody')
    _, problems = _compile(config, ("flows/test.yaml", text))
    assert len(_errors(problems)) == 2


def test_syntax_error_has_a_line(config):
    _, problems = _compile(config, ("flows/broken.yaml", "spec_version: 1\nkind: flow\nnodes: [\n  a: b\n"))
    assert _errors(problems)[0].startswith("flows/broken.yaml:")
    assert "invalid YAML" in _errors(problems)[0]


def test_too_many_options(config):
    text = textwrap.dedent(MINIMAL).replace('      "0": desk', "\n".join(f'      "{d}": desk' for d in "023456"))
    errors = _errors(_compile(config, ("flows/test.yaml", text))[1])
    assert any("more than 5 options" in e for e in errors), errors


def test_menu_without_a_person(config):
    text = textwrap.dedent(MINIMAL).replace('      "0": desk\n', "")
    assert any("has no 0" in e for e in _errors(_compile(config, ("flows/test.yaml", text))[1]))


def test_unreachable_node_and_loop_without_input(config):
    text = textwrap.dedent(MINIMAL) + "  lost_a:\n    type: goto\n    next: lost_b\n" \
        "  lost_b:\n    type: goto\n    next: lost_a\n"
    errors = _errors(_compile(config, ("flows/test.yaml", text))[1])
    assert any("'lost_a' is unreachable" in e for e in errors), errors
    assert any("loops without waiting" in e for e in errors), errors


def test_prompt_missing_in_an_offered_language(config, tmp_path):
    prompts = tmp_path / "prompts.yaml"
    import re

    prompts.write_text(re.sub(r"(  who_menu:\n(?:    (?!en:).*\n)*)    en: .*\n", r"\1", PROMPTS.read_text(), count=1))
    sources = [(str(prompts), prompts.read_text()), _flow(MINIMAL)]
    _, problems = compile_bundle(sources, config)
    assert any("prompt 'who_menu' has no text in language 'en'" in str(p) for p in problems), problems


def test_placeholders_must_match_across_languages(config, tmp_path):
    text = PROMPTS.read_text().replace("Wir sind am {weekday} um {time} wieder da.", "Wir sind bald wieder da.")
    _, problems = compile_bundle([("flows/prompts.yaml", text), _flow(MINIMAL)], config)
    assert any("open_again" in str(p) and "differ" in str(p) for p in problems)


def test_language_without_audio_is_left_out_with_a_warning(config):
    flow = textwrap.dedent(MINIMAL).replace("languages: [de, en]", "languages: [de, fa]")
    bundle, problems = _compile(config, ("flows/test.yaml", flow), audio=frozenset())
    assert bundle is not None
    assert "fa" not in bundle.available
    warnings = [str(p) for p in problems if p.severity == "warning"]
    assert any("language 'fa': missing audio" in w and "left out of the language menu" in w for w in warnings)


def test_wrong_spec_version_is_rejected(config):
    v2 = Path(__file__).parent / "fixtures" / "v2.yaml"
    bundle, problems = compile_bundle([(str(PROMPTS), PROMPTS.read_text()), (str(v2), v2.read_text())], config)
    assert bundle is None
    assert any("spec_version must be 1" in e for e in _errors(problems))


def test_a_prompt_may_be_a_recording_by_file_or_url(config):
    import re

    from ivr.engine import prompts as prompt_text

    recorded = '    de: {audio: "https://cdn.example.org/who.mp3", text: "Wer ruft an?"}\n'
    text = re.sub(r"(  who_menu:\n)    de: .*\n", lambda m: m.group(1) + recorded, PROMPTS.read_text(), count=1)
    bundle, problems = compile_bundle([("flows/prompts.yaml", text), _flow(MINIMAL)], config)
    assert _errors(problems) == []
    assert [p.url for p in prompt_text.speak(bundle, "who_menu", "de")] == ["https://cdn.example.org/who.mp3"]
    missing = text.replace("https://cdn.example.org/who.mp3", "de/nothing.wav")
    _, problems = compile_bundle([("flows/prompts.yaml", missing), _flow(MINIMAL)], config)
    assert any("audio file 'de/nothing.wav' not found" in e for e in _errors(problems))


def _insert_after(text: str, anchor: str, new: str) -> tuple[str, int]:
    """`text` with the line `new` after the first line that is `anchor`; returns it and the new line's number."""
    lines = text.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.rstrip("\n") == anchor)
    return "".join(lines[:index + 1] + [new + "\n"] + lines[index + 1:]), index + 2


@pytest.mark.parametrize(("name", "anchor", "new", "where"), [
    ("hotline.yaml", "start: greeting", "colour: red", "colour"),
    ("hotline.yaml", "  greeting:", "    colour: red", "nodes.greeting.colour"),
    ("prompts.yaml", "kind: prompts", "colour: red", "colour"),
    ("prompts.yaml", "  greeting:", "    ar: {audio: ar/greeting.wav, colour: red}", "prompts.greeting.ar.colour"),
    ("audio-manifest.yaml", "kind: audio-manifest", "colour: red", "colour"),
    ("audio-manifest.yaml", "languages:", "  xx: {text: reviewed, colour: red}", "languages.xx.colour"),
    ("audio-manifest.yaml", "files:", "  de/x.wav: {language: de, status: recorded, colour: red}",
     "files.de/x.wav.colour"),
])
def test_every_flows_file_refuses_an_unknown_key_at_its_line(config, name, anchor, new, where):
    """`ivr flows check` (and the runtime) name file and line of a key that no file kind knows, at any depth."""
    from ivr.flowops.check import check_with
    from ivr.flowops.check import sources_for

    sources = sources_for(ROOT / "flows")
    index = next(i for i, (file, _) in enumerate(sources) if Path(file).name == name)
    file, text = sources[index]
    sources[index] = (file, _insert_after(text, anchor, new)[0])
    line = _insert_after(text, anchor, new)[1]
    report = check_with(config, sources, AUDIO)
    errors = [str(p) for p in report.errors()]
    assert report.bundle is None
    assert [e for e in errors if "colour" in e or "string" in e] == [
        f"{file}:{line}: {where}: unknown key (check its spelling and indentation)"], errors


def test_a_duplicate_key_is_refused_at_its_line(config):
    """YAML keeps the last of two equal keys without a word: a second option "1" would replace the first."""
    text, line = _insert_after(textwrap.dedent(MINIMAL), '      "0": desk', '      "1": who')
    _, problems = _compile(config, ("flows/test.yaml", text))
    assert _errors(problems) == [f"flows/test.yaml:{line}: invalid YAML: duplicate key '1'"]


def test_the_version_is_the_digest_of_names_texts_and_config(config):
    """Names count without their folder, so one set has one version wherever it is read from."""
    sources = _shipped()
    elsewhere = [(f"/srv/hotline/flows/{Path(name).name}", text) for name, text in sources]
    values = flow_config(config)
    assert compiler.version_of(sources, values) == compiler.version_of(elsewhere, values)
    changed = flow_config(config.model_copy(update={"menus": config.menus.model_copy(update={"max_retries": 3})}))
    assert compiler.version_of(sources, values) != compiler.version_of(sources, changed)


def test_compiling_touches_no_file_and_no_environment(config, monkeypatch):
    """The engine is pure: sources and audio come in as values; the shell in flowops reads them."""
    import builtins
    import os

    def refuse(*args, **kwargs):
        raise AssertionError("the compiler did I/O")

    sources = _shipped()
    values = flow_config(config)
    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(Path, "glob", refuse)
    monkeypatch.setattr(Path, "is_file", refuse)
    monkeypatch.setattr(os, "environ", {})
    bundle, problems = compiler.compile(sources, values, AUDIO_NAMES)
    assert bundle is not None and problems == []


def test_a_recorded_prompt_needs_its_file_among_the_audio_names(config):
    import re

    text = re.sub(r"(  who_menu:\n)    de: .*\n", lambda m: m.group(1) + '    de: {audio: de/own.wav, text: "Wer?"}\n',
                  PROMPTS.read_text(), count=1)
    sources = [("flows/prompts.yaml", text), _flow(MINIMAL)]
    _, problems = compile_bundle(sources, config, AUDIO_NAMES)
    assert any("audio file 'de/own.wav' not found" in e for e in _errors(problems))
    bundle, problems = compile_bundle(sources, config, AUDIO_NAMES | {"de/own.wav"})
    assert _errors(problems) == []
    assert bundle.recordings[("who_menu", "de")] == "/static/audio/de/own.wav"


def test_only_clips_one_folder_deep_count_as_audio():
    assert compiler.wav_files({"de/a.wav", "a.wav", "de/x/b.wav", "de/c.mp3"}) == {"de/a.wav"}


def test_no_flow_file_and_no_entry_flow_are_errors(config):
    _, problems = compile_bundle([("flows/prompts.yaml", PROMPTS.read_text())], config)
    assert _errors(problems) == ["flows/prompts.yaml:1: no flow file found"]
    other = textwrap.dedent(MINIMAL).replace("id: hotline", "id: other")
    _, problems = _compile(config, ("flows/test.yaml", other))
    assert _errors(problems) == ["flows/test.yaml:1: no flow with id 'hotline' (the hotline's entry flow)"]


def test_a_prompt_defined_twice_is_an_error(config):
    again = PROMPTS.read_text()
    _, problems = compile_bundle([("flows/prompts.yaml", again), ("flows/more.yaml", again), _flow(MINIMAL)], config)
    assert any(e.startswith("flows/more.yaml:") and "is defined twice" in e for e in _errors(problems))

