"""The blocking client against the real compiled gateway, spawned as a child."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import tether
from tests.conftest import ClientFactory


def test_run_returns_the_settled_reply_with_its_key(spawn_client: ClientFactory) -> None:
    client = spawn_client()
    assert client.mode == "spawned"
    reply = client.run("summarize the build log", session="work", thinking="low", idempotency_key="build-1")
    assert reply.text == "echo: summarize the build log"
    assert (reply.session, reply.provider, reply.model, reply.thinking) == ("work", "echo", "echo", "low")
    assert reply.idempotency_key == "build-1"
    assert reply.run_id.startswith("r-") and not reply.replayed
    again = client.run("summarize the build log", session="work", idempotency_key="build-1")
    assert again.replayed and again.run_id == reply.run_id  # nothing ran twice


def test_every_run_gets_an_idempotency_key(spawn_client: ClientFactory) -> None:
    client = spawn_client()
    first, second = client.run("same text"), client.run("same text")
    assert first.idempotency_key and second.idempotency_key and first.idempotency_key != second.idempotency_key
    assert [m["idempotencyKey"] for m in client.history() if m["role"] == "user"] == [
        first.idempotency_key,
        second.idempotency_key,
    ]


def test_stream_yields_events_in_order_and_ends_with_the_reply(spawn_client: ClientFactory) -> None:
    client = spawn_client(env={"TETHER_ECHO_DELAY_MS": "5"})
    items = list(client.stream("one two three four five", session="s"))
    kinds = [type(item).__name__ for item in items]
    assert kinds[0] == "SessionUpdated" and kinds[-3:] == ["ReplyFinished", "SessionUpdated", "Reply"]
    deltas = [item for item in items if isinstance(item, tether.TextDelta)]
    assert [d.seq for d in deltas] == list(range(len(deltas)))
    assert "".join(d.text for d in deltas) == "echo: one two three four five"
    reply = items[-1]
    assert isinstance(reply, tether.Reply) and reply.text == "echo: one two three four five"
    assert {d.run_id for d in deltas} == {reply.run_id}


def test_sixteen_threads_share_one_connection(spawn_client: ClientFactory) -> None:
    client = spawn_client()
    start = threading.Barrier(16)

    def work(n: int) -> list[str]:
        start.wait()
        return [client.run(f"thread {n} message {i}", session=f"t{n}").text for i in range(5)]

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(work, range(16)))
    assert results == [[f"echo: thread {n} message {i}" for i in range(5)] for n in range(16)]
    assert sum(s["messageCount"] for s in client.sessions()) == 16 * 5 * 2


def test_run_many_keeps_input_order_and_returns_errors_in_place(spawn_client: ClientFactory) -> None:
    client = spawn_client()
    specs: list[str | dict[str, object]] = [{"prompt": f"task {i}", "session": f"batch-{i}"} for i in range(10)]
    specs.insert(3, {"prompt": "bad model", "model": "nope"})
    specs.append("plain prompt")
    results = client.run_many(specs, concurrency=4)
    assert len(results) == 12
    assert isinstance(results[3], tether.InvalidRequest) and "nope" in str(results[3])
    texts = [r.text for r in results if isinstance(r, tether.Reply)]
    assert texts == [f"echo: task {i}" for i in range(10)] + ["echo: plain prompt"]
    with pytest.raises(ValueError, match="unknown run option"):
        client.run_many([{"prompt": "x", "sesion": "typo"}])


def test_history_pages_through_a_long_session_oldest_first(spawn_client: ClientFactory) -> None:
    client = spawn_client()
    for i in range(13):
        client.run(f"m{i}", session="long")
    messages = list(client.history("long", page_size=4))
    assert [m["index"] for m in messages] == list(range(26))
    assert [m["text"] for m in messages[:4]] == ["m0", "echo: m0", "m1", "echo: m1"]
    assert [m["index"] for m in client.history("long", page_size=5, start=20)] == list(range(20, 26))


def test_status_sessions_compact_wait_and_heartbeats(spawn_client: ClientFactory) -> None:
    client = spawn_client()
    status = client.status(verbose=True)
    assert status["ok"] is True and status["heartbeats"]["enabled"] is False  # spawned with heartbeats off
    assert client.set_heartbeats(True) is True and client.status()["heartbeats"]["enabled"] is True
    assert client.set_heartbeats(False) is False
    reply = client.run("first", session="ops", idempotency_key="ops-1")
    compacted = client.compact("ops")
    assert compacted["session"] == "ops" and compacted["transcriptMessages"] == 2
    outcome = client.wait("ops-1", session="ops")
    assert outcome.state == "done" and outcome.reply is not None and outcome.reply.text == reply.text
    assert client.wait("never-sent", session="ops").state == "unknown"
    assert [s["key"] for s in client.sessions()] == ["ops"]


def test_abort_of_a_running_run_returns_its_partial_reply(spawn_client: ClientFactory) -> None:
    client = spawn_client(env={"TETHER_ECHO_DELAY_MS": "100"})
    seen: list[tether.RunEvent | tether.Reply] = []
    for item in client.stream("a b c d e f g h i j k l m n o p", session="slow"):
        seen.append(item)
        if isinstance(item, tether.TextDelta) and item.seq == 2:
            assert client.abort("slow") == [item.run_id]
    reply = seen[-1]
    assert isinstance(reply, tether.Reply) and reply.aborted
    assert reply.text == "".join(i.text for i in seen if isinstance(i, tether.TextDelta))
    assert len(reply.text) < len("echo: a b c d e f g h i j k l m n o p")
