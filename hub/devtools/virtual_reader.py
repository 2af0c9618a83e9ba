"""Virtual card readers: the real reader firmware on the MicroPython unix port.

A `VirtualReader` is one reader at the kindergarten's entrance, minus the hardware:
the firmware in `firmware/` (compiled by `mpy-cross`, exactly what is flashed on an
ESP32) runs under `micropython -X heapsize=...` against the register-level MFRC522
simulator in `firmware/sim/`. Its "flash" is a directory holding `config.json` and
the tap journal, so a reader killed with SIGKILL (power cut) and started again
replays its journal like a real one. It speaks MQTT to a real broker.

Used by the hub's demo (a scripted kindergarten morning) and by tests::

    from hub.devtools.virtual_reader import VirtualReader

    with VirtualReader("r1", "demo", "127.0.0.1", 1883, workdir=tmp / "r1") as reader:
        reader.start()                      # returns when the firmware's loop runs
        reader.tap("04A2B3C4D5E680")        # a child taps (placed, lifted after 300 ms)
        reader.wait_for("ack")              # the hub answered
        reader.kill()                       # power cut: journal kept
        reader.start()                      # boots again (boot + 1), replays

Control goes over the firmware process's stdin (one command per line, see
`firmware/sim/run.py`); the firmware's events come back as stdout lines starting
``EV`` and are kept in `events` (``wait_for`` waits on them). Nothing here blocks
longer than its timeout; `tap()` returns at once (the simulator lifts the card).

The bundle it runs is built by `hub.provision.firmware` (shipping code), the same one a
real reader gets.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.provision.firmware import build_firmware, tool

DEFAULT_HEAP = 100_000
"""Bytes of MicroPython heap: about what an ESP32-WROOM without PSRAM leaves free."""


class VirtualReader:
    """One reader running the real firmware under MicroPython with a simulated MFRC522.

    reader_id, site: the reader's identity (topics `ewidencjoner/<site>/reader/<id>/...`).
    broker_host, broker_port: the MQTT broker; username/password: the reader's own
        credentials (omit for an anonymous broker).
    workdir: the reader's flash (created): `config.json` and `journal/` live here and
        survive `kill()` and `start()`.
    heap: MicroPython heap in bytes (default 100 000, like an ESP32's free heap).
    config: extra `config.json` keys (see `firmware/settings.py`, e.g. `cooldown_ms`).
    bundle: a directory made by `build_firmware()` (default: built and cached).
    echo: also print the firmware's output lines (with the reader id) to stderr.
    """

    def __init__(
        self,
        reader_id: str,
        site: str,
        broker_host: str = "127.0.0.1",
        broker_port: int = 1883,
        *,
        workdir: Path | str,
        username: str | None = None,
        password: str | None = None,
        heap: int = DEFAULT_HEAP,
        config: dict[str, Any] | None = None,
        bundle: Path | None = None,
        echo: bool = False,
    ) -> None:
        self.reader_id = reader_id
        self.site = site
        self.workdir = Path(workdir)
        self.heap = heap
        self.echo = echo
        self._bundle = bundle
        self.config: dict[str, Any] = {
            "reader_id": reader_id,
            "site": site,
            "broker_host": broker_host,
            "broker_port": broker_port,
            "mqtt_user": username or "",
            "mqtt_pass": password or "",
            "wifi_ssid": "virtual",
            "safe_button_ms": 0,  # look at the (simulated) button once, not for a second
        }
        self.config.update(config or {})
        self.events: list[tuple[float, str]] = []
        """(monotonic time, line) for every line the firmware printed, across boots."""
        self.boots = 0
        self._proc: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._cond = threading.Condition()
        self._lock = threading.Lock()

    # ---- lifecycle -----------------------------------------------------------------
    def prepare(self) -> Path:
        """Create the flash directory and write `config.json`; returns its path."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        path = self.workdir / "config.json"
        path.write_text(json.dumps(self.config, indent=1) + "\n")
        return path

    def start(self, timeout: float = 20.0) -> None:
        """Boot the reader and return once its main loop runs (`EV ready`), it is in
        safe mode (`EV safe <why>`) or serves its set-up page (`EV setup <why> ...`).

        Starting a reader that was killed is a reboot: the boot counter goes up and
        every tap still in its journal is sent again. Raises RuntimeError if the
        firmware exits or does not get ready within `timeout` seconds.
        """
        if self.running:
            raise RuntimeError(f"reader {self.reader_id} is already running")
        self.prepare()
        bundle = self._bundle or build_firmware()
        self._bundle = bundle
        mark = len(self.events)
        self._proc = subprocess.Popen(
            [tool("micropython"), "-X", f"heapsize={self.heap}", str(bundle / "sim" / "run.py"), str(bundle)],
            cwd=self.workdir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.boots += 1
        self._reader = threading.Thread(target=self._pump, args=(self._proc,), daemon=True)
        self._reader.start()
        started = self.wait_for(
            lambda w: w[0] in ("ready", "safe", "setup"), timeout=timeout, since=mark, raise_=False
        )
        if not started:
            out = "\n".join(line for _, line in self.events[mark:])
            self.kill()
            raise RuntimeError(f"reader {self.reader_id} did not start:\n{out}")

    def _pump(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            if self.echo:
                print(f"[{self.reader_id}] {line}", file=sys.stderr)
            with self._cond:
                self.events.append((time.monotonic(), line))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc else None

    def kill(self) -> None:
        """SIGKILL the firmware: a power cut. The flash directory stays as it was."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        self._close(proc)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the firmware to exit (`exit` command); SIGKILL if it does not."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                self.command("exit")
                proc.wait(timeout=timeout)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait(timeout=10)
        self._close(proc)

    def _close(self, proc: subprocess.Popen[str]) -> None:
        if proc.stdin:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        if self._reader:
            self._reader.join(timeout=5)
        if proc.stdout:
            proc.stdout.close()

    def __enter__(self) -> VirtualReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- cards and faults -----------------------------------------------------------
    def command(self, line: str) -> None:
        """Send one control line (see `firmware/sim/run.py`)."""
        proc = self._proc
        if proc is None or proc.stdin is None or proc.poll() is not None:
            raise RuntimeError(f"reader {self.reader_id} is not running")
        with self._lock:
            proc.stdin.write(line + "\n")
            proc.stdin.flush()

    def place(self, uid: str) -> None:
        """A card (UID in hex: 8, 14 or 20 digits) enters the field and stays."""
        self.command(f"place {uid}")

    def remove(self, uid: str | None = None) -> None:
        """A card (or every card) leaves the field."""
        self.command(f"remove {uid}" if uid else "remove")

    def tap(self, uid: str, hold_ms: int = 300) -> None:
        """A child taps: the card is placed now and lifted after `hold_ms`. Returns at once."""
        self.command(f"tap {uid} {hold_ms}")

    def wifi(self, up: bool) -> None:
        """Wi-Fi association up or down (the broker stays reachable from elsewhere)."""
        self.command("wifi up" if up else "wifi down")

    def fault(self, name: str, *args: object) -> None:
        """Inject a simulator fault: drop, back, fifo, pd, notimer, timer, parity N,
        protocol N, crc N, bcc N, removeafter N, version HEX."""
        self.command(" ".join(["fault", name, *map(str, args)]))

    def sync(self, timeout: float = 10.0) -> None:
        """Return once every command sent so far has been processed."""
        mark = len(self.events)
        self.command("ping")
        self.wait_for("pong", timeout=timeout, since=mark)

    def state(self, timeout: float = 10.0) -> dict[str, Any]:
        """The firmware's own view: boot, next_seq, pending (journal), mqtt, taps."""
        mark = len(self.events)
        self.command("state")
        line = self.wait_for("state", timeout=timeout, since=mark)
        assert line is not None  # with raise_ (the default), a timeout raises
        _, _, boot, next_seq, pending, mqtt, taps = line.split()
        return {
            "boot": int(boot),
            "next_seq": int(next_seq),
            "pending": int(pending),
            "mqtt": mqtt == "up",
            "taps": int(taps),
        }

    # ---- events ---------------------------------------------------------------------
    def lines(self, kind: str | None = None, since: int = 0) -> list[list[str]]:
        """Event lines (split into words, without the leading ``EV``), optionally
        only those of one kind (``tap``, ``ack``, ``led``, ``beep``, ``mqtt``...)."""
        with self._cond:
            snapshot = self.events[since:]
        out = []
        for _, line in snapshot:
            words = line.split()
            if len(words) >= 2 and words[0] == "EV" and (kind is None or words[1] == kind):
                out.append(words[1:])
        return out

    def wait_for(
        self,
        kind: str | Callable[[list[str]], bool],
        timeout: float = 10.0,
        since: int = 0,
        raise_: bool = True,
    ) -> str | None:
        """Wait for an event line: `kind` is the word after ``EV`` or a predicate on the
        words. Looks at lines from index `since` on. Returns the line (None on
        timeout when `raise_` is false)."""

        def match(line: str) -> bool:
            words = line.split()
            if len(words) < 2 or words[0] != "EV":
                return False
            return kind(words[1:]) if callable(kind) else words[1] == kind

        deadline = time.monotonic() + timeout
        index = since
        with self._cond:
            while True:
                while index < len(self.events):
                    line = self.events[index][1]
                    index += 1
                    if match(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if self._proc is None or (
                    self._proc.poll() is not None and self._reader and not self._reader.is_alive()
                ):
                    break
                self._cond.wait(min(left, 0.2))
        if raise_:
            tail = "\n".join(line for _, line in self.events[-20:])
            raise TimeoutError(
                f"reader {self.reader_id}: no {kind!r} event within {timeout} s; last lines:\n{tail}"
            )
        return None
