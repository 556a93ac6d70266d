"""The asyncio client against the real gateway: gather, streaming, abort, timeout, errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import tether
from tests.conftest import MARKER_VARIABLE, gateway_argv, marked_pids


async def connect(home: Path, marker: str, **env: str) -> tether.AsyncClient:
    return await tether.connect_async(
        home, command=gateway_argv(), attach=False, env={MARKER_VARIABLE: marker, "TETHER_LOG": "warn", **env}
    )


def test_gather_of_fifty_runs(home: Path, marker: str) -> None:
    async def main() -> list[str]:
        async with await connect(home, marker) as client:
            replies = await asyncio.gather(*(client.run(f"job {i}", session=f"job-{i % 7}") for i in range(50)))
            return [reply.text for reply in replies]

    assert asyncio.run(main()) == [f"echo: job {i}" for i in range(50)]
    assert marked_pids(marker) == []


def test_async_stream_run_many_and_history(home: Path, marker: str) -> None:
    async def main() -> None:
        async with await connect(home, marker, TETHER_ECHO_DELAY_MS="2") as client:
            items = [item async for item in client.stream("x y z", session="s")]
            deltas = [i for i in items if isinstance(i, tether.TextDelta)]
            assert [d.seq for d in deltas] == [0, 1, 2, 3]
            assert isinstance(items[-1], tether.Reply) and items[-1].text == "echo: x y z"
            results = await client.run_many(["a", {"prompt": "b", "model": "nope"}, {"prompt": "c", "session": "c"}])
            assert isinstance(results[1], tether.InvalidRequest)
            assert [r.text for r in results if isinstance(r, tether.Reply)] == ["echo: a", "echo: c"]
            assert [m["text"] async for m in client.history("s", page_size=1)] == ["x y z", "echo: x y z"]
            assert (await client.status())["ok"] is True
            assert {s["key"] for s in await client.sessions()} == {"s", "main", "c"}
            assert await client.set_heartbeats(False) is False

    asyncio.run(main())


def test_async_abort_and_timeout(home: Path, marker: str) -> None:
    async def main() -> None:
        async with await connect(home, marker, TETHER_ECHO_DELAY_MS="100") as client:
            async for item in client.stream("a b c d e f g h i j", session="slow"):
                if isinstance(item, tether.TextDelta) and item.seq == 1:
                    assert await client.abort(run_id=item.run_id) == [item.run_id]
                if isinstance(item, tether.Reply):
                    assert item.aborted
            with pytest.raises(tether.Timeout) as caught:
                await client.run("k l m n o p q r s t", session="slow", timeout=0.35)
            assert caught.value.reply is not None and caught.value.reply.aborted
            with pytest.raises(tether.NotFound):
                await client.compact("nope")

    asyncio.run(main())
