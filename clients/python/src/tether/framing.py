"""LF-only JSON-lines framing for the bytes a gateway writes.

The gateway writes U+2028 and U+2029 unescaped inside strings, so lines must be
split on LF bytes only (``str.splitlines`` would split inside a string). One trailing
CR is stripped. A line longer than the cap is dropped up to its LF instead of being
buffered without bound, and counted so the connection can say so.
"""

from __future__ import annotations

DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024
"""Longest line accepted from the gateway (a 16 MiB reply is well inside)."""


class LineSplitter:
    """Turns a byte stream into complete lines, scanning each chunk once."""

    def __init__(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self._max = max_line_bytes
        self._pieces: list[bytes] = []
        self._held = 0
        self._skipping = False
        self.oversize_lines = 0
        """How many lines were dropped for passing the cap."""

    def push(self, chunk: bytes) -> list[bytes]:
        """Feeds a chunk; returns the lines it completed, without LF or trailing CR.

        A line past the cap is dropped (and counted in ``oversize_lines``).
        """
        lines: list[bytes] = []
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                break
            if self._skipping:
                self._skipping = False  # the oversize line ends here
            else:
                piece = chunk[start:end]
                if self._held + len(piece) > self._max:
                    self.oversize_lines += 1
                else:
                    line = b"".join([*self._pieces, piece]) if self._pieces else piece
                    lines.append(line[:-1] if line.endswith(b"\r") else line)
            self._pieces.clear()
            self._held = 0
            start = end + 1
        rest = chunk[start:]
        if rest and not self._skipping:
            if self._held + len(rest) > self._max:
                self._pieces.clear()
                self._held = 0
                self._skipping = True
                self.oversize_lines += 1
            else:
                self._pieces.append(rest)
                self._held += len(rest)
        return lines

    def finish(self) -> bytes | None:
        """At end of stream: the last line if it had no LF, else None."""
        if self._skipping or not self._pieces:
            return None
        line = b"".join(self._pieces)
        self._pieces.clear()
        self._held = 0
        return line[:-1] if line.endswith(b"\r") else line
