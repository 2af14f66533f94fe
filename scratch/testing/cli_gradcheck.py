"""``scratch gradcheck``: check a built-in op, or a function in the user's own file.

    scratch gradcheck sigmoid [--shape 3,4]
    scratch gradcheck linear                      (default shapes x (4, 3), W (2, 3), b (2,))
    scratch gradcheck my_layer.py:affine --vjp affine_vjp --shape 5,3 --shape 3,4 --shape 4
    scratch gradcheck my_model.py:loss --shape 8,2          (a function on scratch Tensors)
    scratch gradcheck layers.py:affine_forward --backward affine_backward \
        --shape 5,3 --param w=3,4 --param b=4               (a CS231n layer pair)

A ``FILE.py:FUNC`` target is loaded from the file. With ``--vjp`` both functions work
on raw arrays of the chosen backend and are checked with ``check_vjp``; without it
FUNC takes scratch Tensors and is checked with ``gradcheck`` (reverse mode by the
engine). With ``--backward`` FUNC is a layer's forward, ``forward(*inputs, **params) ->
(out, cache)``, checked with ``check_layer`` (parameters from ``--param NAME=SHAPE``).
One ``--shape`` per input, in FUNC's argument order; inputs are drawn standard normal
in float64 from ``--seed``.

Exit status: 0 when the gradients agree, 1 with the report when they do not, 2 with
one line on stderr for a usage error (no such file, no such function, bad shape).
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
from pathlib import Path

import numpy as np

from .. import backend
from .builtin_ops import OPS, draw


class UsageError(Exception):
    """A mistake on the command line: reported as one line, exit status 2."""


def add_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument(
        "target",
        metavar="NAME|FILE.py:FUNC",
        help=f"a built-in op ({', '.join(sorted(OPS))}) or a function in your own file",
    )
    s.add_argument("--vjp", metavar="FUNC", help="the hand-written VJP in the same file")
    s.add_argument(
        "--backward", metavar="FUNC", help="a layer's backward(dout, cache) in the same file"
    )
    s.add_argument(
        "--param",
        action="append",
        metavar="NAME=S",
        help="a layer parameter and its shape, e.g. w=3,4 (with --backward)",
    )
    s.add_argument(
        "--shape",
        action="append",
        metavar="S",
        help="an input shape, e.g. 5,3 (one per input; '' or 'scalar' for a 0-d input)",
    )
    s.add_argument("--backend", default=None, help="numpy|cupy|torch|strict|auto")
    s.add_argument("--seed", type=int, default=0, help="seed of the inputs (default: 0)")
    s.add_argument(
        "--n-samples", type=int, default=None, metavar="K", help="check only K random elements"
    )
    s.add_argument(
        "--report-dir", default=None, metavar="DIR", help="write heatmaps of failing inputs here"
    )
    s.add_argument(
        "--second-order", action="store_true", help="also gradgradcheck a Tensor function"
    )


def parse_shape(text: str) -> tuple[int, ...]:
    text = text.strip().strip("()")
    if text in ("", "scalar"):
        return ()
    try:
        shape = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise UsageError(f"--shape must be comma-separated positive ints, got {text!r}") from None
    if any(n < 1 for n in shape):
        raise UsageError(f"--shape must be comma-separated positive ints, got {text!r}")
    return shape


def load_function(path: str, name: str):
    """FUNC from FILE.py (imported as a fresh module), or a UsageError saying what is missing."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"no such file: {path}")
    spec = importlib.util.spec_from_file_location(f"_scratch_gradcheck_{file.stem}", file)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(file.resolve().parent))  # the file may import its neighbours
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # noqa: BLE001 - the user's file: one line, whatever it raised
        raise UsageError(f"could not import {path}: {type(e).__name__}: {e}") from e
    finally:
        sys.path.pop(0)
    fn = getattr(module, name, None)
    if not callable(fn):
        funcs = sorted(
            n for n, v in vars(module).items() if inspect.isfunction(v) and not n.startswith("_")
        )
        raise UsageError(
            f"{path} has no function {name!r} (functions there: {', '.join(funcs) or 'none'})"
        )
    return fn


def _arg_names(fn, n: int) -> list[str]:
    try:
        params = [
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    return params[:n] if len(params) >= n else [str(i) for i in range(n)]


def _required_inputs(fn) -> int | None:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in params if p.kind in kinds and p.default is p.empty)


def _inputs(bk, shapes, domain, seed):
    rng = np.random.default_rng(seed)
    return [bk.asarray(draw(rng, s, domain)) for s in shapes], rng


