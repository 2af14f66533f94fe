"""``scratch tour`` without matplotlib: every check runs, one line says how to get figures.

A fresh interpreter blocks matplotlib (``sys.modules["matplotlib"] = None`` makes every
import of it raise ImportError) before scratch is imported, then runs three cheap steps.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scratch.tour import FIGURES_HINT

STEPS = ["chain-rule", "kl-gaussian", "inequalities"]

_SCRIPT = """
import json, sys
sys.modules["matplotlib"] = None  # import matplotlib -> ImportError
from scratch.tour import figures_available, run_tour
assert not figures_available()
rows = run_tour("numpy", sys.argv[1], only=sys.argv[2].split(","))
print("ROWS " + json.dumps([[r.name, r.passed, r.result, r.figures] for r in rows]))
"""


def _run_without_matplotlib(out: Path, steps: list[str]) -> tuple[str, list]:
    p = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(out), ",".join(steps)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    rows_line = next(line for line in p.stdout.splitlines() if line.startswith("ROWS "))
    return p.stdout + p.stderr, json.loads(rows_line[5:])


def test_without_matplotlib_every_check_runs_and_one_line_says_how_to_get_figures(tmp_path):
    text, rows = _run_without_matplotlib(tmp_path, STEPS)
    assert sorted(r[0] for r in rows) == sorted(STEPS)  # every step ran ...
    failed = [(name, result) for name, passed, result, _ in rows if not passed]
    assert not failed  # ... and its checks passed (no ImportError turned into a failure)
    assert text.count(FIGURES_HINT) == 1
    assert "pip install 'scratch[viz]'" in FIGURES_HINT
    assert "ImportError" not in text and "Traceback" not in text
    listed = [f for *_, figures in rows for f in figures]
    assert all((tmp_path / f).exists() for f in listed), listed  # none listed that is absent
    assert not list(tmp_path.glob("*.png"))  # nothing was drawn
    assert (tmp_path / "index.html").exists()  # the pages are still written


def test_with_matplotlib_the_hint_is_not_printed(tmp_path, capsys):
    import pytest

    pytest.importorskip("matplotlib")
    from scratch.tour import run_tour

    rows = run_tour("numpy", tmp_path, only=["kl-gaussian"], quiet=True)
    assert FIGURES_HINT not in capsys.readouterr().out
    assert rows[0].passed and (tmp_path / "kl_gaussian.png").exists()


def test_training_without_matplotlib_trains_saves_and_says_how_to_get_the_curves(tmp_path):
    """scratch train's model and checkpoint are written; only the curves are skipped."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from scratch.training import mlp\n"
        f"model, h = mlp.train('numpy', epochs=1, hidden=(8,), out_dir={str(tmp_path)!r}, "
        "quiet=True)\n"
        "assert h['curves'] is None and h['model'].exists() and h['checkpoint'].exists()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("pip install 'scratch[viz]'") == 1
