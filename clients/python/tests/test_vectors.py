"""The shared protocol vectors (the example lines of docs/protocol.md) through the client's decoders.

The same file is parsed by the TypeScript tests (test/rpc-host/protocol/vectors.test.ts),
which also hold it to the document.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import tether
from tests.conftest import REPO_ROOT
from tether import Reply, RequestError, WaitOutcome
from tether.errors import request_error
from tether.events import decode_event
from tether.framing import LineSplitter

VECTORS: list[dict[str, Any]] = [
    json.loads(line) for line in (REPO_ROOT / "test" / "fixtures" / "protocol-vectors.jsonl").read_text().splitlines()
]


def ids(kind: str) -> list[Any]:
    return [pytest.param(v, id=f"protocol.md:{v['doc']}") for v in VECTORS if v["kind"] == kind]


def test_the_vectors_cover_every_kind() -> None:
    kinds = {v["kind"] for v in VECTORS}
    assert kinds == {"request", "result", "error", "event"}
    assert len(VECTORS) > 200


@pytest.mark.parametrize("vector", ids("event"))
def test_events_decode_to_typed_events(vector: dict[str, Any]) -> None:
    message = json.loads(vector["line"])
    event = decode_event(message["event"], message["payload"])
    if message["event"] in ("heartbeat", "session.deleted"):
        assert event is None  # heartbeats and deletions belong to no run
        return
    assert event is not None and not isinstance(event, tether.Retrying)
    assert event.session == message["payload"]["session"]
    assert getattr(event, "run_id", None) == message["payload"].get("runId")


@pytest.mark.parametrize("vector", ids("error"))
def test_errors_become_their_exception_class(vector: dict[str, Any]) -> None:
    message = json.loads(vector["line"])
    error = request_error(message["code"], message["error"], message)
    assert isinstance(error, RequestError)
    assert error.code == message["code"]
    assert str(error) == message["error"]
    expected = {
        "not_found": "NotFound",
        "aborted": "Aborted",
        "busy": "Busy",
        "provider_error": "ProviderError",
        "internal": "RequestError",
    }.get(message["code"], "InvalidRequest")
    assert type(error).__name__ == expected


@pytest.mark.parametrize("vector", ids("result"))
def test_results_decode_with_their_request_type(vector: dict[str, Any]) -> None:
    payload = json.loads(vector["line"])["payload"]
    request = vector["request"]
    if request == "send" or (request is None and "payloads" in payload):
        reply = Reply.from_payload(payload)
        assert reply.text == payload["payloads"][0]["text"]
        assert reply.run_id == payload["meta"]["runId"]
        assert reply.aborted == payload["meta"].get("aborted", False)
    elif request == "wait" or (request is None and "state" in payload):
        outcome = WaitOutcome.from_payload(payload)
        assert outcome.state == payload["state"]
        assert (outcome.reply is not None) == ("result" in payload)
        assert (outcome.error is not None) == ("error" in payload)
    else:
        assert request is not None, f"unpaired result of unknown shape: {payload}"


def test_every_output_vector_frames_as_one_line() -> None:
    outputs = [v["line"].encode() for v in VECTORS if v["kind"] != "request"]
    splitter = LineSplitter()
    stream = b"".join(line + b"\n" for line in outputs)
    lines = [line for i in range(0, len(stream), 977) for line in splitter.push(stream[i : i + 977])]
    assert lines == outputs