def _run_builtin(args, bk) -> int:
    from .. import functional as F
    from ..autograd import Tensor
    from .gradcheck import gradcheck, gradgradcheck

    op = OPS.get(args.target)
    if args.target == "dropout":
        raise UsageError(
            "dropout is random, and central differences need a deterministic function; "
            "check your model in eval mode, or dropout with a fixed mask in your own file"
        )
    if op is None:
        raise UsageError(
            f"unknown op {args.target!r}; choose from {', '.join(sorted(OPS))}, "
            "or give FILE.py:FUNC"
        )
    shapes = [parse_shape(s) for s in args.shape] if args.shape else list(op.shapes)
    if len(shapes) != len(op.shapes):
        raise UsageError(
            f"{args.target} takes {len(op.shapes)} differentiable input(s); got "
            f"{len(shapes)} --shape (defaults: {' '.join(_fmt(s) for s in op.shapes)})"
        )
    arrays, rng = _inputs(bk, shapes, op.domain, args.seed)
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    fn = op.make(F, rng, shapes, bk)
    label = f"{args.target} {' '.join(_fmt(s) for s in shapes)} on {bk.name}"
    gradcheck(fn, xs, n_samples=args.n_samples, report_dir=args.report_dir)
    print(f"gradcheck {label}: ok")
    gradgradcheck(fn, xs, n_samples=args.n_samples, report_dir=args.report_dir)
    print(f"gradgradcheck {label}: ok")
    return 0


def _fmt(shape: tuple) -> str:
    return ",".join(str(n) for n in shape) or "scalar"


def _run_file(args, bk) -> int:
    from ..autograd import Tensor
    from .gradcheck import gradcheck, gradgradcheck
    from .layer import check_layer
    from .vjp import check_vjp

    path, _, name = args.target.rpartition(":")
    fn = load_function(path, name)
    vjp = load_function(path, args.vjp) if args.vjp else None
    layer_backward = load_function(path, args.backward) if args.backward else None
    if vjp is not None and layer_backward is not None:
        raise UsageError("give --vjp or --backward, not both")
    if not args.shape:
        n = _required_inputs(fn)
        raise UsageError(
            f"give one --shape per input of {name}"
            + (f" ({n}: {', '.join(_arg_names(fn, n))})" if n else "")
        )
    shapes = [parse_shape(s) for s in args.shape]
    names = _arg_names(fn, len(shapes))
    arrays, _ = _inputs(bk, shapes, "normal", args.seed)
    label = f"{args.target} ({', '.join(f'{n} {s}' for n, s in zip(names, shapes))}) on {bk.name}"
    options = dict(n_samples=args.n_samples, report_dir=args.report_dir)
    if layer_backward is not None:
        params = _params(args.param or [], args.seed, bk)
        check_layer(fn, layer_backward, dict(zip(names, arrays)), params, **options)
        print(f"check_layer {label} with {', '.join(params) or 'no parameters'}: ok")
        return 0
    if args.param:
        raise UsageError("--param needs --backward (a layer pair)")
    if vjp is not None:
        check_vjp(fn, vjp, dict(zip(names, arrays)), **options)
        print(f"check_vjp {label}: ok")
        return 0
    xs = dict(zip(names, [Tensor(a, requires_grad=True) for a in arrays]))
    gradcheck(fn, xs, **options)
    print(f"gradcheck {label}: ok")
    if args.second_order:
        gradgradcheck(fn, xs, **options)
        print(f"gradgradcheck {label}: ok")
    return 0


def _params(specs: list[str], seed: int, bk) -> dict:
    """``NAME=SHAPE`` specs as {name: standard normal float64 array} (drawn after the inputs)."""
    rng = np.random.default_rng(seed + 1)
    params = {}
    for spec in specs:
        name, sep, shape = spec.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param must be NAME=SHAPE, e.g. w=3,4, got {spec!r}")
        params[name.strip()] = bk.asarray(draw(rng, parse_shape(shape), "normal"))
    return params


def run(args: argparse.Namespace) -> int:
    """The subcommand: 0 pass, 1 report of a failure (stdout), 2 one-line usage error."""
    from .report import GradcheckError

    try:
        bk = backend.get(args.backend)
        if ":" in args.target or args.target.endswith(".py"):
            if ":" not in args.target:
                raise UsageError(f"give the function too: {args.target}:FUNC")
            return _run_file(args, bk)
        if args.vjp or args.backward or args.param:
            raise UsageError("--vjp, --backward and --param need a FILE.py:FUNC target")
        return _run_builtin(args, bk)
    except GradcheckError as e:
        print(f"FAILED: {e}")
        return 1
    except (UsageError, backend.BackendError) as e:
        print(f"scratch gradcheck: error: {e}", file=sys.stderr)
        return 2
