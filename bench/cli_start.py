"""Cold start of the `ewidencjoner` command, beside a bare Python start in the same run.

`.venv/bin/python bench/cli_start.py [--runs N]` (part of `make bench`). Each figure is the
median wall time of N fresh processes (the machine is shared, so one run says little):

- `python -c pass`: the interpreter alone, the baseline;
- `ewidencjoner --help`: every command listed with its help;
- `ewidencjoner day --json`: a data command on a small database (two readers, one group,
  three children, no taps), made in a temp dir.

The fastest run is shown too: on a shared machine it is what the start costs when the
process gets a core at once. Bytecode is cached as after `pip install` (which compiles
it): PYTHONDONTWRITEBYTECODE is dropped from the environment and one uncounted run of each
command writes the `.pyc` files.
Without them every start compiles the sources again (about 0.13 s more here).

Target (issue 10): both ≤ 0.3 s. The web stack (FastAPI, uvicorn, the web app) is imported
only by `serve` and `demo`, Typst only when a PDF is rendered, and a command's module
only when it runs (`hub/cli/lazy.py`).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hub.store import readers, registry
from hub.store.db import open_database

TARGET_S = 0.3


def entry_point() -> list[str]:
    """The installed script beside this interpreter, as a user runs it."""
    return [str(Path(sys.executable).with_name("ewidencjoner"))]


def small_database(directory: Path) -> Path:
    path = directory / "hub.db"
    db = open_database(path)
    for reader_id in ("r1", "r2"):
        readers.add_reader(db, reader_id, f"Czytnik {reader_id}")
    registry.add_group(db, "Motylki", author="bench")
    for name in ("Ala", "Ola", "Jan"):
        registry.add_child(db, first_name=name, last_name="Nowak", group="Motylki", author="bench")
    db.close()
    return path


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_start(command: list[str], runs: int) -> tuple[float, float, float]:
    """The median wall time, the fastest wall time and the median CPU time of `runs` fresh
    processes."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=environment)
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), children_cpu_s()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=environment)
        walls.append(time.perf_counter() - start)
        cpus.append(children_cpu_s() - cpu_start)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        database = small_database(Path(tmp))
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "ewidencjoner --help": [*entry_point(), "--help"],
            "ewidencjoner day --json": [*entry_point(), "--database", str(database), "day", "--json"],
        }
        figures = {name: median_start(command, runs) for name, command in cases.items()}
    baseline, _, _ = figures["python -c pass"]
    print(f"cold start, median of {runs} runs (CPU time too: the machine may be shared)")
    for name, (seconds, fastest, cpu) in figures.items():
        verdict = "" if name == "python -c pass" else ("  ✔" if seconds <= TARGET_S else "  ✘")
        over = seconds - baseline
        print(
            f"  {name:<26} {seconds:6.3f} s  (fastest {fastest:.3f} s; CPU {cpu:.3f} s; "
            f"{over:+.3f} s over python){verdict}"
        )
    print(f"  target: ≤ {TARGET_S} s for the ewidencjoner commands")


if __name__ == "__main__":
    main()
