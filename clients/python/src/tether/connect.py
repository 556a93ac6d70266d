"""``tether.connect()``: attach to the gateway serving a data dir, or start one."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from tether.async_client import AsyncClient
from tether.backoff import Backoff
from tether.client import REQUEST_TIMEOUT_S, Client
from tether.connection import DEFAULT_MAX_REQUEST_BYTES
from tether.link import GatewayLink, LinkOptions
from tether.locate import default_data_dir


def connect(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    spawn: bool = True,
    attach: bool = True,
    command: str | Sequence[str] | None = None,
    config: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    gateway_args: Sequence[str] = (),
    retries: int = 5,
    request_timeout: float = REQUEST_TIMEOUT_S,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
) -> Client:
    """Connects to the Tether gateway of ``data_dir`` and returns a thread-safe Client.

    With ``attach`` (the default) it uses the gateway listening on
    ``<data dir>/run/gateway.sock`` when one answers (``tether rpc --listen``).
    Otherwise, with ``spawn``, it starts its own ``tether rpc --heartbeats off`` child,
    found by ``command``, else ``$TETHER_BIN``, else ``tether`` on PATH, and stops it
    on close() (use the client as a context manager), at interpreter exit, or when
    this process dies. ``config``, ``env`` and ``gateway_args`` apply to a started
    child only. A run whose connection breaks is retried ``retries`` times.

    The data dir defaults to the gateway's own default: ``$TETHER_HOME``, else
    ``$XDG_DATA_HOME/tether``, else ``~/.local/share/tether``.
    """
    link = GatewayLink(_options(data_dir, spawn, attach, command, config, env, gateway_args, max_request_bytes))
    link.connection()  # fail here, not at the first call, when no gateway can be had
    return Client(link, backoff=Backoff(tries=retries), request_timeout=request_timeout)


async def connect_async(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    spawn: bool = True,
    attach: bool = True,
    command: str | Sequence[str] | None = None,
    config: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    gateway_args: Sequence[str] = (),
    retries: int = 5,
    request_timeout: float = REQUEST_TIMEOUT_S,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
) -> AsyncClient:
    """Like connect(), for asyncio: returns an AsyncClient (use ``async with``)."""
    link = GatewayLink(_options(data_dir, spawn, attach, command, config, env, gateway_args, max_request_bytes))
    await asyncio.to_thread(link.connection)  # starting a child blocks; keep the loop free
    return AsyncClient(link, backoff=Backoff(tries=retries), request_timeout=request_timeout)


def _options(
    data_dir: str | os.PathLike[str] | None,
    spawn: bool,
    attach: bool,
    command: str | Sequence[str] | None,
    config: str | os.PathLike[str] | None,
    env: Mapping[str, str] | None,
    gateway_args: Sequence[str],
    max_request_bytes: int,
) -> LinkOptions:
    merged_env = {**os.environ, **(env or {})}
    directory = Path(data_dir).expanduser().resolve() if data_dir is not None else default_data_dir(merged_env)
    return LinkOptions(
        data_dir=directory,
        spawn=spawn,
        attach=attach,
        command=command,
        config=config,
        gateway_args=tuple(gateway_args),
        env=dict(env or {}),
        max_request_bytes=max_request_bytes,
    )
