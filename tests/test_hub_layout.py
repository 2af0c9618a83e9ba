"""hub/README.md stays the newcomer's map: every module of a layer package is in its table,
and every package says in its docstring what it may import (the contracts themselves are
checked by `lint-imports`, see pyproject.toml)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

HUB = Path(__file__).resolve().parent.parent / "hub"
MAPPED = ["store", "services", "ingest", "accounts", "cli", "provision", "devtools", "city"]
"""Packages whose every module has its own row; rules/ and reports/ have their own docs."""


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (HUB / package).glob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("path", [p for package in MAPPED for p in _modules(package)], ids=lambda p: p.stem)
def test_every_module_is_on_the_map(path: Path) -> None:
    readme = (HUB / "README.md").read_text()
    assert f"`{path.name}`" in readme, f"hub/README.md has no row for {path.relative_to(HUB)}"


@pytest.mark.parametrize("package", [*MAPPED, "rules", "reports"])
def test_every_package_says_what_it_may_import(package: str) -> None:
    docstring = ast.get_docstring(ast.parse((HUB / package / "__init__.py").read_text())) or ""
    assert "import" in docstring, f"hub/{package}/__init__.py does not say what it may import"
