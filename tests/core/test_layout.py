"""The folder tree is the architecture: each part of core/ imports only the parts below it.

core.session  <- core.analysis, core.audio, core.data  <- core.report, core.serve  <- core.commands, core.cli  <- ui/ <- pages/
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

#: What each part of core/ may import of kneeclick (besides itself).
ALLOWED = {
    "core.session": set(),
    "core.analysis": {"core.session"},
    "core.audio": {"core.session"},
    "core.data": {"core.session"},
    "core.report": {"core.session", "core.analysis", "core.audio", "core.data"},
    "core.serve": {"core.session", "core.data"},
    "core.commands": {
        "core", "core.session", "core.analysis", "core.audio", "core.data", "core.report", "core.serve", "core.cli",
    },  # fmt: skip
    "core.cli": {"core", "core.commands", "core.data"},
}
#: Never imported anywhere in core/: core/ is plain Python, the app's UI sits on top of it.
FORBIDDEN_IN_CORE = {"streamlit", "ui", "pages"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module named by an import statement anywhere in the file (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _part(module: str) -> str | None:
    """The part of core/ a module belongs to (``core.data.store`` -> ``core.data``), None outside core."""
    bits = module.split(".")
    if bits[0] != "core":
        return None
    if len(bits) == 1 or bits[1].startswith("__"):
        return "core"
    return "core.cli" if bits[1] == "cli" else f"core.{bits[1]}"


CORE_FILES = sorted((ROOT / "core").rglob("*.py"))


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_part_of_core_imports_only_what_it_may(path: Path) -> None:
    me = _module_name(path)
    mine = _part(me)
    for name in _imports(path):
        assert name.split(".")[0] not in FORBIDDEN_IN_CORE, f"{me} imports {name}: core/ is plain Python"
        other = _part(name)
        if other is None or other == mine or mine == "core":
            continue
        assert other in ALLOWED[mine], f"{me} imports {name}: {mine} may import only {sorted(ALLOWED[mine]) or 'itself'}"


def test_every_part_of_core_says_what_lives_there_and_what_it_may_import() -> None:
    for pkg in [p for p in (ROOT / "core").iterdir() if (p / "__init__.py").exists()]:
        doc = ast.get_docstring(ast.parse((pkg / "__init__.py").read_text())) or ""
        assert doc, f"core/{pkg.name}/__init__.py has no docstring"
        if pkg.name != "commands":
            assert "May import" in doc, f"core/{pkg.name}/__init__.py does not say what it may import"


def test_pages_holds_only_page_scripts_and_each_is_short() -> None:
    for path in (ROOT / "pages").glob("*.py"):
        assert not path.name.startswith("_"), f"{path.name}: helpers live in ui/, pages/ holds page scripts only"
        lines = [ln for ln in path.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        assert len(lines) <= 120, f"pages/{path.name} has {len(lines)} lines: move logic to ui/ or core/"
