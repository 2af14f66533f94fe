"""Bad flags and values for every ``scratch`` subcommand: one line on stderr, exit 2.

argparse's own errors (an unknown command or flag, a value of the wrong type) and the
library's (a negative learning rate, an unknown backend or tour step) alike end in one
line naming the flag or value, never a traceback. Run through ``scratch.cli.main`` (argparse
exits by SystemExit, the library's errors are returned as 2), plus one real process.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratch.cli import main


def _run(argv, capsys):
    try:
        rc = main(argv)
    except SystemExit as e:
        rc = e.code
    return rc, capsys.readouterr().err


def _assert_one_line(rc, err, *names):
    lines = err.strip().splitlines()
    assert rc == 2, (rc, err)
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert any(n in lines[0] for n in names), (names, lines[0])


# (argv, what the line must name); {out} is a temporary folder
CASES = [
    (["nope"], "nope"),
    (["info", "--bogus"], "--bogus"),
    (["tour", "--backend", "nope", "--out", "{out}"], "nope"),
    (["tour", "--only", "no-such-step", "--out", "{out}"], "no-such-step"),
    (["tour", "--bogus"], "--bogus"),
    (["train"], "model"),
    (["train", "nope"], "nope"),
    (["train", "mlp", "--epochs", "abc"], "--epochs"),
    (["train", "mlp", "--epochs", "0", "--out", "{out}"], "epochs"),
    (["train", "mlp", "--batch-size", "0", "--out", "{out}"], "batch"),
    (["train", "mlp", "--lr", "-1", "--out", "{out}"], "lr"),
    (["train", "mlp", "--lr", "nan", "--out", "{out}"], "lr"),
    (["train", "mlp", "--lr", "x"], "--lr"),
    (["train", "mlp", "--hidden", "0", "--out", "{out}"], "hidden"),
    (["train", "mlp", "--backend", "nope", "--out", "{out}"], "nope"),
    (["train", "cnn", "--seed", "x"], "--seed"),
    (["train", "vae", "--data", "nope"], "--data"),
    (["train", "gan", "--label-smoothing", "2", "--out", "{out}"], "label_smoothing"),
    (["train", "wgan", "--n-critic", "0", "--out", "{out}"], "n_critic"),
    (["train", "wgan", "--clip-value", "-1", "--out", "{out}"], "clip_value"),
    (["train", "wgan-gp", "--lambda-gp", "-1", "--out", "{out}"], "lambda_gp"),
    (["gradcheck"], "required"),
    (["gradcheck", "no_such_op"], "no_such_op"),
    (["gradcheck", "no_such_file.py:f"], "no_such_file.py"),
]


@pytest.mark.parametrize("argv,name", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_a_bad_flag_or_value_is_one_line_and_exit_2(tmp_path, capsys, argv, name):
    argv = [a.replace("{out}", str(tmp_path / "out")) for a in argv]
    rc, err = _run(argv, capsys)
    _assert_one_line(rc, err, name)


@settings(max_examples=10)
@given(
    flag=st.sampled_from(["--epochs", "--batch-size"]),
    value=st.one_of(st.integers(max_value=0).map(str), st.sampled_from(["1.5", "", "1e3", "x"])),
    model=st.sampled_from(["mlp", "cnn", "vae", "gan"]),
)
def test_drawn_bad_counts_for_train_are_one_line_and_exit_2(tmp_path, capsys, flag, value, model):
    rc, err = _run(["train", model, flag, value, "--out", str(tmp_path / "o"), "--quiet"], capsys)
    _assert_one_line(rc, err, flag, flag.lstrip("-"), flag.lstrip("-").replace("-", "_"))


def test_a_bad_value_in_a_real_process_is_one_line_and_exit_2(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "scratch", "train", "mlp", "--lr", "-1", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    _assert_one_line(p.returncode, p.stderr, "lr")
