"""The built wheel works when installed, away from the checkout.

An editable install reads templates, static files and translations from the source tree,
so it hides any package data the wheel leaves out (the report templates once were). This
builds the wheel (pip's isolated build: it needs setuptools from the package index
or pip's cache, as `make install` does), installs it alone into a fresh venv whose dependencies come from the
running environment (a `.pth` line: no network), and from a temp dir, where the checkout is
not importable, makes a PDF report, has a refusal said in Polish (the catalogues ship) and
asks `serve` for its help (which imports the web app).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_wheel_installs_and_renders_a_pdf_outside_the_checkout(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "-w", wheels, cwd=tmp_path)
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
