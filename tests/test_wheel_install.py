"""The built wheel works when installed, away from the checkout.

An editable install reads templates, static files and translations from the source tree,
so it hides any package data the wheel leaves out (the report templates once were). This
builds the wheel (pip's isolated build: it needs setuptools from the package index
or pip's cache, as `make install` does), installs it alone into a fresh venv whose dependencies come from the
running environment (a `.pth` line: no network), and from a temp dir, where the checkout is
not importable, makes a PDF report, has a refusal said in Polish (the catalogues ship), asks
`serve` for its help (which imports the web app), writes and verifies a yearly archive (its
schema ships), and builds the reader's firmware from the
sources the wheel carries (`setup.py`): the bundle `make firmware` makes, and a reader's files
by `reader provision`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


FIRMWARE = ROOT / "firmware"


NOT_SOURCES = shutil.ignore_patterns(
    ".*", "build", "dist", "var", "*.egg-info", "__pycache__", "*.db", "*.db-*", "ewidencjoner.toml"
)
"""What a checkout holds besides its sources: the venv, caches, earlier builds, local data."""


def test_wheel_installs_and_renders_a_pdf_outside_the_checkout(tmp_path: Path) -> None:
    # Built from a copy of the sources: setuptools builds in the tree and would take files
    # left in build/lib by an earlier build, hiding one the wheel no longer gets.
    sources = tmp_path / "sources"
    shutil.copytree(ROOT, sources, ignore=NOT_SOURCES)
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", sources, "--no-deps", "-w", wheels, cwd=tmp_path)
    (wheel,) = wheels.glob("ewidencjoner-*.whl")

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    site_packages = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path).strip()
    )
    # The dependencies from the running environment; a plain path line runs none of its .pth
    # files, so the checkout's editable finder stays out.
    (site_packages / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        wheel,
        cwd=tmp_path,
    )

    work = tmp_path / "elsewhere"
    work.mkdir()
    where = run(python, "-c", "import hub, web; print(hub.__file__, web.__file__)", cwd=work)
    assert str(ROOT) not in where and str(site_packages) in where

    ewidencjoner = venv / "bin" / "ewidencjoner"
    database = work / "hub.db"
    run(ewidencjoner, "--database", database, "groups", "add", "Motylki", cwd=work)
    run(
        ewidencjoner, "--database", database, "report", "daily-sheet", "--date", "2026-03-02",
        "--format", "pdf", "-o", work / "out.pdf", cwd=work,
    )  # fmt: skip
    assert (work / "out.pdf").read_bytes().startswith(b"%PDF")
    again = [str(ewidencjoner), "--database", str(database), "groups", "add", "Motylki"]
    polish = {**os.environ, "LC_ALL": "pl_PL.UTF-8"}
    refused = subprocess.run(again, cwd=work, capture_output=True, text=True, env=polish, timeout=60)
    assert (
        refused.returncode == 1 and "Jest już grupa o nazwie „Motylki”." in refused.stderr
    )  # catalogues ship
    assert "Run the hub" in run(ewidencjoner, "serve", "--help", cwd=work)
    run(ewidencjoner, "--database", database, "archive", "write", "2024", "--to", work / "archiwum", cwd=work)
    assert "whole and valid" in run(
        ewidencjoner, "archive", "verify", work / "archiwum", cwd=work
    )  # the XSD ships

    built = run(python, "-m", "hub.provision.firmware", "build", work / "bundle", cwd=work)
    bundle = work / "bundle"
    assert built.startswith(f"{bundle} (version ")  # the release's manifest is written too
    assert (bundle / "manifest").is_file()
    device_modules = {p.stem for p in FIRMWARE.glob("*.py")}
    assert {p.stem for p in bundle.iterdir() if p.suffix in (".mpy", ".py")} == device_modules
    assert (bundle / "main.py").read_text() == (FIRMWARE / "main.py").read_text()
    assert (bundle / "app.mpy").read_bytes().startswith(b"M")  # MicroPython bytecode

    run(
        ewidencjoner, "--database", database, "reader", "provision", "r1", "--name", "Wejście",
        "--wifi-ssid", "przedszkole", "--wifi-pass", "x", "--broker-host", "192.168.1.10",
        "--output", work / "r1", cwd=work,
    )  # fmt: skip
    assert (work / "r1" / "firmware" / "app.mpy").exists()
    assert '"mqtt_user": "r1"' in (work / "r1" / "config.json").read_text()
