#!/usr/bin/env bash
# The one command for the lent GPU machine (CUDA 13, driver 580, no Rust, no network).
#
# Here (the build machine), once:
#   scripts/build-cuda.sh                 # -> target-cuda/bea-cuda (stripped CUDA build)
#   INCLUDE_MNIST=1 scripts/run-gpu.sh --prepare
#                                         # -> gpu-carry/: bea-cuda.gz (15 MiB) and gzipped Fashion-MNIST (30 MiB), plus
#                                         #    MNIST (11 MiB, for the mlp-cuda stage) with INCLUDE_MNIST=1; 58 MiB with
#                                         #    the working tree. BIN=target-cuda/release/bea carries the unstripped
#                                         #    binary instead (3 MB more; backtraces with function names)
# Then one device call (the tool `run`), from the repository root:
#   command: scripts/run-gpu.sh           carry: ["gpu-carry"]          timeout_s: 420  (the stages' limits add to 335 s, plus the library search and up to 30 s
#                                         grace per stage; the results are written after every stage, so a call cut
#                                         off at its limit still returns the stages done)
# Results come back under $OUT: summary.json (devices, libraries, per-stage exit code and wall time),
# log.txt (everything printed), rates.json (steps/s of every run: training only, from its summary's step_s; else
# from its last eval record), results.tar.gz
# (the sweeps' per-run JSONL files, reports and plots, and torch-cuda.json), gpu-mem.csv (GPU memory and utilisation
# every 0.5 s).
#
# The binary is dynamically linked (candle 0.11.1 builds cudarc with `dynamic-linking`) and needs
# libcuda.so.1 (the driver), libcudart.so.13, libcublas.so.13, libcublasLt.so.13, libcurand.so.10 and
# libnvrtc.so.13 (which loads libnvrtc-builtins.so.13.0 from its own folder). The machine has no system
# CUDA libraries, only those inside its Python installs (PyTorch's and JAX's nvidia/*/lib, nvidia/cu13/lib):
# this script finds them and puts their folders on LD_LIBRARY_PATH.
#
# IGR_ARGS replaces igr-cuda's and igr-cpu's "--seeds 0"; FULL_ARGS is added to egr-full's flags (e.g. "--steps 20"),
# FULL_SHARD replaces its shard (default 0/4; empty: the whole sweep, with its report).
# Stages (STAGES, space-separated; default "igr-cuda igr-cpu egr-cuda mlp-cuda torch-cuda egr-full"), each under
# `timeout -s INT` (the sweep stops cleanly on SIGINT, keeps the finished runs and writes an interrupted run's summary):
#   igr-cuda   bea experiment igr-mlp --device cuda   --seeds 0 (CI size: embedded digits, 15 runs, one seed)  T_IGR (90 s)
#   igr-cpu    the same on the CPU, the baseline on the same machine                       T_IGR_CPU (40 s)
#   egr-cuda   bea experiment egr-resnet --device cuda (small ResNet, 10k Fashion-MNIST, 4 runs) T_EGR (90 s)
#   mlp-cuda   igr-mlp on MNIST, the paper's MLP at width 400 (5 hidden layers, 959,610 parameters), batch 32,
#              h = 0.01, 3,000 steps: the training step rate on CUDA (needs INCLUDE_MNIST=1) T_MLP (40 s)
#   torch-cuda benches/peers/mlp_torch_gpu.py with that machine's PyTorch: the peer MLP step on CUDA T_TORCH (30 s)
#   egr-full   bea experiment egr-resnet --full --shard 0/4 (ResNet-18, batch 512, 20k steps; will not finish
#              in one call: shows the step rate only)                                      T_FULL (45 s)
set -uo pipefail
cd "$(dirname "$0")/.."
CARRY=gpu-carry

