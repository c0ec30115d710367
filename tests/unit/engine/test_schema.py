"""The raw shape of flow files: one model per node type, unknown keys refused, the JSON Schema editors read."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from ivr.engine import schema
from ivr.settings import ROOT

FLOW = {"spec_version": 1, "kind": "flow", "id": "hotline", "start": "who", "languages": ["de"],
        "nodes": {"who": {"type": "menu", "say": ["who_menu"], "options": {"1": "desk", "0": "desk"},
                          "on_failure": "desk"},
                  "desk": {"type": "desk", "desk": "info"}}}


def _with(node_id: str, **changes) -> dict:
    flow = json.loads(json.dumps(FLOW))
    flow["nodes"][node_id].update(changes)
    return flow


def test_each_node_is_read_as_the_model_of_its_type():
    flow = schema.FlowFile.model_validate(FLOW)
    assert isinstance(flow.nodes["who"], schema.MenuNode)
    assert isinstance(flow.nodes["desk"], schema.DeskNode)


def test_a_key_may_lead_to_a_node_and_choose_a_language():
    flow = schema.FlowFile.model_validate(_with("who", options={"1": {"next": "desk", "language": "ar"}, "0": "desk"}))
    assert flow.nodes["who"].options["1"] == schema.Target(next="desk", language="ar")


@pytest.mark.parametrize("flow", [
    _with("who", colour="red"),  # an unknown key
    _with("who", type="teleport"),  # an unknown node type
    _with("desk", desk=None),  # a desk node without its desk
    _with("who", options={"11": "desk"}),  # a key is one digit, * or #
    _with("who", on_failure="Not An Id"),
    {**FLOW, "spec_version": 2},
    {**FLOW, "nodes": {}},
])
def test_invalid_shapes_are_refused(flow):
    with pytest.raises(ValidationError):
        schema.FlowFile.model_validate(flow)


def test_a_prompt_is_a_text_or_a_recording():
    prompts = schema.PromptsFile.model_validate({"spec_version": 1, "kind": "prompts", "prompts": {
        "hello": {"de": "Hallo", "fa": {"audio": "fa/hello.wav", "text": "salam"}}}})
    assert prompts.prompts["hello"]["de"] == "Hallo"
    assert prompts.prompts["hello"]["fa"] == schema.RecordedPrompt(audio="fa/hello.wav", text="salam")
    with pytest.raises(ValidationError):
        schema.RecordedPrompt.model_validate({"audio": ""})


def test_the_shipped_json_schema_is_the_models_schema():
    """flows/flow.schema.json is what editors check against; it must not drift from the model."""
    generated = schema.json_schema()
    assert generated["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert json.loads((ROOT / "flows" / "flow.schema.json").read_text(encoding="utf-8")) == generated
