"""`make screenshots`: the main pages of the demo kindergarten (`sample_site`, a week of taps),
photographed in Chromium on a desktop and on a phone, as small PNGs for the README.

    python -m tests.screenshots docs/screenshots

Each shot is taken as the role that uses the page, in Polish; the PNGs are reduced to a
palette of 64 colours (a page is flat colours and text: a fifth of the size, no visible loss).
"""

from __future__ import annotations

import argparse
import io
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, sync_playwright

from hub.devtools.demo import last_weekday
from tests.conftest import CHROMIUM_FLAGS
from tests.sample_site import PASSWORD, email, sample_site
from tests.web_support import log_in_browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
PHONE_LONGEST = 1600
"""A phone shot is the page from its top, cut at this many CSS pixels."""
COLOURS = 64


@dataclass(frozen=True)
class Shot:
    name: str
    role: str
    path: str
    phone: bool = False
    open_menu: bool = False


def shots(day: str, month: str) -> list[Shot]:
    return [
        Shot("live", "director", "/"),
        Shot("presence", "teacher", "/presence"),
        Shot("group-day", "teacher", f"/groups/1/days/{day}"),
        Shot("child-month", "director", f"/children/1?month={month}"),
        Shot("cards", "director", "/cards"),
        Shot("registry", "secretary", "/registry/children"),
        Shot("settings", "director", "/settings"),
        Shot("parent", "parent", "/parent/children/1"),
        Shot("phone-group-day", "teacher", f"/groups/1/days/{day}", phone=True),
        Shot("phone-presence", "teacher", "/presence", phone=True),
        Shot("phone-menu", "director", "/", phone=True, open_menu=True),
        Shot("phone-parent", "parent", "/parent/children/1", phone=True),
    ]


def take(browser: Browser, base: str, shot: Shot, folder: Path) -> Path:
    context = browser.new_context(
        viewport=PHONE if shot.phone else DESKTOP, locale="pl-PL", device_scale_factor=1
    )
    try:
        page = context.new_page()
        log_in_browser(page, base, email(shot.role), PASSWORD)
        page.goto(base + shot.path)
        if shot.open_menu:
            page.get_by_role("button", name="Menu").click()
        png = page.screenshot(full_page=shot.phone, animations="disabled")
    finally:
        context.close()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if shot.phone and image.height > PHONE_LONGEST:
        image = image.crop((0, 0, image.width, PHONE_LONGEST))
    target = folder / f"{shot.name}.png"
    image.quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args().folder
    folder.mkdir(parents=True, exist_ok=True)
    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("Chromium is not installed: `make test` installs it with apt")
    with tempfile.TemporaryDirectory() as workdir, sample_site(Path(workdir)) as (server, settings):
        today = datetime.now(settings.tz).date()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_FLAGS
            )
            for shot in shots(last_weekday(today).isoformat(), today.isoformat()[:7]):
                target = take(browser, server.url, shot, folder)
                print(f"{target} {target.stat().st_size // 1024} KiB")
            browser.close()


if __name__ == "__main__":
    main()
