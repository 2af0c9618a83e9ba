"""The one build step pyproject.toml cannot say: the reader's firmware in the wheel.

`firmware/` stays a top-level folder of MicroPython sources (no package of ours), but a
site installing the wheel needs them to provision readers (`ewidencjoner reader provision`,
`python -m hub.provision.firmware build DEST`). The build copies them beside
`hub/provision/firmware.py` as `firmware_src/`, where that module looks first. Everything
else about the package is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

FIRMWARE = Path("firmware")


class BuildWithFirmware(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "hub" / "provision" / "firmware_src"
        for source in sorted(FIRMWARE.rglob("*.py")):
            if "__pycache__" not in source.parts:
                out = target / source.relative_to(FIRMWARE)
                self.mkpath(str(out.parent))
                self.copy_file(str(source), str(out))


setup(cmdclass={"build_py": BuildWithFirmware})
