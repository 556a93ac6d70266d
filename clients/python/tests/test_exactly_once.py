"""A spawned child SIGKILLed mid-run: the client starts a new one, resends the key, and the run happens once."""

from __future__ import annotations

import os
import signal

import tether
from tests.conftest import ClientFactory, marked_pids


def test_sigkill_mid_run_gives_one_user_message_one_reply_and_the_reply(
    spawn_client: ClientFactory, marker: str
) -> None:
    text = "draft the release notes for version two of the app"
    client = spawn_client(env={"TETHER_ECHO_DELAY_MS": "60"})
    first_pid = client.gateway_pid
    assert first_pid is not None
    items: list[tether.RunEvent | tether.Reply] = []
    for item in client.stream(text, session="notes", idempotency_key="notes-3"):
        items.append(item)
        if isinstance(item, tether.TextDelta) and item.seq == 5 and client.gateway_pid == first_pid:
            os.kill(first_pid, signal.SIGKILL)  # after the 250 ms checkpoint: the kill cuts a half-written reply
    reply = items[-1]
    assert isinstance(reply, tether.Reply)
    assert reply.text == f"echo: {text}" and not reply.aborted and reply.idempotency_key == "notes-3"
    retries = [item for item in items if isinstance(item, tether.Retrying)]
    assert len(retries) == 1 and "killed by signal 9" in retries[0].reason
    assert client.gateway_pid not in (None, first_pid) and marked_pids(marker) == [client.gateway_pid]

    history = list(client.history("notes"))
    users = [m for m in history if m["role"] == "user"]
    complete = [m for m in history if m["role"] == "assistant" and m.get("state") == "complete"]
    assert [m["text"] for m in users] == [text]
    assert [m["text"] for m in complete] == [reply.text]
    # The cut-short first run keeps its place as history (never given to a model), nothing else.
    assert [m.get("state") for m in history if m not in users and m not in complete] in ([], ["interrupted"])
    assert client.wait("notes-3", session="notes").state == "done"
