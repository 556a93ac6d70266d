"""Answering approvals from a script: a callback that decides per call, or a policy.

A run offered tools whose gateway policy is ``ask`` stops at each such call until
someone answers. The app does, for a person at the desk; a headless script passes
``approve=`` to ``run()``/``stream()`` instead:

- a callable taking the ApprovalRequested event and returning a decision
  (``"allow-once"``, ``"allow-session"``, ``"deny"``, or True/False);
- one decision string for every call;
- a mapping of ``server/tool`` patterns (``*`` matches any run of characters) to
  decisions, the most specific pattern winning and anything unmatched denied.

A run without ``approve=`` leaves its approvals to the app, or to the gateway's
timeout (``tools.approvalTimeoutMs``), which denies them.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping

from tether.events import ApprovalRequested
from tether.protocol import ApprovalDecision

DECISIONS: tuple[ApprovalDecision, ...] = ("allow-once", "allow-session", "deny")

Decision = ApprovalDecision | bool
"""What an approver answers: a wire decision, or True (allow once) / False (deny)."""

Approver = Callable[[ApprovalRequested], Decision] | ApprovalDecision | Mapping[str, ApprovalDecision]
"""A callback, one decision for every call, or a pattern policy."""


def decide(approver: Approver, request: ApprovalRequested) -> ApprovalDecision:
    """The decision ``approver`` gives for one approval request."""
    if isinstance(approver, str):
        return _checked(approver)
    if isinstance(approver, Mapping):
        return _by_policy(approver, request.name)
    answer = approver(request)
    if answer is True:
        return "allow-once"
    if answer is False:
        return "deny"
    return _checked(answer)


def _by_policy(policy: Mapping[str, ApprovalDecision], name: str) -> ApprovalDecision:
    best: tuple[int, ApprovalDecision] | None = None
    for pattern, decision in policy.items():
        if not fnmatch.fnmatchcase(name, pattern):
            continue
        # An exact name beats any pattern; a longer literal part beats a shorter one.
        score = len(pattern.replace("*", "")) + (0 if "*" in pattern else 10_000)
        if best is None or score > best[0]:
            best = (score, _checked(decision))
    return best[1] if best is not None else "deny"


def _checked(decision: object) -> ApprovalDecision:
    for known in DECISIONS:
        if decision == known:
            return known
    raise ValueError(f"an approval decision must be one of {', '.join(DECISIONS)} (or True/False), got {decision!r}")
