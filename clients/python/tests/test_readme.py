"""Every Python example of the package README runs, as written, against the real gateway."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import PACKAGE_ROOT, child_env, gateway_script, marked_pids, run_python

EXAMPLES = re.findall(r"```python\n(.*?)```", (PACKAGE_ROOT / "README.md").read_text(), flags=re.S)


def test_the_readme_has_the_seed_use_cases() -> None:
    assert len(EXAMPLES) == 6


@pytest.mark.parametrize("code", EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_readme_example_runs(code: str, home: Path, marker: str) -> None:
    env = child_env(marker, TETHER_BIN=str(gateway_script()), TETHER_HOME=str(home), INTERVAL_S="0.1", ROUNDS="2")
    done = run_python(code, env, timeout_s=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip(), "the example printed nothing"
    assert marked_pids(marker) == []
