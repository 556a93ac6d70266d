"""Finding and keeping a gateway connection: attach to a running one, else start one.

The link owns the connection a client uses and, in spawn mode, the child behind it.
When the connection breaks, ``reconnect`` replaces it once, however many threads saw
it break, by attaching again or starting a new child on the same data dir (where the
sessions, and so the idempotency keys, live).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tether.connection import Connection, Expired, PendingRequest
from tether.errors import ConnectionLost, GatewayNotFound, TetherError, request_error
from tether.locate import gateway_command, socket_path
from tether.process import GatewayProcess
from tether.protocol import PROTOCOL_VERSION, HelloPayload, HelloRequest
from tether.transport import PipeTransport, SocketTransport
from tether.version import __version__

HELLO_TIMEOUT_S = 30.0
"""How long a gateway may take to answer the first request (a cold Node start is ~0.3 s)."""

RUN_EVENTS: list[Any] = [
    "reply.delta",
    "reply",
    "session.updated",
    "delivery",
    "tool.call",
    "tool.result",
    "approval.requested",
    "approval.resolved",
]
"""The events a client asks for: everything about its runs, no heartbeats."""

REQUIRED_CAPABILITIES = ("idempotency", "wait", "request-ids")
"""What exactly-once retries need from the gateway."""


@dataclass
class LinkOptions:
    """How to reach a gateway (see tether.connect for the meaning of each)."""

    data_dir: Path
    spawn: bool = True
    attach: bool = True
    command: str | Sequence[str] | None = None
    config: str | os.PathLike[str] | None = None
    gateway_args: Sequence[str] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    max_request_bytes: int = 16 * 1024 * 1024
    close_grace_s: float = 5.0


class GatewayLink:
    """The current connection to one gateway, and how to get a new one."""

    def __init__(self, options: LinkOptions) -> None:
        self.options = options
        self._lock = threading.Lock()
        self._connection: Connection | None = None
        self._process: GatewayProcess | None = None
        self._closed = False
        self.mode: Literal["attached", "spawned"] | None = None
        self.hello: HelloPayload | None = None

    @property
    def process(self) -> GatewayProcess | None:
        """The child this link started, while it has one."""
        return self._process

    def connection(self) -> Connection:
        """The current connection, opening the first one if needed."""
        with self._lock:
            if self._connection is None:
                self._connection = self._open(first=True)
            return self._connection

    def reconnect(self, broken: Connection) -> Connection:
        """Replaces ``broken`` with a new connection, unless another thread did already."""
        with self._lock:
            current = self._connection
            if current is not None and current is not broken and current.alive:
                return current  # someone else reconnected while we waited for the lock
            self._drop_current()
            self._connection = self._open(first=False)
            return self._connection

    def close(self) -> None:
        """Closes the connection and stops the child this link started (staged: EOF, TERM, KILL)."""
        with self._lock:
            self._closed = True
            self._drop_current()

    def _drop_current(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._process is not None:
            self._process.close(eof_grace_s=self.options.close_grace_s)
            self._process = None

    def _open(self, *, first: bool) -> Connection:
        if self._closed:
            raise ConnectionLost("this client is closed; connect() again")
        options = self.options
        sock = socket_path(options.data_dir)
        if options.attach:
            try:
                connection = Connection(SocketTransport(sock), max_request_bytes=options.max_request_bytes)
            except OSError:
                pass  # nothing listening there: start our own below
            else:
                self._greet(connection)
                self.mode = "attached"
                return connection
        if not options.spawn:
            message = (
                f"no gateway answers at {sock}; start one with `tether rpc --listen` "
                f"(data dir {options.data_dir}), or connect with spawn=True"
            )
            raise GatewayNotFound(message) if first else ConnectionLost(message)
        argv = [*gateway_command(options.command, {**os.environ, **options.env}), "rpc", "--heartbeats", "off"]
        argv += ["--home", str(options.data_dir)]
        if options.config is not None:
            argv += ["--config", os.fspath(options.config)]
        argv += list(options.gateway_args)
        try:
            process = GatewayProcess(argv, {**os.environ, **options.env})
        except OSError as error:
            raise GatewayNotFound(f"could not start {' '.join(argv)}: {error}; check command= or TETHER_BIN") from error
        connection = Connection(PipeTransport(process), max_request_bytes=options.max_request_bytes)
        try:
            self._greet(connection)
        except BaseException:
            connection.close()
            process.close(eof_grace_s=0.5, term_grace_s=0.5)
            raise
        self._process = process
        self.mode = "spawned"
        return connection

    def _greet(self, connection: Connection) -> None:
        """Says hello: checks the gateway speaks our protocol and limits events to ours."""
        request: HelloRequest = {
            "type": "hello",
            "protocol": PROTOCOL_VERSION,
            "client": {"name": "tether-python", "version": __version__},
            "events": RUN_EVENTS,
        }
        pending = PendingRequest(connection, dict(request))
        try:
            message = pending.next(HELLO_TIMEOUT_S)
            while message.get("type") == "event":
                message = pending.next(HELLO_TIMEOUT_S)
        except Expired:
            connection.close()
            raise ConnectionLost(
                f"{connection.transport.describe()} did not answer hello within {HELLO_TIMEOUT_S:.0f} s; "
                "is it a tether gateway?"
            ) from None
        if message.get("type") == "error":
            raise request_error(str(message.get("code")), str(message.get("error")), message)
        payload: HelloPayload = message["payload"]
        missing = [name for name in REQUIRED_CAPABILITIES if name not in payload["capabilities"]]
        if missing:
            connection.close()
            raise TetherError(
                f"{connection.transport.describe()} (tether {payload['version']}) lacks {', '.join(missing)}; "
                "upgrade tether to use this client"
            )
        self.hello = payload
