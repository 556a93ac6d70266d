"""One live connection to a gateway: numbered requests out, lines routed back by id.

Every request gets an id, so responses may come back in any order and many threads
(or coroutines) can share one connection. A single reader thread splits the incoming
bytes into lines and hands each line to the sink of the request it names; when the
stream ends, every open request's sink gets the reason, so no caller waits forever.
"""

from __future__ import annotations

import itertools
import json
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from tether.errors import ConnectionLost, InvalidRequest, TetherError
from tether.framing import DEFAULT_MAX_LINE_BYTES, LineSplitter
from tether.transport import Transport

log = logging.getLogger("tether")

DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024
"""The gateway's default line limit; a longer request is refused here, before it is sent."""

Message = dict[str, Any]
"""One decoded line from the gateway: a result, an error or an event."""


class Closed:
    """What a request's sink receives when the connection ended before the request was answered."""

    def __init__(self, error: TetherError) -> None:
        self.error = error

    def raise_error(self) -> None:
        """Raises a copy of the error, so threads raising it at once do not share a traceback."""
        raise clone_error(self.error)


def clone_error(error: TetherError) -> TetherError:
    """A fresh instance with the same class, message and attributes (without running ``__init__``)."""
    clone = type(error).__new__(type(error))
    clone.args = error.args
    clone.__dict__.update(error.__dict__)
    return clone


Delivered = Message | Closed
Sink = Callable[[Delivered], None]

_connection_numbers = itertools.count(1)


