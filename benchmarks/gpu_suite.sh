#!/usr/bin/env bash
# The GPU run: one prepared script for a lent GPU machine with no network.
#
#   bash benchmarks/gpu_suite.sh [WHEELS_DIR]
#
# Expects Python 3.12 with cupy, torch, pytest, hypothesis, scikit-learn and scipy.
# Everything else comes as wheels from WHEELS_DIR (or $WHEELS; see benchmarks/README.md
# for the `pip download` line): array-api-compat, array-api-strict and hmmlearn at least,
# plus tqdm, matplotlib and the image libraries where they are missing. scratch itself
# runs from this checkout (PYTHONPATH), nothing is built.
#
# Steps, each with its own time limit so the whole run stays under ~10 minutes on an H100:
#   1. nvidia-smi and `scratch info` (versions, BLAS, GPU, CuPy pool)
#   2. the test suite on numpy and cupy   (pytest --backends numpy,cupy -x -q)
#   3. the benchmarks, quick sizes: CuPy backend vs NumPy vs PyTorch CUDA and the other
#      peers, the image-IO table and the GPU memory study
#   4. scaling curves (quick sizes)
# Output: $OUT if set (the device tool's folder), else benchmarks/results/gpu-<gpu name>/.
# The exit status is 1 when a step failed; the summary at the end names it.
set -uo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
WHEELS="${1:-${WHEELS:-}}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1

gpu="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n1)"
slug="$(printf '%s' "${gpu:-unknown}" | tr '[:upper:]' '[:lower:]' | sed -E 's/[^a-z0-9]+/-/g; s/^-|-$//g')"
OUT="${OUT:-benchmarks/results/gpu-$slug}"
mkdir -p "$OUT"
LOG="$OUT/gpu_suite.log"
: >"$LOG"
declare -a SUMMARY=()
failed=0

step() {  # step NAME SECONDS CMD...: run CMD under a time limit, log it, remember how it ended
    local name="$1" limit="$2"
    shift 2
    echo "=== $name (limit ${limit}s): $*" | tee -a "$LOG"
    local t0=$SECONDS
    timeout --signal=INT --kill-after=20 "$limit" "$@" 2>&1 | tee -a "$LOG"
    local rc=${PIPESTATUS[0]}
    local what="ok"
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        what="TIMED OUT"
        failed=1
    elif [ "$rc" -ne 0 ]; then
        what="FAILED (exit $rc)"
        failed=1
    fi
    SUMMARY+=("$name: $what in $((SECONDS - t0))s")
}

# 0. wheels the machine lacks (no network: only the given folder)
if [ -n "$WHEELS" ]; then
    if [ -d "$WHEELS" ] && ls "$WHEELS"/*.whl >/dev/null 2>&1; then
        names="$(for w in "$WHEELS"/*.whl; do basename "$w" | cut -d- -f1; done | sort -u)"
        # shellcheck disable=SC2086  # one word per package
        step "install wheels" 120 "$PY" -m pip install --disable-pip-version-check -q \
            --no-index --find-links "$WHEELS" $names
    else
        echo "no wheels in $WHEELS" | tee -a "$LOG"
        SUMMARY+=("install wheels: FAILED (no wheels in $WHEELS)")
        failed=1
    fi
fi

# 1. the machine
step "nvidia-smi" 30 nvidia-smi
nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1 || true
step "scratch info" 60 "$PY" -m scratch info
"$PY" -m scratch info >"$OUT/scratch-info.txt" 2>&1 || true

# 2. the tests on numpy and cupy (stops at the first failure)
step "pytest numpy,cupy" 240 "$PY" -m pytest --backends numpy,cupy -x -q -p no:cacheprovider \
    --junitxml="$OUT/pytest.xml"

# 3. the benchmarks: default backends are numpy + cupy, peers on CPU and CUDA
step "benchmarks --quick" 200 "$PY" -m benchmarks.run --backends numpy,cupy --quick \
    --out "$OUT" --quiet

# 4. scaling curves (time against problem size) of the workloads that define one
curved="$("$PY" -c 'from benchmarks.workloads import discover
print(",".join(w.name for w in discover()[0] if w.curve))' 2>/dev/null)"
if [ -n "$curved" ]; then
    step "benchmarks --quick --curves" 150 "$PY" -m benchmarks.run --backends numpy,cupy --quick \
        --curves --only "$curved" --out "$OUT/curves" --quiet
fi

echo "=== summary (results in $OUT)" | tee -a "$LOG"
printf '%s\n' "${SUMMARY[@]}" | tee -a "$LOG" "$OUT/summary.txt"
exit "$failed"
