"""Building wire requests from the clients' keyword arguments, in one place for both clients."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from tether.protocol import DEFAULT_SESSION, MAX_WAIT_MS, SendRequest, ThinkingLevel, WaitRequest

RUN_OPTIONS = frozenset(
    {"session", "model", "thinking", "deliver", "to", "idempotency_key", "timeout", "tools", "approve"}
)
"""The keyword arguments of run(), which a run_many spec may also give."""


def send_request(
    prompt: str,
    *,
    session: str = DEFAULT_SESSION,
    model: str | None = None,
    thinking: ThinkingLevel | None = None,
    deliver: bool = False,
    to: str | None = None,
    idempotency_key: str | None = None,
    tools: Sequence[str] | None = None,
) -> SendRequest:
    """A ``send`` that always carries an idempotency key: the caller's, or a fresh uuid4.

    The key is what makes a retry after a broken connection safe: sent again, the
    gateway attaches to, replays or resumes the same message instead of running it twice.
    """
    request: SendRequest = {
        "type": "send",
        "text": prompt,
        "session": session,
        "idempotencyKey": idempotency_key if idempotency_key is not None else str(uuid.uuid4()),
    }
    if model is not None:
        request["model"] = model
    if thinking is not None:
        request["thinking"] = thinking
    if deliver:
        request["deliver"] = True
    if to is not None:
        request["to"] = to
    if tools is not None:
        if isinstance(tools, str):
            raise TypeError(f"tools must be a list of 'server/tool' names, got the string {tools!r}")
        request["tools"] = list(tools)
    return request


def wait_request(idempotency_key: str | None, run_id: str | None, session: str | None, timeout_s: float) -> WaitRequest:
    """A ``wait`` by key or run id (exactly one), holding the answer up to ``timeout_s``."""
    if (idempotency_key is None) == (run_id is None):
        raise ValueError("wait() needs exactly one of idempotency_key and run_id")
    request: WaitRequest = {"type": "wait", "timeoutMs": min(MAX_WAIT_MS, max(0, round(timeout_s * 1000)))}
    if idempotency_key is not None:
        request["idempotencyKey"] = idempotency_key
    if run_id is not None:
        request["runId"] = run_id
    if session is not None:
        request["session"] = session
    return request


def run_spec(spec: str | Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Splits a run_many spec (a prompt, or a dict with ``prompt`` and run() options) into prompt and options."""
    if isinstance(spec, str):
        return spec, {}
    options = dict(spec)
    prompt = options.pop("prompt", None)
    if not isinstance(prompt, str):
        raise ValueError(f"a run_many spec needs a 'prompt' string, got {spec!r}")
    unknown = set(options) - RUN_OPTIONS
    if unknown:
        raise ValueError(f"unknown run option(s) {sorted(unknown)} in {spec!r}; use {sorted(RUN_OPTIONS)}")
    return prompt, options
