#!/usr/bin/env python3
"""Figures for the Python client (clients/python): what the SDK costs, and what it saves.

1. run() round trip, p50: through the SDK versus a bare stdio client of a few lines
   (write a send with an id, read lines until its result). Both talk to their own
   `tether rpc` child with the echo provider and no delay, so the gap is the SDK's own
   work (events decoded into dataclasses, the reader thread, the key). Target: <= 1.5x.
2. 200 runs: run_many at concurrency 8 through one SDK connection versus 200 sequential
   `tether agent --json` processes, the cron-style dispatch the seed wants to replace.
   Expect >= 20x.

Every reply is checked. Run from the repository root after `npm run build`:
    clients/python/.venv/bin/python bench/python-client.py
(TETHER_BIN picks another compiled gateway.) Exit code 1 when a target is missed.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "clients" / "python" / "src"))

import tether  # noqa: E402

CLI = Path(os.environ.get("TETHER_BIN") or ROOT / "dist" / "rpc-host" / "cli.cjs")
NODE = shutil.which("node") or "node"
WARMUP, SAMPLES = 50, 500
BATCH, CONCURRENCY = 200, 8


def bare_round_trips(home: str) -> list[float]:
    """The few-line baseline: one child, one send at a time, read until the result with our id."""
    child = subprocess.Popen(
        [NODE, str(CLI), "rpc", "--heartbeats", "off", "--home", home],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "TETHER_LOG": "warn"},
    )
    assert child.stdin is not None and child.stdout is not None
    times: list[float] = []
    for n in range(WARMUP + SAMPLES):
        start = time.perf_counter()
        child.stdin.write(json.dumps({"type": "send", "id": n, "text": f"hello {n}", "idempotencyKey": f"k{n}"}).encode() + b"\n")
        child.stdin.flush()
        while True:
            message = json.loads(child.stdout.readline())
            if message.get("id") == n and message["type"] in ("result", "error"):
                break
        elapsed = time.perf_counter() - start
        assert message["payload"]["payloads"][0]["text"] == f"echo: hello {n}", message
        if n >= WARMUP:
            times.append(elapsed)
    child.stdin.close()
    child.wait(10)
    return times


def sdk_round_trips(home: str) -> list[float]:
    times: list[float] = []
    with tether.connect(home, command=str(CLI), attach=False) as client:
        for n in range(WARMUP + SAMPLES):
            start = time.perf_counter()
            reply = client.run(f"hello {n}")
            elapsed = time.perf_counter() - start
            assert reply.text == f"echo: hello {n}", reply
            if n >= WARMUP:
                times.append(elapsed)
    return times


def sdk_batch(home: str) -> float:
    with tether.connect(home, command=str(CLI), attach=False) as client:
        client.run("warm up")
        specs = [{"prompt": f"task {i}", "session": f"batch-{i % CONCURRENCY}"} for i in range(BATCH)]
        start = time.perf_counter()
        results = client.run_many(specs, concurrency=CONCURRENCY)
        elapsed = time.perf_counter() - start
    texts = [r.text if isinstance(r, tether.Reply) else repr(r) for r in results]
    assert texts == [f"echo: task {i}" for i in range(BATCH)], texts[:3]
    return elapsed


def cli_batch(home: str) -> float:
    start = time.perf_counter()
    for i in range(BATCH):
        done = subprocess.run(
            [NODE, str(CLI), "agent", "--home", home, "--json", "-m", f"task {i}"],
            capture_output=True,
            text=True,
            env={**os.environ, "TETHER_LOG": "warn"},
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["payloads"][0]["text"] == f"echo: task {i}"
    return time.perf_counter() - start


def main() -> int:
    if not CLI.is_file():
        print(f"no compiled gateway at {CLI}: run npm run build", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        bare = statistics.median(bare_round_trips(a)) * 1000
        sdk = statistics.median(sdk_round_trips(b)) * 1000
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        batch = sdk_batch(a)
        sequential = cli_batch(b)
    round_trip_ratio = sdk / bare
    batch_ratio = sequential / batch
    print(f"run() round trip p50 ({SAMPLES} runs): SDK {sdk:.3f} ms, bare stdio client {bare:.3f} ms, "
          f"ratio {round_trip_ratio:.2f}x (target <= 1.5x)")
    print(f"{BATCH} runs: SDK run_many at concurrency {CONCURRENCY} {batch:.2f} s, {BATCH} sequential "
          f"`tether agent --json` {sequential:.2f} s, ratio {batch_ratio:.1f}x (expect >= 20x)")
    return 0 if round_trip_ratio <= 1.5 and batch_ratio >= 20 else 1


if __name__ == "__main__":
    sys.exit(main())
