"""The ``scratch`` command: info, tour, train, bench, gradcheck.

scratch info                         versions, backends, devices, BLAS, GPU
scratch tour [--backend B] [--out D] every algorithm, its check, its figures
scratch train mlp|cnn|... [--backend B]
scratch bench [--quick]              benchmarks against the peers
scratch bench slurm [--dry-run]      the same benchmarks as a Slurm job array
scratch gradcheck NAME|FILE.py:FUNC  check gradients (built-in op, or your own code)

Every command has its own options: scratch COMMAND --help (defaults shown).
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import platform
import re
import sys
from pathlib import Path

import numpy as np

from . import __version__, backend


def _versions() -> list[tuple[str, str]]:
    rows = [
        ("python", platform.python_version()),
        ("scratch", __version__),
        ("numpy", np.__version__),
    ]
    for mod in (
        "array_api_compat",
        "array_api_strict",
        "cupy",
        "torch",
        "scipy",
        "sklearn",
        "hmmlearn",
        "matplotlib",
        "tqdm",
        "hypothesis",
    ):
        try:
            m = importlib.import_module(mod)
            rows.append((mod, getattr(m, "__version__", "?")))
        except Exception:  # noqa: BLE001 - an optional library that is absent or broken
            rows.append((mod, "-"))
    return rows


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info

        infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if infos:
            i = infos[0]
            return (
                f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                f"{i.get('num_threads')} threads)"
            )
    except ImportError:
        pass
    cfg = getattr(np, "show_config", None)
    if cfg is not None:
        try:
            info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
            return f"{info.get('name')} {info.get('version')}"
        except Exception:  # noqa: BLE001 - older numpy
            pass
    return "unknown"


def gpu_summary() -> list[str]:
    """GPU name, memory and CuPy pool usage, or why there is none."""
    try:
        import cupy
    except ImportError:
        return ["gpu: none (cupy not installed)"]
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # noqa: BLE001 - no driver
        return [f"gpu: none ({e})"]
    lines = []
    for d in range(n):
        props = cupy.cuda.runtime.getDeviceProperties(d)
        name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        with cupy.cuda.Device(d):
            free, total = cupy.cuda.runtime.memGetInfo()
        lines.append(f"gpu {d}: {name}, {total / 2**30:.1f} GiB ({free / 2**30:.1f} GiB free)")
    # The pool belongs to this process: "held" is what it took from the GPU and keeps for
    # reuse, "used" what live arrays occupy (benchmarks/gpu_memory.py follows both).
    pool = cupy.get_default_memory_pool()
    lines.append(
        f"cupy pool (this process): {pool.used_bytes() / 2**20:.1f} MiB used, "
        f"{pool.total_bytes() / 2**20:.1f} MiB held"
    )
    return lines


def cmd_info(args) -> int:
    print(f"scratch {__version__} on {platform.platform()} ({os.cpu_count()} cpus)")
    for name, ver in _versions():
        print(f"  {name:<18} {ver}")
    print(f"BLAS: {_blas()}")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "SCRATCH_BACKEND"):
        if os.environ.get(var):
            print(f"  {var}={os.environ[var]}")
    print("backends:")
    for name in backend.NAMES:
        try:
            bk = backend.get(name)
            print(f"  {name:<8} ok      device {bk.device}")
        except backend.BackendError as e:
            print(f"  {name:<8} missing {e}")
    print(f"default backend: {backend.default_name()}")
    for line in gpu_summary():
        print(line)
    return 0


def cmd_tour(args) -> int:
    from .tour import run_tour

    only = [n for item in (args.only or []) for n in item.split(",") if n]
    rows = run_tour(args.backend, args.out, only=only or None, quiet=args.quiet)
    failed = [r.name for r in rows if not r.passed]
    index = Path(args.out) / "index.html"
    print(
        f"{len(rows) - len(failed)} passed, {len(failed)} failed"
        + (f": {', '.join(failed)}" if failed else "")
        + f"; pages (derivations, checks, figures, code) in {index}"
    )
    if args.open:
        import webbrowser

        if not webbrowser.open(index.resolve().as_uri()):
            print(f"no web browser found: open {index} yourself")
    return 1 if failed else 0


def _training_modules() -> dict[str, str]:
    from . import training

    return {
        m.name: f"{training.__name__}.{m.name}"
        for m in pkgutil.iter_modules(training.__path__)
        if not m.name.startswith("_")
    }


def cmd_bench(args) -> int:
    root = Path(__file__).resolve().parents[1]
    if not (root / "benchmarks" / "run.py").exists():
        print(
            "scratch bench needs a source checkout (benchmarks/ beside scratch/)", file=sys.stderr
        )
        return 2
    sys.path.insert(0, str(root))
    from benchmarks.run import main as bench_main

    return bench_main(args.bench_args)


def cmd_gradcheck(args) -> int:
    from .testing.cli_gradcheck import run

    return run(args)


_REST = re.compile(r":[a-z]+:`~?([^`]+)`|``([^`]+)``|`([^`]+)`_?")


def plain(text: str) -> str:
    """``text`` with its reST markup removed (``x``, :class:`X`, `X`_ -> x, X, X) for help."""
    return _REST.sub(lambda m: next(g for g in m.groups() if g is not None), text)


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its default; descriptions keep their line breaks.

    A help text that already says what the default is ("default: every step") is kept
    as written instead of gaining "(default: None)".
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        return text if "default" in text.lower() else super()._get_help_string(action)


class HelpParser(argparse.ArgumentParser):
    """An ArgumentParser with ``HelpFormatter``; its subparsers are HelpParsers too.

    ``add_subparsers`` builds subparsers of the parent's class, so every command added
    later (the train models, gradcheck) shows its defaults without asking for it.
    """

    def __init__(self, *args, formatter_class: type = HelpFormatter, **kwargs):
        super().__init__(*args, formatter_class=formatter_class, **kwargs)

    def error(self, message: str):
        """A bad flag or value: one line on stderr (where to find the usage), exit 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = HelpParser(prog="scratch", description=plain(__doc__))
    p.add_argument("--version", action="version", version=f"scratch {__version__}")
    sub = p.add_subparsers(
        dest="command", required=True, help="the command (scratch COMMAND --help for its options)"
    )

    s = sub.add_parser("info", help="versions, backends, devices, BLAS, GPU")
    s.set_defaults(func=cmd_info)

    backends = "numpy|cupy|torch|strict|auto (default: $SCRATCH_BACKEND or numpy)"
    s = sub.add_parser("tour", help="run every algorithm with its derivation check")
    s.add_argument("--backend", default=None, help=backends)
    s.add_argument("--out", default="tour-out", help="folder for figures and index.html")
    s.add_argument(
        "--only", action="append", help="run only these steps (comma-separated; default: all)"
    )
    s.add_argument("--quiet", action="store_true", help="print only the summary")
    s.add_argument("--open", action="store_true", help="open index.html in the web browser")
    s.set_defaults(func=cmd_tour)

    s = sub.add_parser("train", help="train a model on the built-in digits or a 2-D toy")
    tsub = s.add_subparsers(dest="model", required=True, help="the model to train")
    for name, modname in sorted(_training_modules().items()):
        mod = importlib.import_module(modname)
        name = getattr(mod, "NAME", name)  # e.g. wgan-gp: a module name cannot hold a hyphen
        summary = plain((mod.__doc__ or name).strip().splitlines()[0])
        t = tsub.add_parser(name, help=summary, description=summary)
        t.add_argument("--backend", default=None, help=backends)
        t.add_argument("--quiet", action="store_true", help="no progress bar")
        mod.add_arguments(t)
        t.set_defaults(func=mod.run)

    s = sub.add_parser(
        "bench",
        help="benchmarks against the peers; bench slurm: the same as a Slurm job array "
        "(scratch bench --help, benchmarks/README.md)",
        add_help=False,
    )
    s.add_argument(
        "bench_args", nargs=argparse.REMAINDER, help="the options of scratch bench (see its --help)"
    )
    s.set_defaults(func=cmd_bench)

    from .testing.cli_gradcheck import add_arguments as gradcheck_arguments

    s = sub.add_parser(
        "gradcheck",
        help="check gradients: a built-in op, or FILE.py:FUNC [--vjp FUNC] of your own",
    )
    gradcheck_arguments(s)
    s.set_defaults(func=cmd_gradcheck)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:
        # Everything after "bench" is benchmarks.run's: argparse's REMAINDER would reject
        # a leading option such as `scratch bench --tiny`.
        return cmd_bench(argparse.Namespace(bench_args=argv[1:]))
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (backend.BackendError, ValueError, TypeError) as e:
        print(f"scratch: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
