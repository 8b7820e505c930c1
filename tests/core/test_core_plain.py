"""core/ is plain Python: importable and usable with Streamlit blocked from the import path."""

import ast
import subprocess
import sys

from tests.helpers import ROOT

BLOCK_STREAMLIT = r"""
import importlib, pkgutil, sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "streamlit" or name.startswith("streamlit."):
            raise ImportError("streamlit is blocked for this test")

sys.meta_path.insert(0, Block())
import core
names = [m.name for m in pkgutil.walk_packages(core.__path__, "core.")]
for name in names:
    importlib.import_module(name)
assert "streamlit" not in sys.modules

from core.data.sample import load_sample_store
frame = load_sample_store().trials_frame()
assert len(frame) > 10
print(len(names), "modules", len(frame), "rows")
"""


def test_core_imports_and_works_without_streamlit():
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_STREAMLIT], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "modules" in result.stdout


def test_no_core_module_mentions_streamlit_in_an_import():
    for path in (ROOT / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "streamlit" for a in node.names), path
            elif isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "streamlit", path
