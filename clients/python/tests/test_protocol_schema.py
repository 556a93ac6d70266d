"""The protocol TypedDicts against docs/protocol.schema.json, key by key and type by type.

The JSON Schema is generated from the gateway's zod schemas, so this is what keeps
the Python types from drifting away from the wire.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import pytest

from tests.conftest import REPO_ROOT
from tether import protocol

SCHEMA: dict[str, Any] = json.loads((REPO_ROOT / "docs" / "protocol.schema.json").read_text())
SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def check_typed_dict(cls: Any, schema: dict[str, Any], path: str) -> None:
    assert schema.get("type") == "object", f"{path}: the schema is not an object"
    hints = get_type_hints(cls)
    properties: dict[str, Any] = schema["properties"]
    assert set(hints) == set(properties), (
        f"{path}: keys differ: python-only {set(hints) - set(properties)}, schema-only {set(properties) - set(hints)}"
    )
    assert set(cls.__required_keys__) == set(schema.get("required", [])), f"{path}: required keys differ"
    for key, hint in hints.items():
        check_type(hint, properties[key], f"{path}.{key}")


def check_type(hint: Any, schema: dict[str, Any], path: str) -> None:
    origin = get_origin(hint)
    if "anyOf" in schema:
        assert origin in (Union, types.UnionType), f"{path}: the schema allows several types, python has {hint}"
        arms = list(get_args(hint))
        variants = list(schema["anyOf"])
        for variant in variants:
            matching = [arm for arm in arms if matches(arm, variant, path)]
            assert matching, f"{path}: no python type for schema variant {variant}"
        for arm in arms:
            assert any(matches(arm, variant, path) for variant in variants), f"{path}: {arm} is not in the schema"
        return
    if origin is Literal:
        values = set(get_args(hint))
        expected = {schema["const"]} if "const" in schema else set(schema["enum"])
        assert values == expected, f"{path}: literal values {values} != schema {expected}"
        return
    if origin in (Union, types.UnionType):
        pytest.fail(f"{path}: python has a union {hint}, the schema one type {schema}")
    if origin is list:
        assert schema.get("type") == "array", f"{path}: python list, schema {schema.get('type')}"
        check_type(get_args(hint)[0], schema["items"], f"{path}[]")
        return
    if origin is dict:
        assert schema.get("type") == "object" and "properties" not in schema, f"{path}: python dict, schema {schema}"
        return
    if typing.is_typeddict(hint):
        check_typed_dict(hint, schema, path)
        return
    assert hint in SCALARS, f"{path}: unexpected python type {hint}"
    json_type = SCALARS[hint]
    assert schema.get("type") == json_type, f"{path}: python {json_type}, schema {schema.get('type')}"
    assert "enum" not in schema and "const" not in schema, f"{path}: the schema restricts values; use a Literal"


def matches(arm: Any, variant: dict[str, Any], path: str) -> bool:
    """Whether one arm of a python union is the given schema variant (checked deeply when it is)."""
    kind = variant.get("type")
    if get_origin(arm) is Literal:
        return kind == "string" and ("enum" in variant or "const" in variant) and check_quietly(arm, variant, path)
    if typing.is_typeddict(arm):
        # Several object arms: the one with the same keys is this variant, checked deeply.
        if kind != "object" or set(get_type_hints(arm)) != set(variant.get("properties", {})):
            return False
        return check_quietly(arm, variant, path)
    return SCALARS.get(arm) == kind and "enum" not in variant


def check_quietly(hint: Any, schema: dict[str, Any], path: str) -> bool:
    check_type(hint, schema, path)  # raises with the precise difference when it is the right arm but wrong
    return True


def variant_for(section: str, tag: str, value: str) -> dict[str, Any]:
    for variant in SCHEMA[section]["oneOf"]:
        if variant["properties"][tag]["const"] == value:
            return dict(variant)
    raise AssertionError(f"no {section} variant with {tag} {value}")


@pytest.mark.parametrize("name", sorted(protocol.REQUESTS))
def test_request_types_match_the_schema(name: str) -> None:
    check_typed_dict(protocol.REQUESTS[name], variant_for("request", "type", name), f"request {name}")


@pytest.mark.parametrize("name", sorted(protocol.RESULT_PAYLOADS))
def test_result_payload_types_match_the_schema(name: str) -> None:
    check_typed_dict(protocol.RESULT_PAYLOADS[name], SCHEMA["resultPayloads"][name], f"result {name}")


@pytest.mark.parametrize("name", sorted(protocol.EVENT_PAYLOADS))
def test_event_payload_types_match_the_schema(name: str) -> None:
    payload_schema = variant_for("event", "event", name)["properties"]["payload"]
    check_type(protocol.EVENT_PAYLOADS[name], payload_schema, f"event {name}")


def test_response_envelopes_match_the_schema() -> None:
    check_typed_dict(protocol.ResultResponse, SCHEMA["result"], "result envelope")
    check_typed_dict(protocol.ErrorResponse, SCHEMA["error"], "error envelope")


def test_every_request_result_and_event_of_the_schema_has_a_type() -> None:
    assert {v["properties"]["type"]["const"] for v in SCHEMA["request"]["oneOf"]} == set(protocol.REQUESTS)
    assert set(SCHEMA["resultPayloads"]) == set(protocol.RESULT_PAYLOADS)
    assert {v["properties"]["event"]["const"] for v in SCHEMA["event"]["oneOf"]} == set(protocol.EVENT_PAYLOADS)
    assert SCHEMA["protocol"] == protocol.PROTOCOL_VERSION


def test_the_checker_catches_a_drifted_type() -> None:
    class Drifted(typing.TypedDict):
        enabled: str  # the schema says boolean

    with pytest.raises(AssertionError, match="enabled"):
        check_typed_dict(Drifted, SCHEMA["resultPayloads"]["set-heartbeats"], "drifted")
