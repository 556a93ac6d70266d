"""The asyncio client: the same methods as Client, as coroutines and async iterators.

It shares the connection machinery with the blocking client: the connection's reader
thread hands each line to the event loop (``call_soon_threadsafe``), so coroutines
never block on the socket or pipe. Writes are one short ``write`` each, done on the
loop thread; the reader keeps draining the gateway's output, so the gateway keeps
reading its input and a write does not stall. Starting a child, which does block,
runs in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, cast

from tether.approvals import Approver, decide
from tether.backoff import Backoff, Deadline
from tether.client import COMPACT_TIMEOUT_S, REQUEST_TIMEOUT_S, TOOLS_TIMEOUT_S
from tether.connection import Closed, Connection, Delivered, Expired, Message, event_filter
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


class AsyncPendingRequest:
    """A request in flight whose lines arrive on the event loop."""

    def __init__(self, connection: Connection, request: dict[str, Any], *, keep_events: bool = True) -> None:
        self.connection = connection
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[Delivered] = asyncio.Queue()
        sink, self._run_ids = event_filter(self._post, keep_events)
        self.id = connection.open(request, sink)

    @property
    def run_id(self) -> str | None:
        """The run id the request's events named last, if any."""
        return self._run_ids[-1] if self._run_ids else None

    def _post(self, item: Delivered) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:
            pass  # the loop is closed: nobody is waiting for this line

    async def next(self, timeout_s: float | None) -> Message:
        """The next line for this request; raises the connection's error if it ended, Expired on timeout."""
        try:
            item = await asyncio.wait_for(self._queue.get(), timeout_s)
        except asyncio.TimeoutError:
            raise Expired() from None
        if isinstance(item, Closed):
            item.raise_error()
        assert not isinstance(item, Closed)
        return item

    def forget(self) -> None:
        """Stops listening: later lines for this request are dropped."""
        self.connection.forget(self.id)


