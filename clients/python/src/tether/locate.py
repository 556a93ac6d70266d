"""Where the gateway is: its data dir, its socket, and the command that starts one.

The data dir rule is the gateway's own (``rpc-host/data-dir.ts``), so a client and a
gateway started without arguments agree on the same sessions and the same socket.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tether.errors import GatewayNotFound

SOCKET_RELATIVE_PATH = Path("run") / "gateway.sock"
"""Where ``tether rpc --listen`` puts its socket, inside the data dir."""

_NODE_SCRIPT_SUFFIXES = (".js", ".mjs", ".cjs")


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$TETHER_HOME``, else ``$XDG_DATA_HOME/tether`` (when absolute), else ``~/.local/share/tether``."""
    env = os.environ if env is None else env
    home = env.get("TETHER_HOME")
    if home:
        return Path(home).resolve()
    if sys.platform == "win32" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "tether"
    xdg = env.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg.startswith("/") else Path.home() / ".local" / "share"
    return base / "tether"


def socket_path(data_dir: Path) -> Path:
    """The gateway socket of a data dir."""
    return data_dir / SOCKET_RELATIVE_PATH


def gateway_command(command: str | Sequence[str] | None, env: Mapping[str, str] | None = None) -> list[str]:
    """The argv that starts a gateway (without ``rpc`` and its flags).

    In order: ``command`` (a path or an argv), ``$TETHER_BIN``, ``tether`` on PATH. A
    path to a JavaScript file (the checkout's ``dist/rpc-host/cli.cjs``) runs with
    ``node``. Raises GatewayNotFound naming all three ways when none gives a program.
    """
    env = os.environ if env is None else env
    if command is not None:
        argv = [command] if isinstance(command, str) else list(command)
        if not argv:
            raise GatewayNotFound("command=[] names no program; give the tether executable, e.g. command='tether'")
        return _runnable(argv, f"command={command!r}", env)
    from_env = env.get("TETHER_BIN")
    if from_env:
        return _runnable([from_env], f"TETHER_BIN={from_env!r}", env)
    on_path = shutil.which("tether", path=env.get("PATH"))
    if on_path:
        return [on_path]
    raise GatewayNotFound(
        "no tether gateway to start: pass command='/path/to/tether' to connect(), "
        "set TETHER_BIN to the tether executable, or put tether on PATH "
        "(npm install -g tether, or TETHER_BIN=<checkout>/dist/rpc-host/cli.cjs after npm run build)"
    )


def _runnable(argv: list[str], origin: str, env: Mapping[str, str]) -> list[str]:
    """Resolves argv[0] to a program, running JavaScript files with node."""
    program = argv[0]
    if os.sep in program or (os.altsep and os.altsep in program):
        if not Path(program).is_file():
            raise GatewayNotFound(f"{origin}: no file at {program}; point it at the tether executable")
        if program.endswith(_NODE_SCRIPT_SUFFIXES):
            node = shutil.which("node", path=env.get("PATH"))
            if node is None:
                raise GatewayNotFound(
                    f"{origin} is a JavaScript file, but node is not on PATH; install Node.js 20.11 or later"
                )
            return [node, program, *argv[1:]]
        return argv
    found = shutil.which(program, path=env.get("PATH"))
    if found is None:
        raise GatewayNotFound(f"{origin}: {program!r} is not on PATH; give its full path")
    return [found, *argv[1:]]