if [ "${1:-}" = "--prepare" ]; then
  set -e
  BIN=${BIN:-target-cuda/bea-cuda}
  DATA=${BEA_DATA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bea/data}
  [ -x "$BIN" ] || { echo "no $BIN: run scripts/build-cuda.sh first" >&2; exit 1; }
  rm -rf "$CARRY"; mkdir -p "$CARRY/data/fashion-mnist"
  gzip -9c "$BIN" > "$CARRY/bea-cuda.gz"
  # MNIST only for igr-mlp --full (INCLUDE_MNIST=1); Fashion-MNIST for egr-resnet.
  sets=fashion-mnist; [ "${INCLUDE_MNIST:-0}" = 1 ] && { sets="fashion-mnist mnist"; mkdir -p "$CARRY/data/mnist"; }
  for d in $sets; do
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
      if [ -f "$DATA/$d/$f.gz" ]; then cp "$DATA/$d/$f.gz" "$CARRY/data/$d/"
      elif [ -f "$DATA/$d/$f" ]; then gzip -9c "$DATA/$d/$f" > "$CARRY/data/$d/$f.gz"
      else echo "missing $DATA/$d/$f (bea data fetch $d)" >&2; exit 1; fi
    done
  done
  total=$(( $(git ls-files -z | xargs -0 cat | wc -c) + $(git ls-files -z --others --exclude-standard | xargs -0 cat | wc -c) + $(du -sb "$CARRY" | cut -f1) ))
  du -sh "$CARRY"/* "$CARRY"/data/*
  echo "working tree + $CARRY: $((total / 1048576)) MiB (the device tool carries at most 64 MiB)"
  [ $total -le $((63 * 1048576)) ] || { echo "too large for one device call" >&2; exit 1; }
  exit 0
fi

OUT=${OUT:-$PWD/gpu-out}; mkdir -p "$OUT"
W=$(mktemp -d /tmp/bea-gpu.XXXX)
LOG="$OUT/log.txt"
exec > >(tee -a "$LOG") 2>&1
echo "== $(date -u +%FT%TZ) $(uname -srm)"

BIN="$W/bea"
gunzip -c "$CARRY/bea-cuda.gz" > "$BIN" && chmod +x "$BIN" || { echo "no $CARRY/bea-cuda.gz: run scripts/run-gpu.sh --prepare here first"; exit 1; }
export BEA_DATA_DIR="$PWD/$CARRY/data"

echo "== nvidia-smi"; nvidia-smi 2>&1 | head -20
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1

# The libraries: the driver's libcuda.so.1 (normally already known to the loader) and the CUDA 13 libraries
# from the Python installs. One folder per library, the first found, preferring nvidia/cu13/lib folders.
echo "== libraries"
LIBS="libcuda.so.1 libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libnvrtc.so.13"
# One pass over the file system (not -xdev: the driver's folder /usr/local/nvidia can be a mount); stubs and
# forward-compat copies of libcuda are skipped; folders named cu13 come first.
names=(); for l in $LIBS; do names+=(-o -name "$l"); done
ALL=$(timeout 90 find / \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path "$W" \) -prune \
      -o \( -false "${names[@]}" \) -print 2>/dev/null | grep -v -e '/stubs/' -e '/compat/' |
      awk '{print (index($0, "/cu13/") ? 0 : 1) "\t" $0}' | sort | cut -f2)
declare -A seen; DIRS=()
for lib in $LIBS; do
  if [ "$lib" = libcuda.so.1 ] && ldconfig -p | grep -q "libcuda.so.1 "; then
    echo "$lib: $(ldconfig -p | grep "libcuda.so.1 " | head -1 | sed 's/.*=> //') (ldconfig)"; continue
  fi
  found=$(echo "$ALL" | grep "/$lib\$" | head -1)
  echo "$lib: ${found:-NOT FOUND}$( [ -n "$found" ] && echo "  (all: $(echo "$ALL" | grep -c "/$lib\$"))")"
  if [ -n "$found" ]; then d=$(dirname "$(readlink -f "$found")"); [ -z "${seen[$d]:-}" ] && { seen[$d]=1; DIRS+=("$d"); }; fi
done
LD_LIBRARY_PATH=$(IFS=:; echo "${DIRS[*]}")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
ldd "$BIN" | grep -E 'cuda|cublas|curand|nvrtc|not found'
"$BIN" --version 2>&1 | head -1

STAGES=${STAGES:-igr-cuda igr-cpu egr-cuda mlp-cuda torch-cuda egr-full}
# GPU memory and utilisation every half second while the stages run (gpu-mem.csv comes back).
nvidia-smi --query-gpu=timestamp,memory.used,utilization.gpu --format=csv,noheader -lms 500 > "$OUT/gpu-mem.csv" 2>&1 &
SMI=$!
declare -A RC WALL
stage() { # name timeout args...
  local name=$1 t=$2; shift 2
  echo "== $name: bea $* (timeout ${t}s)"
  local s; s=$(date +%s.%N)
  # --foreground: without it timeout signals the child and then its whole process group. On the GPU machine bea
  # reported a second Ctrl-C at every time limit and exited at once, without the interrupted run's summary; that
  # double signal is the likely cause (not reproduced here, where the two signals merge).
  timeout --foreground -k 30 -s INT "$t" "$BIN" "$@" --out "$W/res/$name" --format json > "$W/$name.json"
  RC[$name]=$?; WALL[$name]=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
  echo "== $name: rc=${RC[$name]} wall=${WALL[$name]} s"
  head -c 3000 "$W/$name.json"; echo
}
# The results so far, written after every stage (so that a call cut off at its limit still returns the stages done):
# summary.json, rates.json, results.tar.gz.
collect() {
  cp "$W"/*.json "$W/res/" 2>/dev/null
  tar -C "$W" -czf "$OUT/results.tar.gz" res
  {
    echo "{"
    echo "  \"date\": \"$(date -u +%FT%TZ)\","
    echo "  \"gpu\": \"$(nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader 2>/dev/null | head -1)\","
    echo "  \"ld_library_path\": \"$LD_LIBRARY_PATH\","
    echo "  \"stages\": {"
    local first=1 st
    for st in $STAGES; do
      [ -n "${RC[$st]:-}" ] || continue
      [ $first = 1 ] || echo ","; first=0
      # Runs whose file ends with a finished summary (interrupted and killed runs leave files too).
      printf '    "%s": {"rc": %s, "wall_s": %s, "finished_runs": %s, "run_files": %s}' "$st" "${RC[$st]}" "${WALL[$st]}" \
        "$(grep -l '"type":"summary".*"status":"finished"' "$W/res/$st"/*.jsonl 2>/dev/null | wc -l)" \
        "$(ls "$W/res/$st"/*.jsonl 2>/dev/null | wc -l)"
    done
    echo; echo "  }"; echo "}"
  } > "$OUT/summary.json"
  # Training rate per run: from its summary's step_s (mean seconds per optimiser step, training only; an interrupted
  # run writes its summary too), else from its last eval record (step / wall_s, evaluations included).
  python3 - "$W/res" > "$OUT/rates.json" <<'PY'
import json, pathlib, sys
out = {}
for f in sorted(pathlib.Path(sys.argv[1]).glob("*/*.jsonl")):
    last = summary = None
    for line in f.read_text().splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r.get("type") == "eval" and r.get("wall_s"):
            last = r
        if r.get("type") == "summary":
            summary = r
    key = f"{f.parent.name}/{f.stem}"
    if summary and summary.get("step_s"):
        out[key] = {"status": summary.get("status"), "steps": summary.get("steps_done"),
                    "train_steps_per_s": round(1.0 / summary["step_s"], 1), "wall_s": round(summary["wall_s"], 3)}
    elif last:
        out[key] = {"steps": last["step"], "wall_s": round(last["wall_s"], 3),
                    "steps_per_s_with_evals": round(last["step"] / last["wall_s"], 1)}
