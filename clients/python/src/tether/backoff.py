"""Retry pacing for reconnects: doubling delays with jitter, and a bounded number of tries."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """How often and how fast to retry after a connection broke.

    ``tries`` is how many times a broken run is sent again before its error is raised;
    the delay before try n is ``first_s * 2**(n-1)``, capped at ``max_s``, with up to
    a quarter taken off at random so that many clients do not retry in step.
    """

    tries: int = 5
    first_s: float = 0.1
    max_s: float = 2.0

    def delay_s(self, attempt: int) -> float:
        """The pause before retry number ``attempt`` (1-based)."""
        base = min(self.max_s, self.first_s * 2.0 ** max(0, attempt - 1))
        return base * (1 - random.random() * 0.25)


class Deadline:
    """A point in time a call must finish by; None means no deadline."""

    def __init__(self, timeout_s: float | None) -> None:
        self.timeout_s = timeout_s
        self._at = None if timeout_s is None else time.monotonic() + timeout_s

    def remaining(self) -> float | None:
        """Seconds left (never below 0), or None without a deadline."""
        return None if self._at is None else max(0.0, self._at - time.monotonic())

    def cap(self, seconds: float) -> float:
        """``seconds``, or less if the deadline comes first."""
        left = self.remaining()
        return seconds if left is None else min(seconds, left)