class AsyncClient:
    """A connection to one Tether gateway, for asyncio. Use ``await tether.connect_async()`` to make one."""

    def __init__(
        self, link: GatewayLink, *, backoff: Backoff | None = None, request_timeout: float = REQUEST_TIMEOUT_S
    ) -> None:
        self._link = link
        self._backoff = backoff or Backoff()
        self._request_timeout = request_timeout

    @property
    def mode(self) -> str:
        """``attached`` or ``spawned`` (see Client.mode)."""
        return self._link.mode or "closed"

    @property
    def gateway_pid(self) -> int | None:
        """The pid of the child this client started, or None when attached."""
        process = self._link.process
        return process.pid if process is not None else None

    async def close(self) -> None:
        """Closes the connection and stops a child this client started (in a worker thread: it waits)."""
        await asyncio.to_thread(self._link.close)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def run(
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
        """Runs one prompt and returns its settled Reply (see Client.run)."""
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
        async for item in self._stream(request, Deadline(timeout), keep_events=approve is not None, approve=approve):
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
    ) -> AsyncIterator[RunEvent | Reply]:
        """Runs one prompt, yielding its events as they happen and its Reply last (see Client.stream)."""
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

    async def run_many(
        self, specs: Iterable[str | Mapping[str, Any]], *, concurrency: int = 8
    ) -> list[Reply | BaseException]:
        """Runs many prompts, ``concurrency`` at a time; each Reply or exception in input order (see Client)."""
        parsed = [run_spec(spec) for spec in specs]
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(prompt: str, options: dict[str, Any]) -> Reply | BaseException:
            async with gate:
                try:
                    return await self.run(prompt, **options)
                except Exception as error:  # collected, not raised: one failure must not hide the others
                    return error

        return list(await asyncio.gather(*(one(prompt, options) for prompt, options in parsed)))

    async def _connection(self, broken: Connection | None) -> Connection:
        if broken is None:
            return self._link.connection()  # already open since connect_async(): no blocking here
        return await asyncio.to_thread(self._link.reconnect, broken)

    async def _stream(
        self, request: SendRequest, deadline: Deadline, *, keep_events: bool = True, approve: Approver | None = None
    ) -> AsyncIterator[RunEvent | Reply]:
        attempt = 0
        broken: Connection | None = None
        run_id: str | None = None
        while True:
            connection: Connection | None = None
            pending: AsyncPendingRequest | None = None
            try:
                connection = await self._connection(broken)
                pending = AsyncPendingRequest(connection, dict(request), keep_events=keep_events)
                while True:
                    message = await pending.next(deadline.remaining())
                    if message.get("type") == "event":
                        event = decode_event(str(message.get("event")), message.get("payload", {}))
                        if event is not None:
                            run_id = getattr(event, "run_id", run_id)
                            if approve is not None and isinstance(event, ApprovalRequested):
                                await self._answer(approve, event)
                            yield event
                        continue
                    pending = None  # answered: nothing left to forget
                    if message.get("type") == "result":
                        yield Reply.from_payload(message["payload"])
                        return
                    raise request_error(str(message.get("code")), str(message.get("error")), message)
            except Expired:
                run_id = run_id or (pending.run_id if pending is not None else None)
                settled = await self._expire(request, pending, run_id, deadline)
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
                await asyncio.sleep(delay)
            finally:
                if pending is not None:
                    pending.forget()

    async def _expire(
        self, request: SendRequest, pending: AsyncPendingRequest | None, run_id: str | None, deadline: Deadline
    ) -> Reply | Timeout:
        """After a run's deadline: aborts it and collects what it produced (see Client._expire)."""
        partial: Reply | None = None
        key, session = request["idempotencyKey"], request.get("session", DEFAULT_SESSION)
        try:
            if run_id is None:
                run_id = (await self.wait(key, session=session)).run_id
            if run_id is not None:
                await self.abort(run_id=run_id)
            settle = Deadline(ABORT_SETTLE_S)
            while pending is not None:
                message = await pending.next(settle.remaining())
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

    async def abort(self, session: str | None = None, *, run_id: str | None = None) -> list[str]:
        """Aborts one run (``run_id``), or every run of ``session`` (default main); returns the aborted run ids."""
        request: dict[str, Any] = {"type": "abort"}
        if run_id is not None:
            request["runId"] = run_id
        elif session is not None:
            request["session"] = session
        return cast(AbortPayload, await self._call(request))["runIds"]

    async def wait(
        self,
        idempotency_key: str | None = None,
        *,
        run_id: str | None = None,
        session: str | None = None,
        timeout: float = 0.0,
    ) -> WaitOutcome:
        """Where a send stands, by its idempotency key or run id (see Client.wait)."""
        request = wait_request(idempotency_key, run_id, session, timeout)
        return WaitOutcome.from_payload(await self._call(dict(request), timeout_s=timeout + REQUEST_TIMEOUT_S))

    async def approve(self, call_id: str, decision: ApprovalDecision) -> bool:
        """Answers an ApprovalRequested: ``allow-once``, ``allow-session`` or ``deny``.

        Returns False when the call no longer waits (answered already, timed out, or
        its run ended): the first answer counts.
        """
        try:
            await self._call({"type": "approve", "callId": call_id, "decision": decision}, retry=False)
        except NotFound:
            return False
        return True

    async def tools(self) -> list[ToolServerCatalog]:
        """The gateway's MCP servers (started if they were not) and each one's tools, with their policy."""
        return cast(ToolsPayload, await self._call({"type": "tools"}, timeout_s=TOOLS_TIMEOUT_S))["servers"]

    async def _answer(self, approve: Approver, event: ApprovalRequested) -> None:
        """Answers an approval of a run for the caller's ``approve=``; an approver that raises denies the call."""
        try:
            decision = decide(approve, event)
        except Exception:
            decision = "deny"  # a broken approver must not run a tool it never allowed
            await self.approve(event.call_id, decision)
            raise
        await self.approve(event.call_id, decision)

    async def status(self, *, verbose: bool = False) -> StatusPayload:
        """Health and load of the gateway."""
        return cast(StatusPayload, await self._call({"type": "status", "verbose": verbose}))

    async def sessions(self) -> list[SessionSummary]:
        """Every session on disk, most recently updated first."""
        return cast(SessionsPayload, await self._call({"type": "sessions"}))["sessions"]

    async def history(
        self, session: str = DEFAULT_SESSION, *, page_size: int = 100, start: int = 0
    ) -> AsyncIterator[HistoryMessage]:
        """A session's messages, oldest first from ``start``, fetched ``page_size`` at a time as you iterate."""
        index = start
        while True:
            request = {"type": "history", "session": session, "limit": page_size, "before": index + page_size}
            page = cast(HistoryPayload, await self._call(request))
            messages = [message for message in page["messages"] if message["index"] >= index]
            for message in messages:
                yield message
            if not messages or messages[-1]["index"] + 1 >= page["total"]:
                return
            index = messages[-1]["index"] + 1

    async def compact(self, session: str = DEFAULT_SESSION, *, timeout: float = COMPACT_TIMEOUT_S) -> CompactPayload:
        """Replaces what the provider sees of a session with a summary."""
        payload = await self._call({"type": "compact", "session": session}, timeout_s=timeout, retry=False)
        return cast(CompactPayload, payload)

    async def set_heartbeats(self, enabled: bool) -> bool:
        """Turns the gateway's heartbeat timer on or off; returns the new setting."""
        return bool((await self._call({"type": "set-heartbeats", "enabled": enabled}))["enabled"])

    async def _call(
        self, request: dict[str, Any], *, timeout_s: float | None = None, retry: bool = True
    ) -> dict[str, Any]:
        """Sends one request and returns its result payload; reads are retried on a broken connection."""
        deadline = Deadline(self._request_timeout if timeout_s is None else timeout_s)
        attempt = 0
        broken: Connection | None = None
        while True:
            connection: Connection | None = None
            pending: AsyncPendingRequest | None = None
            try:
                connection = await self._connection(broken)
                pending = AsyncPendingRequest(connection, request)
                while True:
                    message = await pending.next(deadline.remaining())
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
                await asyncio.sleep(deadline.cap(self._backoff.delay_s(attempt)))
            finally:
                if pending is not None:
                    pending.forget()

    def _stderr_note(self) -> str:
        process = self._link.process
        tail = process.stderr_tail() if process is not None else ""
        return f" (the gateway's stderr ends with: {tail[-500:]})" if tail else ""
