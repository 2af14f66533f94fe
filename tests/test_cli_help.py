"""The command line's help reads as help: every option explained, its default shown, no reST.

The walk covers the whole tree a user can reach with ``--help``: ``scratch`` and each
command, the train models and gradcheck that other modules add options to, and
``scratch bench`` / ``scratch bench slurm`` (benchmarks/run.py and benchmarks/slurm,
which ``scratch bench`` hands its arguments to).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import run  # noqa: E402
from scratch import cli  # noqa: E402

REST = re.compile(r"``|:[a-z]+:`|`_")


def _walk(path: str, parser: argparse.ArgumentParser):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(f"{path} {name}", sub)


def parsers() -> dict[str, argparse.ArgumentParser]:
    """Every parser reachable from ``scratch``, by its command line."""
    from benchmarks import slurm

    tree = dict(_walk("scratch", cli.build_parser()))
    # `scratch bench ...` is benchmarks.run's parser (cli hands it the whole argument list)
    tree["scratch bench"] = run.build_parser()
    tree["scratch bench slurm"] = slurm.build_parser()
    return tree


PARSERS = parsers()


def _actions(parser):
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        yield action
        if isinstance(action, argparse._SubParsersAction):
            yield from action._choices_actions  # the one-line help of each command


def test_the_walk_reaches_every_command():
    for command in ("info", "tour", "train mlp", "train cnn", "gradcheck", "bench", "bench slurm"):
        assert f"scratch {command}" in PARSERS


@pytest.mark.parametrize("path", sorted(PARSERS))
def test_every_option_has_help(path):
    missing = [a.dest for a in _actions(PARSERS[path]) if not (a.help or "").strip()]
    assert not missing, f"{path}: options without help: {missing}"


def _shown_help(formatter: argparse.HelpFormatter, action: argparse.Action) -> str:
    """The help text of ``action`` as --help prints it (empty when there is none)."""
    return formatter._expand_help(action) if formatter._get_help_string(action) else ""


@pytest.mark.parametrize("path", sorted(PARSERS))
def test_every_option_shows_its_default(path):
    parser = PARSERS[path]
    assert issubclass(parser.formatter_class, argparse.ArgumentDefaultsHelpFormatter), path
    formatter = parser._get_formatter()
    silent = [
        a.dest
        for a in parser._actions
        if a.option_strings
        and not isinstance(a, (argparse._HelpAction, argparse._VersionAction))
        and "default" not in _shown_help(formatter, a).lower()
    ]
    assert not silent, f"{path}: options whose help does not show the default: {silent}"


@pytest.mark.parametrize("path", sorted(PARSERS))
def test_help_has_no_raw_rest_markup(path):
    text = PARSERS[path].format_help()
    assert not REST.findall(text), f"{path} --help shows reST markup:\n{text}"


def test_plain_removes_inline_literals_roles_and_links():
    assert cli.plain("The ``scratch`` command") == "The scratch command"
    assert cli.plain("see :class:`Tensor` and :func:`~scratch.grad`") == (
        "see Tensor and scratch.grad"
    )
    assert cli.plain("`numpy-ml`_ and `x`") == "numpy-ml and x"


def test_the_defaults_formatter_shows_a_default_once():
    p = cli.HelpParser(prog="demo")
    p.add_argument("--n", type=int, default=3, help="count")
    p.add_argument("--only", default=None, help="names (default: all)")
    text = p.format_help()
    assert "count (default: 3)" in text
    assert "names (default: all)" in text and "None" not in text


def _main_help(main, argv, capsys) -> str:
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 0
    return capsys.readouterr().out


def test_scratch_help_lists_bench_slurm(capsys):
    out = _main_help(cli.main, ["--help"], capsys)
    assert "scratch bench slurm" in out
    assert "``" not in out


def test_scratch_bench_help_lists_slurm(capsys):
    assert run.main(["--help"]) == 0  # benchmarks.run turns argparse's exit into a status
    out = capsys.readouterr().out
    assert "scratch bench slurm" in out and "(default: False)" in out


# ---- scratch bench --list --------------------------------------------------------------------
def _column_starts(header: str) -> list[int]:
    return [m.start() for m in re.finditer(r"\S+", header)]


def assert_aligned(text: str) -> list[list[str]]:
    """Every row's columns start at the header's offsets; returns the cells."""
    lines = text.splitlines()
    starts = _column_starts(lines[0])
    assert len(starts) == 4, lines[0]
    cells = []
    for line in lines:
        for s in starts[1:]:
            assert line[s - 2 : s] == "  " and line[s] != " ", (
                f"a column does not start at offset {s}:\n{lines[0]}\n{line}"
            )
        bounds = starts + [len(line)]
        cells.append([line[a:b].strip() for a, b in zip(bounds, bounds[1:])])
    return cells


def test_bench_list_columns_start_at_the_same_offsets_for_long_cells():
    """The old layout pushed a row's sizes right when its peer list passed 20 characters."""
    workload = SimpleNamespace
    suite = SimpleNamespace(
        workloads=[
            workload(name="a", family="classic", peers={"sklearn": 0}, sizes={"tiny": {"n": 1}}),
            workload(
                name="a_much_longer_workload_name_than_usual",
                family="generative",
                peers={"hmmlearn-scaling": 0, "hmmlearn-log": 0, "numpy-ml": 0},
                sizes={"full": {"n": 10, "d": 2}, "tiny": {"n": 1, "d": 2}},
            ),
            workload(name="lonely", family="nn", peers={}, sizes={"quick": {"n": 5}}),
        ],
        studies=["image_io"],
        load_errors={"broken_module": "ImportError: no module named x"},
    )
    cells = assert_aligned(run.list_text(suite))
    assert cells[0] == ["NAME", "FAMILY", "PEERS", "SIZES"]
    assert cells[2][2] == "hmmlearn-scaling, hmmlearn-log, numpy-ml"
    assert cells[3][2] == "no peer"
    assert cells[4] == ["image_io", "study", "-", "-"]
    assert cells[5] == ["broken_module", "BROKEN", "-", "ImportError: no module named x"]


def test_bench_list_of_the_real_workloads_is_aligned(capsys):
    assert run.main(["--list", "--keep-blas-env"]) == 0
    cells = assert_aligned(capsys.readouterr().out)
    names = [c[0] for c in cells[1:]]
    assert "kmeans" in names and "image_io" in names
