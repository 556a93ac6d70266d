"""Fixtures: the real compiled gateway, fresh data dirs, and clients that are always closed.

Every gateway a test starts carries a unique marker in its environment, so a test can
count the processes it left behind by scanning /proc, not by sleeping and hoping.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import tether

REPO_ROOT = Path(__file__).resolve().parents[3]
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
MARKER_VARIABLE = "TETHER_PYTEST_MARKER"


def gateway_script() -> Path:
    """The compiled gateway host under test: $TETHER_BIN, else this checkout's dist/rpc-host/cli.cjs."""
    return Path(os.environ.get("TETHER_BIN") or REPO_ROOT / "dist" / "rpc-host" / "cli.cjs")


def gateway_argv() -> list[str]:
    """How to run the gateway under test (a .js file runs with node)."""
    script = gateway_script()
    if not script.is_file():
        pytest.fail(f"no compiled gateway at {script}: run `npm run build` in {REPO_ROOT} (or set TETHER_BIN)")
    node = shutil.which("node")
    assert node is not None, "node is not on PATH"
    return [node, str(script)] if script.suffix in (".js", ".mjs") else [str(script)]


def marked_pids(marker: str) -> list[int]:
    """Pids of live (non-zombie) processes whose environment carries ``marker``."""
    needle = f"{MARKER_VARIABLE}={marker}".encode()
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if stat[stat.rindex(")") + 2] not in "ZX":
            found.append(int(entry.name))
    return found


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Polls ``condition`` until it holds; fails naming ``what`` after ``timeout_s``."""
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"{what} did not happen within {timeout_s} s")
        time.sleep(0.02)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fresh, empty data dir."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def marker() -> str:
    """A unique tag put into the environment of every gateway the test starts."""
    return uuid.uuid4().hex


ClientFactory = Callable[..., tether.Client]


@pytest.fixture
def spawn_client(home: Path, marker: str) -> Iterator[ClientFactory]:
    """Makes spawn-mode clients on ``home`` (closed at the end); keyword args go to connect()."""
    clients: list[tether.Client] = []

    def make(**options: Any) -> tether.Client:
        env = {MARKER_VARIABLE: marker, "TETHER_LOG": "warn", **options.pop("env", {})}
        options.setdefault("data_dir", home)
        client = tether.connect(command=gateway_argv(), attach=False, env=env, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
    assert marked_pids(marker) == [], "a gateway outlived its client's close()"


def write_config(home: Path, config: dict[str, Any]) -> Path:
    """Writes ``config.json`` into a data dir."""
    path = home / "config.json"
    path.write_text(json.dumps(config))
    return path


def child_env(marker: str, **extra: str) -> dict[str, str]:
    """Environment for a Python child process that imports tether from src."""
    return {
        **os.environ,
        "PYTHONPATH": str(PACKAGE_ROOT / "src"),
        MARKER_VARIABLE: marker,
        "TETHER_LOG": "warn",
        **extra,
    }


def run_python(code: str, env: dict[str, str], timeout_s: float = 60) -> subprocess.CompletedProcess[str]:
    """Runs a Python snippet in a child interpreter and returns its outcome."""
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout_s)
