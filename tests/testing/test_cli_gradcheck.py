"""``scratch gradcheck`` on a user's own file and on every built-in op it lists.

Exit status 0 for a right gradient, 1 with the report for a wrong one, 2 with one line
for a usage error (missing file, missing function, bad shape).
"""

import subprocess
import sys
import textwrap

import pytest

from scratch.cli import main
from scratch.testing.builtin_ops import OPS

USER_FILE = textwrap.dedent(
    '''
    """A user's layer: y = x @ w, and two hand-written VJPs (one with the 1/N bug)."""
    from scratch import functional as F


    def affine(x, w):
        return x @ w


    def affine_vjp(gy, x, w):
        return gy @ w.T, x.T @ gy


    def affine_vjp_wrong(gy, x, w):
        return gy @ w.T, 5.0 * (x.T @ gy)


    def tensor_loss(x, w):
        return F.softmax(x @ w, dim=-1).sum(axis=0)


    def affine_forward(x, w, b):
        return x @ w + b, (x, w)


    def affine_backward(dout, cache):
        x, w = cache
        return dout @ w.T, {"w": x.T @ dout, "b": dout.sum(axis=0)}


    def affine_backward_unsummed_db(dout, cache):
        x, w = cache
        return dout @ w.T, {"w": x.T @ dout, "b": dout}
    '''
)


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "my_layer.py"
    path.write_text(USER_FILE)
    return path


def test_a_right_vjp_in_a_user_file_exits_0(user_file, capsys):
    rc = main(
        [
            "gradcheck",
            f"{user_file}:affine",
            "--vjp",
            "affine_vjp",
            "--shape",
            "5,3",
            "--shape",
            "3,4",
        ]
    )
    assert rc == 0
    assert "check_vjp" in capsys.readouterr().out and "ok" in capsys.readouterr().out + "ok"


def test_a_wrong_vjp_exits_1_with_the_report_naming_the_cause(user_file, capsys):
    rc = main(
        [
            "gradcheck",
            f"{user_file}:affine",
            "--vjp",
            "affine_vjp_wrong",
            "--shape",
            "5,3",
            "--shape",
            "3,4",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 1
    assert "input 'w' (shape (3, 4))" in out
    assert "constant factor: analytic = 5 x numeric" in out and "5 = axis 0 of input 'x'" in out


def test_a_tensor_function_in_a_user_file_is_checked_by_reverse_mode(user_file, capsys):
    rc = main(
        [
            "gradcheck",
            f"{user_file}:tensor_loss",
            "--shape",
            "4,3",
            "--shape",
            "3,2",
            "--second-order",
            "--backend",
            "strict",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert "gradcheck" in out and "gradgradcheck" in out and "on strict" in out


def test_a_layer_pair_in_a_user_file_is_checked_with_its_parameters(user_file, capsys):
    common = ["--shape", "5,3", "--param", "w=3,4", "--param", "b=4"]
    rc = main(
        ["gradcheck", f"{user_file}:affine_forward", "--backward", "affine_backward", *common]
    )
    assert rc == 0 and "check_layer" in capsys.readouterr().out
    rc = main(
        [
            "gradcheck",
            f"{user_file}:affine_forward",
            "--backward",
            "affine_backward_unsummed_db",
            *common,
        ]
    )
    out = capsys.readouterr().out
    assert rc == 1
    assert "parameter 'b'" in out and "missing accumulation over a broadcast axis" in out


@pytest.mark.parametrize(
    "args, line",
    [
        (["gradcheck", "no_such_file.py:f", "--shape", "3"], "no such file: no_such_file.py"),
        (["gradcheck", "{file}:nope", "--shape", "3"], "has no function 'nope' (functions there:"),
        (["gradcheck", "{file}:affine", "--vjp", "nope", "--shape", "3"], "no function 'nope'"),
        (["gradcheck", "{file}:affine"], "give one --shape per input of affine (2: x, w)"),
        (["gradcheck", "{file}:affine", "--shape", "3,x"], "--shape must be comma-separated"),
        (["gradcheck", "frobnicate"], "unknown op 'frobnicate'"),
        (["gradcheck", "linear", "--shape", "3,4"], "linear takes 3 differentiable input(s)"),
        (["gradcheck", "linear", "--vjp", "f"], "need a FILE.py:FUNC target"),
        (
            [
                "gradcheck",
                "{file}:affine_forward",
                "--backward",
                "affine_backward",
                "--shape",
                "3,2",
                "--param",
                "w",
            ],
            "--param must be NAME=SHAPE",
        ),
    ],
)
def test_usage_errors_are_one_clear_line_and_exit_2(user_file, capsys, args, line):
    args = [a.replace("{file}", str(user_file)) for a in args]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert line in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_listed_built_in_op_passes(name, capsys):
    """Each name the CLI lists works, multi-input ones (linear, conv2d) and losses included."""
    assert main(["gradcheck", name]) == 0, capsys.readouterr()
    assert "gradgradcheck" in capsys.readouterr().out


def test_the_installed_command_runs_a_user_file(user_file):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "scratch",
            "gradcheck",
            f"{user_file}:affine",
            "--vjp",
            "affine_vjp_wrong",
            "--shape",
            "4,3",
            "--shape",
            "3,2",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1, r.stderr
    assert "likely cause: constant factor" in r.stdout
