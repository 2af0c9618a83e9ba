"""Accessibility checks for browser tests: axe-core run in the page, and what a keyboard user meets.

axe-core (Deque, MPL-2.0) comes inside the pinned `axe-playwright-python` package, so nothing
is downloaded. `assert_accessible(page)` fails on any violation axe rates serious or critical,
with a list a page author can act on: the rule, what it means, where, and how to fix it.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING = ("serious", "critical")
_AXE = Axe()


def violations(page: Page, impacts: tuple[str, ...] = BLOCKING) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, of the given impacts (all rules, WCAG 2.1 AA too)."""
    results = _AXE.run(page, options={"resultTypes": ["violations"]})
    return [violation for violation in results.response["violations"] if violation["impact"] in impacts]


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for violation in found:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            lines.extend(f"      {summary}" for summary in node.get("failureSummary", "").splitlines())
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    found = violations(page)
    assert not found, f"{page.url}: {len(found)} serious or critical problem(s):\n{describe(found)}"


def focus_outline(page: Page) -> dict[str, Any]:
    """The focused element and how its focus is drawn (outline or box shadow)."""
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            const style = getComputedStyle(element);
            const box = element.getBoundingClientRect();
            return {
                tag: element.tagName.toLowerCase(),
                text: (element.textContent || "").trim(),
                href: element.getAttribute("href"),
                // focus inside a native control's own parts (a date picker button): drawn by the browser
                nativePart: !element.matches(":focus"),
                outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
                shadow: style.boxShadow !== "none",
                inside: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0
                    && box.right <= innerWidth,
            };
        }"""
    )


def assert_keyboard_usable(page: Page, stops: int = 15) -> None:
    """Tab from the top: the skip link comes first and jumps to main; each stop shows its focus."""
    page.keyboard.press("Tab")
    first = focus_outline(page)
    assert first["tag"] == "a" and first["href"] == "#main", (
        f"the first Tab stop is not the skip link: {first}"
    )
    assert first["inside"], f"the skip link stays off screen when focused: {first}"
    for stop in range(stops):
        focused = focus_outline(page)
        if focused["tag"] == "body":  # past the last control
            break
        shown = focused["outline"] or focused["shadow"] or focused["nativePart"]
        assert shown, f"Tab stop {stop + 1} shows no focus: {focused}"
        page.keyboard.press("Tab")
    page.locator("a.skip").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main", "the skip link does not move focus to main"