class Connection:
    """Requests with ids over one transport, and the reader thread that answers them."""

    def __init__(
        self,
        transport: Transport,
        *,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        self.transport = transport
        self._max_request_bytes = max_request_bytes
        self._splitter = LineSplitter(max_line_bytes)
        self._prefix = f"py{next(_connection_numbers)}-"
        self._ids = itertools.count(1)
        self._pending: dict[str, Sink] = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closing = False
        self._error: TetherError | None = None
        self._ended = threading.Event()
        self._reader = threading.Thread(target=self._read_loop, name=f"tether-reader-{self._prefix}", daemon=True)
        self._reader.start()

    @property
    def alive(self) -> bool:
        """False once the stream ended (or close() was called)."""
        return self._error is None and not self._closing

    def open(self, request: dict[str, Any], sink: Sink) -> str:
        """Sends ``request`` with a fresh id; ``sink`` gets its events, then its response. Returns the id."""
        request_id = f"{self._prefix}{next(self._ids)}"
        data = (json.dumps({**request, "id": request_id}, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        if len(data) > self._max_request_bytes:
            raise InvalidRequest(
                "line_too_long",
                f"the {request.get('type')} request is {len(data)} bytes, over the gateway's "
                f"{self._max_request_bytes}-byte line limit; send a shorter text, or start the gateway with "
                "a larger --max-line-bytes and pass max_request_bytes= to connect()",
            )
        with self._lock:
            if self._error is not None:
                Closed(self._error).raise_error()
            if self._closing:
                raise ConnectionLost(f"the connection to {self.transport.describe()} was closed by this client")
            self._pending[request_id] = sink
        try:
            with self._write_lock:
                self.transport.write(data)
        except OSError as error:
            self.forget(request_id)
            self._ended.wait(3.0)  # the reader sees the end and says why
            raise (
                clone_error(self._error)
                if self._error is not None
                else ConnectionLost(f"writing to {self.transport.describe()} failed: {error}")
            ) from error
        return request_id

    def forget(self, request_id: str) -> None:
        """Stops routing lines to a request nobody waits for any more (its answer is dropped)."""
        with self._lock:
            self._pending.pop(request_id, None)

    def wait_ended(self, timeout_s: float) -> bool:
        """Waits for the reader to see the end of the stream; True if it did."""
        return self._ended.wait(timeout_s)

    def close(self) -> None:
        """Closes the transport; open requests fail with ConnectionLost."""
        with self._lock:
            self._closing = True
        self.transport.close()

    def _read_loop(self) -> None:
        reason = "end of stream"
        try:
            while chunk := self.transport.read():
                for line in self._splitter.push(chunk):
                    self._dispatch(line)
                if self._splitter.oversize_lines:
                    log.warning(
                        "%s wrote %d oversize line(s); dropped",
                        self.transport.describe(),
                        self._splitter.oversize_lines,
                    )
                    self._splitter.oversize_lines = 0
            last = self._splitter.finish()
            if last is not None:
                self._dispatch(last)
        except Exception as failure:  # a bug here must not leave callers waiting forever
            log.exception("tether reader thread failed")
            reason = f"reader failed: {failure}"
        ended: TetherError
        if self._closing:
            ended = ConnectionLost(f"the connection to {self.transport.describe()} was closed by this client")
        else:
            ended = self.transport.ended(reason)
        with self._lock:
            self._error = ended
            sinks = list(self._pending.values())
            self._pending.clear()
        for sink in sinks:
            self._deliver(sink, Closed(ended))
        self._ended.set()

    def _dispatch(self, line: bytes) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            log.warning("%s wrote a line that is not JSON: %.200r", self.transport.describe(), line)
            return
        if not isinstance(message, dict):
            log.warning("%s wrote a JSON line that is not an object: %.200r", self.transport.describe(), line)
            return
        request_id = message.get("id")
        if not isinstance(request_id, str):
            if message.get("type") == "error":
                log.warning("%s answered a line it could not read: %s", self.transport.describe(), message.get("error"))
            return  # heartbeat events and the like: no request of ours
        final = message.get("type") in ("result", "error")
        with self._lock:
            sink = self._pending.pop(request_id, None) if final else self._pending.get(request_id)
        if sink is not None:
            self._deliver(sink, message)

    @staticmethod
    def _deliver(sink: Sink, item: Delivered) -> None:
        try:
            sink(item)
        except Exception:  # a consumer's failure must not stop the reader
            log.exception("tether: a response handler failed")


class Expired(Exception):
    """A blocking wait for the next line ran out of time."""


def event_filter(post: Sink, keep_events: bool) -> tuple[Sink, list[str]]:
    """Wraps a sink so that, unless ``keep_events``, events only note the run id and are not passed on.

    A caller that wants only the settled answer is then woken once per request instead
    of once per streamed piece, which is most of a short run's client-side cost. The
    returned list holds the run id seen last (needed to abort the run at a deadline).
    """
    run_ids: list[str] = []

    def sink(item: Delivered) -> None:
        if isinstance(item, dict) and item.get("type") == "event":
            payload = item.get("payload")
            if isinstance(payload, dict) and isinstance(payload.get("runId"), str):
                run_ids[:] = [payload["runId"]]
            if not keep_events:
                return
        post(item)

    return sink, run_ids


class PendingRequest:
    """A request in flight, read by one thread: its events (if kept), then its response."""

    def __init__(self, connection: Connection, request: dict[str, Any], *, keep_events: bool = True) -> None:
        self.connection = connection
        self._queue: queue.SimpleQueue[Delivered] = queue.SimpleQueue()
        sink, self._run_ids = event_filter(self._queue.put, keep_events)
        self.id = connection.open(request, sink)

    @property
    def run_id(self) -> str | None:
        """The run id the request's events named last, if any."""
        return self._run_ids[-1] if self._run_ids else None

    def next(self, timeout_s: float | None) -> Message:
        """The next line for this request; raises the connection's error if it ended, Expired on timeout."""
        try:
            item = self._queue.get(timeout=timeout_s) if timeout_s is not None else self._queue.get()
        except queue.Empty:
            raise Expired() from None
        if isinstance(item, Closed):
            item.raise_error()
        assert not isinstance(item, Closed)
        return item

    def forget(self) -> None:
        """Stops listening: later lines for this request are dropped."""
        self.connection.forget(self.id)
