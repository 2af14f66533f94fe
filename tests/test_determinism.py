"""The same seed gives bit-identical results on numpy: twice in one process, and in two
processes, for every estimator and every ``scratch train`` command.

Each claim compares raw bytes (``np.testing.assert_array_equal`` on the arrays, NaN equal
to NaN), not values within a tolerance: a hidden source of randomness (a global RNG, a
dict or set order, entropy drawn at import, an uninitialised buffer) shows up as a
difference in the last bit. The two-process runs start this file as a script; each
writes its results to an .npz and the test compares the files. BLAS runs single-threaded
in the workers, as the tiny matrices here want it (multi-threaded sums may also split
work differently run to run on some BLAS builds, which is not what is tested here).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# ---- the work, the same in every process ---------------------------------------------------
def _host(value):
    """A fitted attribute as a host array (None for what is not numeric data)."""
    from scratch import backend

    if backend.is_array(value):
        return backend.to_numpy(value)
    if isinstance(value, (bool, int, float)):
        return np.asarray(value)
    if isinstance(value, (list, tuple)) and value:
        try:
            return np.asarray([_host(v) for v in value])
        except (TypeError, ValueError):
            return None
    return None


def _fitted(est) -> dict[str, np.ndarray]:
    """Every fitted attribute (name ending in ``_``) that holds numbers, as host arrays."""
    out = {}
    for name, value in sorted(vars(est).items()):
        if name.endswith("_") and not name.startswith("_"):
            a = _host(value)
            if a is not None and a.dtype != object:
                out[name] = a
    return out


def fit_every_estimator() -> dict[str, np.ndarray]:
    """Fit each estimator with random_state=0 on fixed data; {"Est.attr": array}."""
    from scratch import backend, classic

    bk = backend.get("numpy")
    gen = np.random.default_rng(20261201)  # the data only; every estimator gets its own seed
    X = bk.asarray(np.concatenate([gen.normal(c, 1.0, (40, 3)) for c in (-3.0, 0.0, 3.0)]))
    y = bk.asarray(np.repeat(np.arange(3), 40))
    y2 = bk.asarray(np.repeat(np.arange(2), 60))
    coins = bk.asarray(gen.integers(0, 2, 200))
    sym = bk.asarray(gen.integers(0, 3, (90, 1)))
    seq = bk.asarray(gen.normal(0.0, 1.0, (90, 2)))
    results: dict[str, np.ndarray] = {}

    def keep(label, est, **outputs):
        results.update({f"{label}.{k}": v for k, v in _fitted(est).items()})
        results.update(
            {f"{label}.{k}()": np.asarray(backend.to_numpy(v)) for k, v in outputs.items()}
        )

    pca = classic.PCA(2).fit(X)
    keep("PCA", pca, transform=pca.transform(X))
    lda = classic.LinearDiscriminantAnalysis(2).fit(X, y)
    keep("LDA", lda, transform=lda.transform(X))
    km = classic.KMeans(3, n_init=2, random_state=0).fit(X)
    keep("KMeans", km, predict=km.predict(X))
    gm = classic.GaussianMixture(3, n_init=2, random_state=0).fit(X)
    keep("GaussianMixture", gm, predict_proba=gm.predict_proba(X))
    keep("ThreeCoinEM", classic.ThreeCoinEM(0.4, 0.6, 0.7).fit(coins))
    svc = classic.SVC(kernel="rbf", random_state=0).fit(X, y2)
    keep("SVC", svc, decision_function=svc.decision_function(X))
    chmm = classic.CategoricalHMM(2, n_iter=5, random_state=0).fit(sym, [45, 45])
    keep("CategoricalHMM", chmm, predict_proba=chmm.predict_proba(sym))
    ghmm = classic.GaussianHMM(2, n_iter=5, random_state=0).fit(seq, [45, 45])
    keep("GaussianHMM", ghmm, predict_proba=ghmm.predict_proba(seq))
    tc = classic.DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    keep("DecisionTreeClassifier", tc, predict=tc.predict(X))
    results["DecisionTreeClassifier.export_text"] = np.asarray(classic.export_text(tc))
    tr = classic.DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, X[:, 0])
    keep("DecisionTreeRegressor", tr, predict=tr.predict(X))
    results["DecisionTreeRegressor.export_text"] = np.asarray(classic.export_text(tr))
    ga = classic.GeneticAlgorithm(population_size=20, n_generations=10, random_state=0)
    ga.minimize(lambda P: bk.xp.sum(P * P, axis=1), bounds=bk.asarray([[-2.0, 2.0]] * 3))
    keep("GeneticAlgorithm", ga)
    return results


ESTIMATORS = (
    "PCA",
    "LDA",
    "KMeans",
    "GaussianMixture",
    "ThreeCoinEM",
    "SVC",
    "CategoricalHMM",
    "GaussianHMM",
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "GeneticAlgorithm",
)

TRAIN = {  # tiny settings: one epoch, a few batches
    "mlp": ["--epochs", "2", "--hidden", "16", "--batch-size", "128"],
    "cnn": ["--epochs", "1", "--batch-size", "256"],
    "vae": ["--data", "ring8", "--n-train", "256", "--batch-size", "128", "--epochs", "1"],
    "gan": ["--data", "ring8", "--n-train", "256", "--batch-size", "128", "--epochs", "1"],
    "wgan": ["--data", "ring8", "--n-train", "256", "--batch-size", "64", "--epochs", "1"]
    + ["--n-critic", "2"],
    "wgan-gp": ["--data", "ring8", "--n-train", "256", "--batch-size", "64", "--epochs", "1"]
    + ["--n-critic", "2"],
}


def train_every_command(out: Path) -> dict[str, np.ndarray]:
    """Run each ``scratch train`` command (numpy, seed 0); every array of its checkpoint."""
    from scratch.cli import main

    results = {}
    for name, argv in TRAIN.items():
        folder = out / name
        rc = main(["train", name, "--backend", "numpy", "--quiet", "--out", str(folder), *argv])
        assert rc == 0, name
        (ckpt,) = folder.glob("*_checkpoint.npz")
        with np.load(ckpt) as z:
            results.update({f"{name}.{k}": z[k] for k in z.files})
    return results


# ---- the tests -----------------------------------------------------------------------------
def _two_processes(tmp_path, what: str) -> tuple[dict, dict]:
    """Run this file as a script twice at once (``what``); the two result dicts."""
    env = {**os.environ, **ONE_THREAD}
    procs = []
    for i in (0, 1):
        out = tmp_path / f"run{i}"
        cmd = [sys.executable, __file__, what, str(out)]
        procs.append((out, subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)))
    results = []
    for out, p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-3000:]
        with np.load(out / "results.npz") as z:
            results.append({k: z[k] for k in z.files})
    return results[0], results[1]


def _assert_bit_identical(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        np.testing.assert_array_equal(a[k], b[k], err_msg=k, strict=True)


def test_every_estimator_repeats_itself_bit_for_bit_in_one_process():
    a, b = fit_every_estimator(), fit_every_estimator()
    assert {k.split(".")[0] for k in a} == set(ESTIMATORS)
    _assert_bit_identical(a, b)


def test_every_estimator_gives_the_same_bits_in_two_processes(tmp_path):
    a, b = _two_processes(tmp_path, "estimators")
    assert {k.split(".")[0] for k in a} == set(ESTIMATORS)
    _assert_bit_identical(a, b)
    _assert_bit_identical(a, fit_every_estimator())  # and the same as this process


def test_every_train_command_gives_the_same_bits_in_two_processes(tmp_path):
    """Model, optimizer state, RNG state and the logged history of each checkpoint."""
    a, b = _two_processes(tmp_path, "train")
    assert {k.split(".")[0] for k in a} == set(TRAIN)
    assert sum(k.endswith(".checksum") for k in a) == len(TRAIN)
    _assert_bit_identical(a, b)


def test_a_different_seed_changes_the_bits():
    """The comparison above can fail: seed 1 moves KMeans' start and so its result bits."""
    from scratch import classic

    X = np.random.default_rng(0).normal(size=(60, 2))
    a = classic.KMeans(4, n_init=1, random_state=0).fit(X).cluster_centers_
    b = classic.KMeans(4, n_init=1, random_state=1).fit(X).cluster_centers_
    assert not np.array_equal(np.sort(a, axis=0), np.sort(b, axis=0))


if __name__ == "__main__":  # the worker of _two_processes
    what, folder = sys.argv[1], Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    found = fit_every_estimator() if what == "estimators" else train_every_command(folder)
    np.savez(folder / "results.npz", **found)
