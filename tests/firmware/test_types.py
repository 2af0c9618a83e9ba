"""The device modules type-check with mypy against micropython-esp32-stubs.

The stubs are used as mypy's *whole* typeshed (`--custom-typeshed-dir`): the
reduced stdlib of micropython-stdlib-stubs plus the ESP32 port's modules
(`machine`, `network`, `time` with ticks, `socket`, ...). CPython's stdlib is not
there, so `import subprocess` or `time.monotonic()` is an error, as on a reader.
The settings are in firmware/mypy.ini. By hand (prints mypy's report):

    .venv/bin/python tests/firmware/test_types.py
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware"
DEVICE_MODULES = sorted(p.name for p in FIRMWARE.glob("*.py"))  # not sim/
STUB_DISTS = ("micropython-stdlib-stubs", "micropython-esp32-stubs")  # the port's win


def build_typeshed(dest: Path) -> Path:
    """A typeshed-layout directory (stdlib/, stubs/) made of links to the installed
    stub files, with VERSIONS extended by the MicroPython-only modules."""
    stdlib = dest / "stdlib"
    top: set[str] = set()
    versions = ""
    for dist in STUB_DISTS:
        try:
            files = importlib.metadata.files(dist) or []
        except importlib.metadata.PackageNotFoundError:
            pytest.fail(f"{dist} is not installed (pyproject's dev extras)")
        for f in files:
            parts = f.parts
            if parts[0].endswith(".dist-info") or f.suffix not in (".pyi", ""):
                continue
            src = Path(str(f.locate()))
            if parts[0] == "stdlib" and parts[1:] == ("VERSIONS",):
                versions = src.read_text()
                continue
            if f.suffix != ".pyi":
                continue
            if parts[0] == "stubs":  # mypy_extensions, where mypy expects it
                out = dest.joinpath(*parts)
            else:
                rel = parts[1:] if parts[0] == "stdlib" else parts
                out = stdlib.joinpath(*rel)
                top.add(rel[0].removesuffix(".pyi"))
            out.parent.mkdir(parents=True, exist_ok=True)
            out.unlink(missing_ok=True)
            out.symlink_to(src)
    assert versions, "micropython-stdlib-stubs has no stdlib/VERSIONS"
    listed = {line.split(":")[0].strip() for line in versions.splitlines() if ":" in line}
    extra = sorted(top - listed)
    (stdlib / "VERSIONS").write_text(versions + "\n# MicroPython\n" + "".join(f"{m}: 3.0-\n" for m in extra))
    return dest


def run_mypy(files: list[str], typeshed: Path, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    try:
        import mypy  # noqa: F401
    except ImportError:
        pytest.fail("mypy is not installed: it is pinned in pyproject's dev extras")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(FIRMWARE / "mypy.ini"),
            "--custom-typeshed-dir",
            str(typeshed),
            "--cache-dir",
            str(cache),
            "--no-error-summary",
            "--show-error-codes",
            *files,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def typeshed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_typeshed(tmp_path_factory.mktemp("mpy-typeshed"))


def test_device_modules_type_check_against_the_esp32_stubs(typeshed: Path, tmp_path: Path) -> None:
    assert "board.py" in DEVICE_MODULES and "app.py" in DEVICE_MODULES
    proc = run_mypy(DEVICE_MODULES, typeshed, FIRMWARE, tmp_path / "cache")
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def test_the_checker_sees_micropython_not_cpython(typeshed: Path, tmp_path: Path) -> None:
    """Guards the set-up itself: what a reader lacks is an error, what only
    MicroPython has is not (so a green run above means something)."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import time\n"
        "import machine\n"
        "import network\n"
        "t = time.ticks_add(time.ticks_ms(), 5)\n"  # 4: MicroPython only: fine
        "machine.Pin(5, machine.Pin.OUT).value(1)\n"  # 5: fine
        "network.WLAN(network.STA_IF).isconnected()\n"  # 6: fine
        "import subprocess\n"  # 7: not on a reader
        "time.monotonic()\n"  # 8: CPython's, not MicroPython's
        "n = time.ticks_ms() + 1\n"  # 9: ticks are opaque: ticks_add()
        "machine.Pin(5).toggle_twice()\n"  # 10: no such method
    )
    proc = run_mypy([probe.name], typeshed, tmp_path, tmp_path / "cache")
    lines = {int(line.split(":")[1]) for line in proc.stdout.splitlines() if line.startswith("probe.py:")}
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert {7, 8, 9, 10} <= lines and not lines & {4, 5, 6}, proc.stdout


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        shed = build_typeshed(Path(tmp) / "typeshed")
        result = run_mypy(DEVICE_MODULES, shed, FIRMWARE, Path(tmp) / "cache")
        print(result.stdout + result.stderr or "mypy: no errors")
        sys.exit(result.returncode)
