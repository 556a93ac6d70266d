"""The package as a user gets it: lint and strict types clean, and a wheel that installs and runs."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

from tests.conftest import PACKAGE_ROOT, gateway_argv

BIN = Path(sys.executable).parent


def run_tool(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=PACKAGE_ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing() -> None:
    done = run_tool(str(BIN / "ruff"), "check", "src", "tests")
    assert done.returncode == 0, done.stdout + done.stderr
    formatted = run_tool(str(BIN / "ruff"), "format", "--check", "src", "tests")
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_mypy_strict_finds_nothing() -> None:
    done = run_tool(str(BIN / "mypy"))  # strict, on src and tests: see [tool.mypy] in pyproject.toml
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_wheel_installs_into_a_fresh_venv_and_runs(tmp_path: Path) -> None:
    built = run_tool(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path / "dist"))
    assert built.returncode == 0, built.stdout + built.stderr
    wheels = list((tmp_path / "dist").glob("tether_client-*.whl"))
    assert len(wheels) == 1
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-index", "--quiet", str(wheels[0])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    code = (
        "import pathlib, tether\n"
        "assert (pathlib.Path(tether.__file__).parent / 'py.typed').is_file()\n"
        f"with tether.connect({str(tmp_path / 'home')!r}, command={gateway_argv()!r}, attach=False) as c:\n"
        "    print(c.run('from the wheel').text)\n"
    )
    ran = subprocess.run([str(python), "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "echo: from the wheel"