print(json.dumps(out, indent=1))
PY
}

mkdir -p "$W/res"
for st in $STAGES; do
  case $st in
    igr-cuda) stage igr-cuda "${T_IGR:-90}" experiment igr-mlp --device cuda ${IGR_ARGS:---seeds 0} ;;
    igr-cpu)  stage igr-cpu "${T_IGR_CPU:-40}" experiment igr-mlp --device cpu ${IGR_ARGS:---seeds 0} ;;
    egr-cuda) stage egr-cuda "${T_EGR:-90}" experiment egr-resnet --device cuda --data-dir "$BEA_DATA_DIR" ;;
    mlp-cuda) stage mlp-cuda "${T_MLP:-40}" experiment igr-mlp --device cuda --dataset mnist --data-dir "$BEA_DATA_DIR" \
                --widths 400 --learning-rates 0.01 --seeds 0 --steps 3000 --eval-every 1000 ;;
    torch-cuda)
      echo "== torch-cuda: python3 benches/peers/mlp_torch_gpu.py (timeout ${T_TORCH:-30}s)"
      s=$(date +%s.%N); timeout -k 5 "${T_TORCH:-30}" python3 benches/peers/mlp_torch_gpu.py > "$W/torch-cuda.json"
      RC[torch-cuda]=$?; WALL[torch-cuda]=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
      cat "$W/torch-cuda.json" ;;
    egr-full) SHARD=${FULL_SHARD-0/4}; stage egr-full "${T_FULL:-45}" experiment egr-resnet --full ${SHARD:+--shard "$SHARD"} --device cuda \
                --data-dir "$BEA_DATA_DIR" ${FULL_ARGS:-} ;;
    *) echo "unknown stage $st" ;;
  esac
  collect
done


kill "$SMI" 2>/dev/null
collect
cat "$OUT/summary.json" "$OUT/rates.json"
