"""The design system's promises (web/static/style.css, web/README.md "The look"): every text
colour meets WCAG AA (4.5:1) on each background it is used on, and pages use the tokens."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STYLESHEET = Path(__file__).resolve().parent.parent / "web" / "static" / "style.css"
PAIRS = [
    # (text, background): where the stylesheet puts one on the other
    ("--ink", "--surface"),
    ("--ink", "--band"),
    ("--ink", "--info-bg"),
    ("--ink", "--ok-bg"),
    ("--ink", "--bad-bg"),
    ("--muted", "--surface"),
    ("--muted", "--band"),
    ("--accent", "--surface"),
    ("--accent", "--info-bg"),
    ("--accent-strong", "--info-bg"),
    ("--on-accent", "--accent"),
    ("--on-accent", "--accent-strong"),
    ("--on-accent", "--bad"),
    ("--on-accent", "--bad-strong"),
    ("--ok", "--surface"),
    ("--ok", "--ok-bg"),
    ("--bad", "--surface"),
    ("--bad", "--bad-bg"),
    ("--warn", "--surface"),
    ("--warn", "--warn-bg"),
    ("--info", "--surface"),
    ("--info", "--info-bg"),
]
AA = 4.5
CONTROL_EDGE = 3.0
"""WCAG 1.4.11: a control's boundary against what surrounds it."""


def tokens() -> dict[str, str]:
    root = re.search(r":root\s*{(.*?)}", STYLESHEET.read_text(), re.S)
    assert root
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", root.group(1)))


def luminance(colour: str) -> float:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    channels = [int(digits[index : index + 2], 16) / 255 for index in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula() -> None:
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#767676", "#fff"), 2) == 4.54  # the lightest grey that passes AA


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_every_text_colour_meets_aa_on_its_background(text: str, background: str) -> None:
    colours = tokens()
    ratio = contrast(colours[text], colours[background])
    assert ratio >= AA, f"{text} on {background}: {ratio:.2f}:1, needs {AA}:1"


def test_a_fields_border_is_seen() -> None:
    colours = tokens()
    assert contrast(colours["--field-line"], colours["--surface"]) >= CONTROL_EDGE


def test_colours_come_from_the_tokens() -> None:
    """Outside :root no rule writes a colour of its own."""
    css = STYLESHEET.read_text()
    body = css[css.index("/* 2. Base */") :]
    stray = set(re.findall(r"#[0-9a-fA-F]{3,6}\b", body))
    assert not stray, f"use a token (:root) instead of {sorted(stray)}"
