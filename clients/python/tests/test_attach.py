"""Attach mode: the client joins a ``tether rpc --listen`` gateway that the test starts.

Skipped only when the gateway under test rejects ``--listen`` (its ``rpc --help`` does
not offer it): the socket is a separate feature of the gateway (issue 15).
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import tether
from tests.conftest import MARKER_VARIABLE, gateway_argv, marked_pids, wait_until


@functools.cache
def listen_unsupported() -> str | None:
    """Why attach tests cannot run here, or None when the gateway offers --listen."""
    done = subprocess.run([*gateway_argv(), "rpc", "--help"], capture_output=True, text=True, timeout=30)
    if "--listen" in done.stdout:
        return None
    return f"the gateway under test ({gateway_argv()[-1]}) rejects --listen: its rpc --help does not offer it"


pytestmark = pytest.mark.skipif(listen_unsupported() is not None, reason=str(listen_unsupported()))

Listener = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def listener(home: Path, marker: str) -> Iterator[Listener]:
    """Starts ``tether rpc --listen`` gateways on ``home`` (stopped at the end) and waits for their socket."""
    started: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [*gateway_argv(), "rpc", "--listen", "--heartbeats", "off", "--home", str(home)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, MARKER_VARIABLE: marker, "TETHER_LOG": "warn", **env},
        )
        started.append(process)
        wait_until(lambda: answers(home / "run" / "gateway.sock") or process.poll() is not None, 15, "the socket")
        stderr = process.stderr.read().decode() if process.stderr and process.poll() is not None else ""
        assert process.poll() is None, f"tether rpc --listen exited: {stderr}"
        return process

    yield start
    for process in started:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert marked_pids(marker) == []


def answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def test_attach_runs_streams_and_shares_the_gateway(home: Path, listener: Listener) -> None:
    gateway = listener()
    with tether.connect(home, spawn=False) as client:
        assert client.mode == "attached" and client.gateway_pid is None
        assert client.status()["pid"] == gateway.pid
        reply = client.run("hello over the socket", idempotency_key="sock-1")
        assert reply.text == "echo: hello over the socket"
        items = list(client.stream("one two", session="s"))
        assert [i.text for i in items if isinstance(i, tether.TextDelta)] == ["echo: ", "one ", "two"]
        with ThreadPoolExecutor(16) as pool:
            texts = list(pool.map(lambda n: client.run(f"t{n}", session=f"t{n}").text, range(16)))
        assert texts == [f"echo: t{n}" for n in range(16)]
    with tether.connect(home, spawn=False) as second:  # another client sees the same sessions and keys
        assert second.run("hello over the socket", idempotency_key="sock-1").replayed
    assert gateway.poll() is None  # closing an attached client leaves the gateway running


def test_attach_from_asyncio(home: Path, listener: Listener) -> None:
    listener()

    async def main() -> list[str]:
        async with await tether.connect_async(home, spawn=False) as client:
            assert client.mode == "attached"
            replies = await asyncio.gather(*(client.run(f"job {i}", session=f"j{i % 5}") for i in range(50)))
            return [r.text for r in replies]

    assert asyncio.run(main()) == [f"echo: job {i}" for i in range(50)]


def test_a_restarted_gateway_finishes_the_run_exactly_once(home: Path, listener: Listener) -> None:
    gateway = listener(TETHER_ECHO_DELAY_MS="60")
    text = "write the minutes of the meeting and send them to everyone"
    with tether.connect(home, spawn=False) as client:
        items: list[tether.RunEvent | tether.Reply] = []
        restarted = threading.Event()
        for item in client.stream(text, idempotency_key="minutes-7"):
            items.append(item)
            if isinstance(item, tether.TextDelta) and item.seq == 5 and not restarted.is_set():
                os.kill(gateway.pid, signal.SIGKILL)
                gateway.wait()
                listener()  # a new gateway on the same data dir, before the client's retries run out
                restarted.set()
        reply = items[-1]
        assert isinstance(reply, tether.Reply) and reply.text == f"echo: {text}"
        assert any(isinstance(i, tether.Retrying) for i in items)
        history = list(client.history())
        assert [m["text"] for m in history if m["role"] == "user"] == [text]
        assert [m["text"] for m in history if m.get("state") == "complete"] == [reply.text]


def test_connection_lost_when_the_gateway_is_gone_for_good(home: Path, listener: Listener) -> None:
    gateway = listener(TETHER_ECHO_DELAY_MS="200")
    client = tether.connect(home, spawn=False, retries=2)
    try:
        stream = client.stream("a b c d e f g h")
        next(stream)
        os.kill(gateway.pid, signal.SIGKILL)
        with pytest.raises(tether.ConnectionLost, match="tether rpc --listen"):
            list(stream)
    finally:
        client.close()
