"""The layering of the package: lower layers import nothing above them, and compute
modules ask their inputs for the array namespace instead of importing numpy or cupy."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The layers above backend and autograd.
ABOVE = (
    "scratch.functional",
    "scratch.nn",
    "scratch.classic",
    "scratch.optim",
    "scratch.generative",
    "scratch.metrics",
    "scratch.tour",
    "scratch.training",
)


def _loaded_after(code: str) -> list[str]:
    """The scratch modules a fresh interpreter has loaded after running ``code``."""
    report = "print('\\n'.join(m for m in sys.modules if m.startswith('scratch')))"
    script = f"import sys\n{code}\n{report}"
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout.split()


def _above(modules: list[str]) -> list[str]:
    return sorted(m for m in modules if any(m == a or m.startswith(a + ".") for a in ABOVE))


def test_importing_backend_loads_no_layer_above_it():
    loaded = _loaded_after("import scratch.backend")
    assert "scratch.backend" in loaded
    assert _above(loaded) == []


def test_importing_autograd_loads_no_layer_above_it():
    loaded = _loaded_after("import scratch.autograd")
    assert "scratch.autograd" in loaded
    assert _above(loaded) == []


def test_autograd_operators_and_backward_need_no_layer_above_it():
    """Tensor's operators and backward (first and second order) run on autograd's own
    primitives: nothing of functional or above is loaded, not even lazily."""
    loaded = _loaded_after(
        "import numpy as np\n"
        "from scratch.autograd import Tensor, grad\n"
        "x = Tensor(np.arange(1.0, 4.0), requires_grad=True)\n"
        "w = Tensor(np.ones((3, 2)), requires_grad=True)\n"
        "y = ((x @ w) * 2.0 - 1.0).sum() + (x[1:] ** 2).sum()\n"
        "(gx,) = grad(y, [x], create_graph=True)\n"
        "gx.sum().backward()"
    )
    assert _above(loaded) == []


# The rule of /work/shared/hooks/before-stop: any numpy/cupy import line, at any indent.
_IMPORTS_ARRAY_LIBRARY = re.compile(r"^\s*(import numpy|from numpy|import cupy|from cupy)", re.M)
# Modules at the edges, where host arrays are the point: the backend itself, test
# helpers, data sets, plots, the tour, training scripts, the command line and file I/O;
# and the two places where strings meet arrays (host only): the trees' categorical
# input encoding and the estimators' string class labels.
_EDGES = ("backend/", "testing/", "data/", "viz/", "tour/", "training/")
_EDGE_FILES = ("cli.py", "__main__.py", "io.py", "classic/tree/encoding.py", "classic/_labels.py")


def test_no_compute_module_imports_numpy_or_cupy():
    package = ROOT / "scratch"
    offenders = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        if rel.startswith(_EDGES) or rel in _EDGE_FILES:
            continue
        if _IMPORTS_ARRAY_LIBRARY.search(path.read_text()):
            offenders.append(rel)
    assert offenders == [], f"compute modules importing numpy/cupy: {offenders}"


@pytest.mark.parametrize(
    "line, caught",
    [
        ("import numpy as np", True),
        ("    from numpy.linalg import eigh", True),
        ("        import cupy", True),
        ("from cupyx.scipy import special", True),
        ("from .. import backend", False),
        ("# numpy is imported by backend only", False),
    ],
)
def test_the_import_rule_sees_indented_imports_and_nothing_else(line, caught):
    """The pattern catches an import inside a function as well as at the top."""
    assert bool(_IMPORTS_ARRAY_LIBRARY.search(f"x = 1\n{line}\n")) is caught
