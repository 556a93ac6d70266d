"""Runs with tools against the real gateway: a real MCP server (the repository's
fixture, written with the MCP SDK) and a small scripted OpenAI-compatible server
that asks for tool calls. The approval callback, a pattern policy, and the tool and
approval events in stream()."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import tether
from tests.conftest import MARKER_VARIABLE, REPO_ROOT, ClientFactory, marked_pids, write_config

FIXTURE = REPO_ROOT / "test" / "fixtures" / "mcp-tool-server.mjs"


class ScriptedModel:
    """An OpenAI-compatible /v1/chat/completions server answering from a script of steps."""

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        model = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                model.requests.append(body)
                step = model.steps.pop(0) if model.steps else {"text": "done"}
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                for delta in model.deltas(step):
                    chunk = {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                finish = {
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls" if "calls" in step else "stop"}]
                }
                self.wfile.write(f"data: {json.dumps(finish)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

            def log_message(self, *args: Any) -> None:
                pass  # quiet

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @staticmethod
    def deltas(step: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if "text" in step:
            yield {"content": step["text"]}
        for index, (name, args) in enumerate(step.get("calls", [])):
            text = json.dumps(args)
            yield {
                "tool_calls": [
                    {
                        "index": index,
                        "id": f"call_{index}",
                        "type": "function",
                        "function": {"name": name, "arguments": text[:5]},
                    }
                ]
            }
            yield {"tool_calls": [{"index": index, "function": {"arguments": text[5:]}}]}


@pytest.fixture
def model() -> Iterator[ScriptedModel]:
    server = ScriptedModel()
    yield server
    server.server.shutdown()


@pytest.fixture
def tools_home(home: Path, model: ScriptedModel, marker: str) -> Path:
    node = shutil.which("node")
    assert node is not None
    write_config(
        home,
        {
            "provider": "local",
            "providers": {"local": {"type": "openai", "baseUrl": model.base_url, "model": "m"}},
            "mcpServers": {
                "notes": {
                    "command": node,
                    "args": [str(FIXTURE)],
                    "env": {"NOTES_FILE": str(home / "notes.txt"), MARKER_VARIABLE: marker},
                }
            },
        },
    )
    return home


def test_a_run_with_tools_and_an_approval_callback(
    tools_home: Path, model: ScriptedModel, spawn_client: ClientFactory, marker: str
) -> None:
    model.steps = [
        {"calls": [("notes__add", {"a": 2, "b": 3}), ("notes__write_note", {"text": "milk"})]},
        {"text": "5, noted."},
    ]
    asked: list[tether.ApprovalRequested] = []

    def approve(request: tether.ApprovalRequested) -> bool:
        asked.append(request)
        return request.name == "notes/write_note" and json.loads(request.arguments) == {"text": "milk"}

    client = spawn_client()
    reply = client.run("add 2 and 3, and note milk", tools=["notes/add", "notes/write_note"], approve=approve)
    assert reply.text == "5, noted."
    assert reply.tool_calls == 2
    assert set(reply.tools) == {"notes/add", "notes/write_note"}
    assert [request.name for request in asked] == ["notes/write_note"]  # add is read-only: never asked
    assert (tools_home / "notes.txt").read_text() == "milk\n"
    tool_messages = [m["content"] for m in model.requests[1]["messages"] if m["role"] == "tool"]
    assert tool_messages == ["5", "noted"]
    servers = client.tools()
    assert servers[0]["name"] == "notes" and servers[0]["state"] == "ready"
    assert {tool["name"]: tool["policy"] for tool in servers[0]["catalog"]}["notes/write_note"] == "ask"
    client.close()
    assert marked_pids(marker) == []  # the gateway and its MCP server are gone


def test_a_policy_denies_and_stream_shows_the_tool_and_approval_events(
    tools_home: Path, model: ScriptedModel, spawn_client: ClientFactory
) -> None:
    model.steps = [{"calls": [("notes__write_note", {"text": "rm -rf"})]}, {"text": "Not allowed, then."}]
    client = spawn_client()
    events = list(client.stream("note it", tools=["notes/*"], approve={"notes/echo": "allow-once", "*": "deny"}))
    kinds = [type(event).__name__ for event in events]
    assert (
        kinds.index("ToolCall")
        < kinds.index("ApprovalRequested")
        < kinds.index("ApprovalResolved")
        < kinds.index("ToolResult")
    )
    result = next(event for event in events if isinstance(event, tether.ToolResult))
    assert (result.ok, result.denied, result.tool) == (False, True, "write_note")
    resolved = next(event for event in events if isinstance(event, tether.ApprovalResolved))
    assert (resolved.decision, resolved.by) == ("deny", "user")
    reply = events[-1]
    assert isinstance(reply, tether.Reply) and reply.text == "Not allowed, then."
    assert not (tools_home / "notes.txt").exists()
    denial = next(m for m in model.requests[1]["messages"] if m["role"] == "tool")
    assert "denied by the user" in denial["content"]


def test_unknown_tools_are_refused_with_what_exists(tools_home: Path, spawn_client: ClientFactory) -> None:
    client = spawn_client()
    with pytest.raises(tether.InvalidRequest, match="the servers are: notes"):
        client.run("x", tools=["nope/*"])
    with pytest.raises(ValueError, match="allow-once"):
        from tether.approvals import decide

        decide("maybe", None)  # type: ignore[arg-type]
