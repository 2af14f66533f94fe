"""The README's Python blocks run as written: in order, in one namespace, in a temp folder.

A reader pastes them top to bottom; so does this test. The comments that state results
are ``assert`` lines in the blocks themselves, so a changed result fails here.
"""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(path: Path) -> list[str]:
    return FENCE.findall(path.read_text())


def test_the_readme_has_python_blocks():
    assert len(python_blocks(ROOT / "README.md")) >= 5


@pytest.mark.parametrize("name", ["README.md", "benchmarks/README.md"])
def test_every_python_block_runs_in_order(name, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)  # files the examples save land here
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": "__readme__"}
    for i, block in enumerate(python_blocks(ROOT / name)):
        try:
            exec(compile(block, f"{name} block {i + 1}", "exec"), namespace)
        except Exception as e:
            raise AssertionError(f"{name} block {i + 1} fails as written: {e!r}\n{block}") from e
    assert os.getcwd() == str(tmp_path)
