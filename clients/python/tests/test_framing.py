"""LF-only line splitting: the edge cases the protocol document pins."""

from __future__ import annotations

import json

from tether.framing import LineSplitter


def test_u2028_and_u2029_inside_a_string_do_not_end_a_line() -> None:
    line = json.dumps({"text": "a\u2028b\u2029c"}, ensure_ascii=False).encode()
    assert LineSplitter().push(line + b"\n") == [line]


def test_a_trailing_cr_is_stripped_and_only_one() -> None:
    assert LineSplitter().push(b'{"a":1}\r\n{"b":2}\r\r\n') == [b'{"a":1}', b'{"b":2}\r']


def test_a_last_line_without_lf_comes_out_at_the_end() -> None:
    splitter = LineSplitter()
    assert splitter.push(b'{"a":1}\n{"b"') == [b'{"a":1}']
    assert splitter.push(b":2}") == []
    assert splitter.finish() == b'{"b":2}'
    assert splitter.finish() is None


def test_utf8_split_between_chunks_is_joined_before_decoding() -> None:
    data = '{"t":"é€😀"}\n'.encode()
    splitter = LineSplitter()
    lines = [line for byte in range(len(data)) for line in splitter.push(data[byte : byte + 1])]
    assert [json.loads(line) for line in lines] == [{"t": "é€😀"}]


def test_an_oversize_line_is_dropped_and_the_next_one_read() -> None:
    splitter = LineSplitter(max_line_bytes=8)
    assert splitter.push(b"12345") == []
    assert splitter.push(b"6789012") == []
    assert splitter.push(b"345\nok\n") == [b"ok"]
    assert splitter.oversize_lines == 1
    assert splitter.push(b"x" * 9 + b"\nfine\n") == [b"fine"]
    assert splitter.oversize_lines == 2
