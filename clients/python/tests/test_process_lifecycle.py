"""The spawned child never outlives its owner: close(), a forgotten close at exit, a SIGKILLed parent."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import tether
from tests.conftest import ClientFactory, child_env, gateway_argv, marked_pids, run_python, wait_until

CONNECT = """
import sys, tether
client = tether.connect({home!r}, command={argv!r}, attach=False, env={{"TETHER_ECHO_DELAY_MS": "50"}})
print(client.gateway_pid, flush=True)
"""


def test_close_leaves_no_process(spawn_client: ClientFactory, marker: str) -> None:
    client = spawn_client()
    client.run("hello")
    assert marked_pids(marker) == [client.gateway_pid]
    client.close()
    assert marked_pids(marker) == []
    client.close()  # twice is fine


def test_close_escalates_to_signals_when_the_child_outlasts_the_grace(home: Path, marker: str) -> None:
    # A run far longer than the EOF grace: close() goes on to SIGTERM and SIGKILL of the group.
    client = tether.connect(
        home, command=gateway_argv(), attach=False, env={"TETHER_PYTEST_MARKER": marker, "TETHER_ECHO_DELAY_MS": "5000"}
    )
    client._link.options.close_grace_s = 0.3  # a short EOF grace, so the escalation shows
    stream = client.stream("a b c d e f")
    next(stream)
    started = time.monotonic()
    client.close()
    assert marked_pids(marker) == []
    assert time.monotonic() - started < 8


def test_a_script_that_forgets_close_leaves_no_process(home: Path, marker: str) -> None:
    code = CONNECT.format(home=str(home), argv=gateway_argv()) + "client.run('hi')\n"
    done = run_python(code, child_env(marker))
    assert done.returncode == 0, done.stderr
    assert marked_pids(marker) == []  # the atexit reaper stopped it before the interpreter exited


def test_a_sigkilled_python_process_leaves_no_gateway(home: Path, marker: str) -> None:
    code = CONNECT.format(home=str(home), argv=gateway_argv()) + "client.run('a b c d e f g h i j k l')\n"
    parent = subprocess.Popen([sys.executable, "-c", code], env=child_env(marker), stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    gateway_pid = int(parent.stdout.readline())
    assert gateway_pid in marked_pids(marker)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    # The kernel closed the pipe: the gateway sees stdin EOF, lets the run finish within its grace, exits.
    wait_until(lambda: marked_pids(marker) == [], 10, "the orphaned gateway exiting")
