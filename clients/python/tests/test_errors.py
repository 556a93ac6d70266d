"""Each error class, raised by a real failure of the real gateway (no mocks)."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path

import pytest

import tether
from tests.conftest import MARKER_VARIABLE, ClientFactory, gateway_argv, wait_until, write_config


def test_gateway_not_found_names_the_three_ways(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TETHER_BIN", raising=False)
    monkeypatch.setenv("PATH", str(home))  # no tether here
    with pytest.raises(tether.GatewayNotFound) as caught:
        tether.connect(home, attach=False)
    message = str(caught.value)
    assert "command=" in message and "TETHER_BIN" in message and "PATH" in message
    with pytest.raises(tether.GatewayNotFound, match="no file at"):
        tether.connect(home, command=str(home / "missing-tether"))
    with pytest.raises(tether.GatewayNotFound, match="tether rpc --listen"):
        tether.connect(home, spawn=False)


def test_gateway_exited_carries_the_exit_code_and_stderr(home: Path, marker: str) -> None:
    write_config(home, {"provider": "nonexistent"})
    with pytest.raises(tether.GatewayExited) as caught:
        tether.connect(home, command=gateway_argv(), attach=False, env={MARKER_VARIABLE: marker})
    assert caught.value.exit_code == 78  # the gateway's configuration-error exit
    assert "nonexistent" in caught.value.stderr_tail and "exited with code 78" in str(caught.value)


def test_gateway_exited_after_the_retries_when_the_child_keeps_dying(spawn_client: ClientFactory) -> None:
    client = spawn_client(retries=2, env={"TETHER_ECHO_DELAY_MS": "2000"})
    stop = threading.Event()

    def kill_each_child_it_starts() -> None:
        while not stop.wait(0.05):
            pid = client.gateway_pid
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_each_child_it_starts)
    killer.start()
    try:
        with pytest.raises(tether.GatewayExited, match="killed by signal 9") as caught:
            client.run("never finishes")
    finally:
        stop.set()
        killer.join()
    assert caught.value.exit_code == -9


def test_invalid_request_for_an_unknown_model(spawn_client: ClientFactory) -> None:
    with pytest.raises(tether.InvalidRequest, match='unknown model "gpt-4o"') as caught:
        spawn_client().run("hi", model="gpt-4o")
    assert caught.value.code == "invalid_request"


def test_invalid_request_for_a_reused_key(spawn_client: ClientFactory) -> None:
    client = spawn_client()
    client.run("book the venue", idempotency_key="venue")
    with pytest.raises(tether.InvalidRequest, match="already used for a different message"):
        client.run("book the hall", idempotency_key="venue")


def test_not_found_for_a_missing_session(spawn_client: ClientFactory) -> None:
    with pytest.raises(tether.NotFound, match='no session "nope"') as caught:
        list(spawn_client().history("nope"))
    assert caught.value.code == "not_found"


def test_provider_error_when_the_command_fails(home: Path, spawn_client: ClientFactory) -> None:
    config = write_config(
        home, {"providers": {"broken": {"type": "command", "argv": ["sh", "-c", "echo 'not logged in' >&2; exit 1"]}}}
    )
    with pytest.raises(tether.ProviderError, match="not logged in"):
        spawn_client(config=config).run("hi", model="broken")


def test_busy_and_aborted_from_a_full_queue(home: Path, spawn_client: ClientFactory) -> None:
    config = write_config(home, {"maxQueuedPerSession": 1})
    client = spawn_client(config=config, env={"TETHER_ECHO_DELAY_MS": "100"})
    outcomes: dict[str, object] = {}

    def run(name: str, text: str) -> None:
        try:
            outcomes[name] = client.run(text, session="q")
        except tether.TetherError as error:
            outcomes[name] = error

    running = threading.Thread(target=run, args=("running", "a b c d e f g h"))
    running.start()
    wait_until(lambda: client.status()["queue"]["running"] == 1, 10, "the first run starting")
    queued = threading.Thread(target=run, args=("queued", "waits behind it"))
    queued.start()
    wait_until(lambda: client.status()["queue"]["depth"] == 1, 10, "the second run queueing")
    with pytest.raises(tether.Busy, match="maxQueuedPerSession") as caught:
        client.run("one too many", session="q")
    assert caught.value.code == "busy"
    client.abort("q")
    running.join(10)
    queued.join(10)
    assert isinstance(outcomes["queued"], tether.Aborted) and "before it started" in str(outcomes["queued"])
    assert isinstance(outcomes["running"], tether.Reply) and outcomes["running"].aborted


def test_timeout_aborts_the_run_and_keeps_its_partial_reply(spawn_client: ClientFactory) -> None:
    client = spawn_client(env={"TETHER_ECHO_DELAY_MS": "200"})
    with pytest.raises(tether.Timeout, match=r"did not finish within 0\.5 s") as caught:
        client.run("a b c d e f g h i j k l m n o p", session="slow", idempotency_key="slow-1", timeout=0.5)
    partial = caught.value.reply
    assert partial is not None and partial.aborted and partial.text.startswith("echo: ")
    outcome = client.wait("slow-1", session="slow")
    assert outcome.state == "aborted"
    history = list(client.history("slow"))
    assert history[-1]["state"] == "aborted" and history[-1]["text"] == partial.text
