"""The gateway child this client started, and everything needed to stop it.

One owner per process tree: the child runs in its own process group, so a staged
close can reach whatever it started. Stopping goes stdin EOF (the gateway's own
clean shutdown: runs finish within its grace period), then SIGTERM, then SIGKILL of
the whole group. An atexit reaper stops children a crashing script forgot, and a
parent killed outright still stops its child: the kernel closes the pipe, and the
gateway exits on stdin EOF.
"""

from __future__ import annotations

import atexit
import collections
import os
import signal
import subprocess
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import IO

STDERR_TAIL_BYTES = 8192
"""How much of the child's recent stderr is kept for error messages."""

EOF_GRACE_S = 5.0
"""How long a child may take to stop after stdin EOF: its 2 s grace for runs, plus settling."""

TERM_GRACE_S = 2.0
"""How long a child may take to stop after SIGTERM before it is killed."""

_live: weakref.WeakSet[GatewayProcess] = weakref.WeakSet()
_live_lock = threading.Lock()


class GatewayProcess:
    """A started ``tether rpc`` child: its pipes, a bounded stderr tail, and a staged stop."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.argv = list(argv)
        self._popen = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            start_new_session=True,  # its own process group, so a stop reaches all it started
            bufsize=0,
        )
        self.pid = self._popen.pid
        self._stderr_tail: collections.deque[bytes] = collections.deque()
        self._stderr_bytes = 0
        self._stderr_lock = threading.Lock()
        self._stop_lock = threading.Lock()
        threading.Thread(target=self._drain_stderr, name=f"tether-stderr-{self.pid}", daemon=True).start()
        with _live_lock:
            _live.add(self)

    @property
    def stdin(self) -> IO[bytes]:
        """The child's stdin (requests go here)."""
        assert self._popen.stdin is not None
        return self._popen.stdin

    @property
    def stdout(self) -> IO[bytes]:
        """The child's stdout (responses and events come from here)."""
        assert self._popen.stdout is not None
        return self._popen.stdout

    def exit_code(self, wait_s: float = 0.0) -> int | None:
        """The exit code (negative: killed by that signal), waiting up to ``wait_s``; None while it runs."""
        try:
            return self._popen.wait(timeout=wait_s) if wait_s > 0 else self._popen.poll()
        except subprocess.TimeoutExpired:
            return None

    def stderr_tail(self) -> str:
        """The last few KiB the child wrote on stderr."""
        with self._stderr_lock:
            return b"".join(self._stderr_tail).decode("utf-8", "replace").strip()

    def close(self, eof_grace_s: float = EOF_GRACE_S, term_grace_s: float = TERM_GRACE_S) -> int | None:
        """Stops the child: stdin EOF, wait, SIGTERM, wait, SIGKILL of its group. Returns the exit code.

        Safe to call more than once and from several threads; later calls wait for the first.
        """
        with self._stop_lock:
            try:
                self.stdin.close()
            except OSError:
                pass  # already closed: the child may be gone
            code = self.exit_code(eof_grace_s)
            if code is None:
                self._signal_group(signal.SIGTERM)
                code = self.exit_code(term_grace_s)
            if code is None:
                self._signal_group(signal.SIGKILL)
                code = self._popen.wait()
            self._signal_group(signal.SIGKILL)  # anything the child left behind in its group
            for stream in (self._popen.stdout,):
                if stream is not None:
                    stream.close()
            with _live_lock:
                _live.discard(self)
            return code

    def kill(self) -> None:
        """Kills the child's whole group at once (SIGKILL), for when waiting is pointless."""
        self._signal_group(signal.SIGKILL)

    def _signal_group(self, signum: int) -> None:
        try:
            os.killpg(self.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass  # the group is gone already

    def _drain_stderr(self) -> None:
        """Reads stderr to its end, keeping a bounded tail, so the child never blocks on a full pipe."""
        stream = self._popen.stderr
        assert stream is not None
        try:
            while chunk := stream.read(4096):  # unbuffered: returns what is there
                with self._stderr_lock:
                    self._stderr_tail.append(chunk)
                    self._stderr_bytes += len(chunk)
                    while self._stderr_bytes - len(self._stderr_tail[0]) >= STDERR_TAIL_BYTES:
                        self._stderr_bytes -= len(self._stderr_tail.popleft())
        except (OSError, ValueError):
            pass  # closed under us at shutdown
        finally:
            stream.close()


def _reap_at_exit() -> None:
    """Stops every child still running when the interpreter exits (a script that forgot close())."""
    with _live_lock:
        children = list(_live)
    for child in children:
        child.close(eof_grace_s=2.0, term_grace_s=1.0)


atexit.register(_reap_at_exit)
