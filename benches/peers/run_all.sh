#!/usr/bin/env bash
# Run every peer benchmark in turn (sequentially: timings must not overlap).
# Each script creates its own venv (.venv-<name>) from requirements-<name>.txt on first use and
# writes results/<script>.json atomically.
#   benches/peers/run_all.sh                  # all peers
#   benches/peers/run_all.sh derive_symengine mlp_jax   # a subset
# Needs python3 >= 3.11 and network access to PyPI on the first run (about 8 GB of venvs, 5.4 GB of
# which is PyTorch's CUDA wheel set). Environment knobs: see README.md.
set -u
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
all=(eval_lambdify mlp_jax mlp_torch bseries_peers derive_symengine derive_sympy)
peers=("$@")
[ ${#peers[@]} -eq 0 ] && peers=("${all[@]}")
mkdir -p results
failed=()
for p in "${peers[@]}"; do
  echo "=== $p ($(date -u +%H:%M:%SZ))" >&2
  start=$(date +%s)
  if "$PY" "$p.py"; then
    echo "=== $p ok in $(( $(date +%s) - start )) s" >&2
  else
    echo "=== $p FAILED (exit $?)" >&2
    failed+=("$p")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
echo "all peers ok; results in $(pwd)/results" >&2
