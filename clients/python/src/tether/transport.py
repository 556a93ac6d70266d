"""Byte pipes to a gateway: a spawned child's stdio, or a gateway's Unix socket.

A transport only moves bytes and says why it ended; matching responses to requests
is the connection's job. Writes are serialized by the connection; one reader thread
calls ``read``.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Protocol

from tether.errors import ConnectionLost, GatewayExited, TetherError
from tether.process import GatewayProcess

READ_CHUNK_BYTES = 256 * 1024


class Transport(Protocol):
    """A duplex byte stream to one gateway."""

    def write(self, data: bytes) -> None:
        """Writes all of ``data``; raises OSError when the peer is gone."""

    def read(self) -> bytes:
        """The next bytes available, blocking; ``b""`` at end of stream."""

    def close(self) -> None:
        """Closes the stream (a spawned child is stopped by its owner, not here)."""

    def ended(self, reason: str) -> TetherError:
        """The error that describes why the stream ended, given what the reader saw."""

    def describe(self) -> str:
        """A short phrase naming the gateway, for messages."""


class PipeTransport:
    """The stdin/stdout of a gateway child this client started."""

    def __init__(self, process: GatewayProcess) -> None:
        self.process = process
        self._in = process.stdin.fileno()
        self._out = process.stdout.fileno()

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._in, view)
            view = view[written:]

    def read(self) -> bytes:
        try:
            return os.read(self._out, READ_CHUNK_BYTES)
        except OSError:
            return b""  # closed by close(): same as end of stream

    def close(self) -> None:
        pass  # the pipes belong to the process, which its owner stops

    def ended(self, reason: str) -> TetherError:
        code = self.process.exit_code(wait_s=2.0)  # stdout closes a moment before the exit is seen
        tail = self.process.stderr_tail()
        if code is None:
            return ConnectionLost(
                f"{self.describe()} closed its stdout ({reason}) but is still running; "
                "it will be stopped and started again"
            )
        said = f"; its stderr ended with:\n{tail}" if tail else "; it wrote nothing on stderr"
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        return GatewayExited(
            f"{self.describe()} {how}{said}",
            exit_code=code,
            stderr_tail=tail,
        )

    def describe(self) -> str:
        return f"the gateway child (pid {self.process.pid}, {' '.join(self.process.argv)})"


class SocketTransport:
    """A connection to a running gateway's Unix socket (``tether rpc --listen``)."""

    def __init__(self, path: Path, connect_timeout_s: float = 2.0) -> None:
        self.path = path
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(connect_timeout_s)
        try:
            sock.connect(str(path))
        except OSError:
            sock.close()
            raise
        sock.settimeout(None)
        self._sock = sock

    def write(self, data: bytes) -> None:
        self._sock.sendall(data)

    def read(self) -> bytes:
        try:
            return self._sock.recv(READ_CHUNK_BYTES)
        except OSError:
            return b""  # reset or closed by close(): same as end of stream

    def close(self) -> None:
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already disconnected
        self._sock.close()

    def ended(self, reason: str) -> TetherError:
        return ConnectionLost(f"{self.describe()} closed the connection ({reason}); is the gateway still running?")

    def describe(self) -> str:
        return f"the gateway at {self.path}"
