"""The synchronous client: blocking calls, safe to share between threads.

Many threads may call ``run`` at once over the one connection: each request has its
own id and its own queue, filled by the connection's reader thread. A run whose
connection breaks is sent again with the same idempotency key, so it runs once.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, cast

from tether.approvals import Approver, decide
from tether.backoff import Backoff, Deadline
from tether.connection import Connection, Expired, PendingRequest
from tether.errors import ConnectionLost, GatewayExited, NotFound, Timeout, request_error
from tether.events import ApprovalRequested, Reply, Retrying, RunEvent, WaitOutcome, decode_event
from tether.link import GatewayLink
from tether.protocol import (
    DEFAULT_SESSION,
    AbortPayload,
    ApprovalDecision,
    CompactPayload,
    HistoryMessage,
    HistoryPayload,
    SendRequest,
    SessionsPayload,
    SessionSummary,
    StatusPayload,
    ThinkingLevel,
    ToolServerCatalog,
    ToolsPayload,
)
from tether.requests import run_spec, send_request, wait_request
from tether.settle import ABORT_SETTLE_S, timeout_message, wire_type

REQUEST_TIMEOUT_S = 30.0
"""Default deadline of every call but run, wait and compact."""

COMPACT_TIMEOUT_S = 300.0

TOOLS_TIMEOUT_S = 120.0
"""How long ``tools()`` waits: the gateway starts every MCP server that is not running yet."""
"""Default deadline of compact, which runs a provider."""


class Client:
    """A connection to one Tether gateway, with blocking methods. Use ``tether.connect()`` to make one."""

    def __init__(
        self, link: GatewayLink, *, backoff: Backoff | None = None, request_timeout: float = REQUEST_TIMEOUT_S
    ) -> None:
        self._link = link
        self._backoff = backoff or Backoff()
        self._request_timeout = request_timeout

    # -- lifecycle ---------------------------------------------------------

    @property
    def mode(self) -> str:
        """``attached`` (to a running gateway's socket) or ``spawned`` (a child this client owns)."""
        return self._link.mode or "closed"

    @property
    def gateway_pid(self) -> int | None:
        """The pid of the child this client started, or None when attached."""
        process = self._link.process
        return process.pid if process is not None else None

    def close(self) -> None:
        """Closes the connection and stops a child this client started (stdin EOF, then SIGTERM, then SIGKILL)."""
        self._link.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # -- runs --------------------------------------------------------------

    def run(
        self,
        prompt: str,
        *,
        session: str = DEFAULT_SESSION,
        model: str | None = None,
        thinking: ThinkingLevel | None = None,
        deliver: bool = False,
        to: str | None = None,
        idempotency_key: str | None = None,
        timeout: float | None = None,
        tools: Sequence[str] | None = None,
        approve: Approver | None = None,
    ) -> Reply:
        """Runs one prompt and returns its settled Reply.

        Raises ProviderError when every model failed, Timeout (after aborting the run)
        when ``timeout`` seconds pass first, and GatewayExited or ConnectionLost only
        when the gateway could not be reached again within the retry budget.
        """
        request = send_request(
            prompt,
            session=session,
            model=model,
            thinking=thinking,
            deliver=deliver,
            to=to,
            idempotency_key=idempotency_key,
            tools=tools,
        )
        reply: Reply | None = None
        for item in self._stream(request, Deadline(timeout), keep_events=approve is not None, approve=approve):
            if isinstance(item, Reply):
                reply = item
        assert reply is not None  # stream() ends with a Reply or raises
        return reply

    def stream(
        self,
        prompt: str,
        *,
        session: str = DEFAULT_SESSION,
        model: str | None = None,
        thinking: ThinkingLevel | None = None,
        deliver: bool = False,
        to: str | None = None,
        idempotency_key: str | None = None,
        timeout: float | None = None,
        tools: Sequence[str] | None = None,
        approve: Approver | None = None,
    ) -> Iterator[RunEvent | Reply]:
        """Runs one prompt, yielding its events as they happen and its Reply last.

        Leaving the loop early stops listening; the run itself goes on in the gateway
        (abort it with ``abort(run_id=...)`` if it should not).
        """
        request = send_request(
            prompt,
            session=session,
            model=model,
            thinking=thinking,
            deliver=deliver,
            to=to,
            idempotency_key=idempotency_key,
            tools=tools,
        )
        return self._stream(request, Deadline(timeout), approve=approve)

    def run_many(
        self, specs: Iterable[str | Mapping[str, Any]], *, concurrency: int = 8
    ) -> list[Reply | BaseException]:
        """Runs many prompts, ``concurrency`` at a time; returns, in input order, each Reply or the exception it raised.

        A spec is a prompt, or a dict with ``prompt`` and any run() option. Runs in one
        session wait for each other (the gateway runs a session's sends in order), so
        give independent prompts their own ``session`` to run them side by side.
        """
        parsed = [run_spec(spec) for spec in specs]

        def one(entry: tuple[str, dict[str, Any]]) -> Reply | BaseException:
            prompt, options = entry
            try:
                return self.run(prompt, **options)
            except Exception as error:  # collected, not raised: one failure must not hide the others
                return error

        with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="tether-run") as pool:
            return list(pool.map(one, parsed))

    def _stream(
        self, request: SendRequest, deadline: Deadline, *, keep_events: bool = True, approve: Approver | None = None
    ) -> Iterator[RunEvent | Reply]:
        attempt = 0
        broken: Connection | None = None
        run_id: str | None = None
        while True:
            connection: Connection | None = None
            pending: PendingRequest | None = None
            try:
                connection = self._link.reconnect(broken) if broken is not None else self._link.connection()
                pending = PendingRequest(connection, dict(request), keep_events=keep_events)
                while True:
                    message = pending.next(deadline.remaining())
                    if message.get("type") == "event":
                        event = decode_event(str(message.get("event")), message.get("payload", {}))
                        if event is not None:
                            run_id = getattr(event, "run_id", run_id)
                            if approve is not None and isinstance(event, ApprovalRequested):
                                self._answer(approve, event)
                            yield event
                        continue
                    pending = None  # answered: nothing left to forget
                    if message.get("type") == "result":
                        yield Reply.from_payload(message["payload"])
                        return
                    raise request_error(str(message.get("code")), str(message.get("error")), message)
            except Expired:
                run_id = run_id or (pending.run_id if pending is not None else None)
                settled = self._expire(request, pending, run_id, deadline)
                pending = None
                if isinstance(settled, Reply):
                    yield settled  # it finished as the deadline passed
                    return
                raise settled from None
            except (ConnectionLost, GatewayExited) as error:
                broken = connection or broken
                attempt += 1
                if attempt > self._backoff.tries:
                    raise
                delay = deadline.cap(self._backoff.delay_s(attempt))
                yield Retrying(attempt, delay, str(error))
                time.sleep(delay)
            finally:
                if pending is not None:
                    pending.forget()

    def _expire(
        self, request: SendRequest, pending: PendingRequest | None, run_id: str | None, deadline: Deadline
    ) -> Reply | Timeout:
        """After a run's deadline: aborts it; a Timeout with what it produced, or its Reply if it just finished."""
        partial: Reply | None = None
        key, session = request["idempotencyKey"], request.get("session", DEFAULT_SESSION)
        try:
            if run_id is None:
                run_id = self.wait(key, session=session).run_id
            if run_id is not None:
                self.abort(run_id=run_id)
            settle = Deadline(ABORT_SETTLE_S)
            while pending is not None:
                message = pending.next(settle.remaining())
                if message.get("type") == "result":
                    partial = Reply.from_payload(message["payload"])
                    break
                if message.get("type") == "error":
                    break  # aborted before it started: nothing was produced
        except (Expired, ConnectionLost, GatewayExited):
            pass  # the deadline error below still says what happened
        finally:
            if pending is not None:
                pending.forget()
        if partial is not None and not partial.aborted:
            return partial
        return Timeout(timeout_message(request, deadline, partial, self._stderr_note()), reply=partial)

    # -- other requests ----------------------------------------------------

    def abort(self, session: str | None = None, *, run_id: str | None = None) -> list[str]:
        """Aborts one run (``run_id``), or every run of ``session`` (default main); returns the aborted run ids."""
        request: dict[str, Any] = {"type": "abort"}
        if run_id is not None:
            request["runId"] = run_id
        elif session is not None:
            request["session"] = session
        return cast(AbortPayload, self._call(request))["runIds"]

    def wait(
        self,
        idempotency_key: str | None = None,
        *,
        run_id: str | None = None,
        session: str | None = None,
        timeout: float = 0.0,
    ) -> WaitOutcome:
        """Where a send stands, by its idempotency key or run id; holds the answer up to ``timeout`` s while it runs."""
        request = wait_request(idempotency_key, run_id, session, timeout)
        return WaitOutcome.from_payload(self._call(dict(request), timeout_s=timeout + REQUEST_TIMEOUT_S))

    def approve(self, call_id: str, decision: ApprovalDecision) -> bool:
        """Answers an ApprovalRequested: ``allow-once``, ``allow-session`` or ``deny``.

        Returns False when the call no longer waits (answered already, timed out, or
        its run ended): the first answer counts.
        """
        try:
            self._call({"type": "approve", "callId": call_id, "decision": decision}, retry=False)
        except NotFound:
            return False
        return True

    def tools(self) -> list[ToolServerCatalog]:
        """The gateway's MCP servers (started if they were not) and each one's tools, with their policy."""
        return cast(ToolsPayload, self._call({"type": "tools"}, timeout_s=TOOLS_TIMEOUT_S))["servers"]

    def _answer(self, approve: Approver, event: ApprovalRequested) -> None:
        """Answers an approval of a run for the caller's ``approve=``; an approver that raises denies the call."""
        try:
            decision = decide(approve, event)
        except Exception:
            decision = "deny"  # a broken approver must not run a tool it never allowed
            self.approve(event.call_id, decision)
            raise
        self.approve(event.call_id, decision)

    def status(self, *, verbose: bool = False) -> StatusPayload:
        """Health and load of the gateway (``verbose``: per-session queues, memory, providers)."""
        return cast(StatusPayload, self._call({"type": "status", "verbose": verbose}))

    def sessions(self) -> list[SessionSummary]:
        """Every session on disk, most recently updated first."""
        return cast(SessionsPayload, self._call({"type": "sessions"}))["sessions"]

    def history(
        self, session: str = DEFAULT_SESSION, *, page_size: int = 100, start: int = 0
    ) -> Iterator[HistoryMessage]:
        """A session's messages, oldest first from index ``start``, fetched ``page_size`` at a time as you iterate."""
        index = start
        while True:
            request = {"type": "history", "session": session, "limit": page_size, "before": index + page_size}
            page = cast(HistoryPayload, self._call(request))
            messages = [message for message in page["messages"] if message["index"] >= index]
            yield from messages
            if not messages or messages[-1]["index"] + 1 >= page["total"]:
                return
            index = messages[-1]["index"] + 1

    def compact(self, session: str = DEFAULT_SESSION, *, timeout: float = COMPACT_TIMEOUT_S) -> CompactPayload:
        """Replaces what the provider sees of a session with a summary (the transcript keeps everything)."""
        return cast(CompactPayload, self._call({"type": "compact", "session": session}, timeout_s=timeout, retry=False))

    def set_heartbeats(self, enabled: bool) -> bool:
        """Turns the gateway's heartbeat timer on or off; returns the new setting."""
        return bool(self._call({"type": "set-heartbeats", "enabled": enabled})["enabled"])

    def _call(self, request: dict[str, Any], *, timeout_s: float | None = None, retry: bool = True) -> dict[str, Any]:
        """Sends one request and returns its result payload; reads are retried on a broken connection."""
        deadline = Deadline(self._request_timeout if timeout_s is None else timeout_s)
        attempt = 0
        broken: Connection | None = None
        while True:
            connection: Connection | None = None
            pending: PendingRequest | None = None
            try:
                connection = self._link.reconnect(broken) if broken is not None else self._link.connection()
                pending = PendingRequest(connection, request)
                while True:
                    message = pending.next(deadline.remaining())
                    if message.get("type") == "event":
                        continue
                    pending = None
                    if message.get("type") == "result":
                        return cast(dict[str, Any], message["payload"])
                    raise request_error(str(message.get("code")), str(message.get("error")), message)
            except Expired:
                raise Timeout(
                    f"the {wire_type(request)} request got no answer within {deadline.timeout_s} s"
                    f"{self._stderr_note()}; pass a longer timeout, or check the gateway with status()"
                ) from None
            except (ConnectionLost, GatewayExited):
                broken = connection or broken
                attempt += 1
                if not retry or attempt > self._backoff.tries:
                    raise
                time.sleep(deadline.cap(self._backoff.delay_s(attempt)))
            finally:
                if pending is not None:
                    pending.forget()

    def _stderr_note(self) -> str:
        process = self._link.process
        tail = process.stderr_tail() if process is not None else ""
        return f" (the gateway's stderr ends with: {tail[-500:]})" if tail else ""
