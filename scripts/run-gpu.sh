#!/usr/bin/env bash
# The one command for the lent GPU machine (CUDA 13, driver 580, no Rust, no network).
#
# Here (the build machine), once:
#   scripts/build-cuda.sh                 # -> target-cuda/bea-cuda (stripped CUDA build)
#   scripts/run-gpu.sh --prepare          # -> gpu-carry/ (~48 MiB): bea-cuda.gz (14 MiB), gzipped Fashion-MNIST
#                                         #    (31 MiB; MNIST too with INCLUDE_MNIST=1 if it fits), fallback libs
# Then one device call (the tool `run`), from the repository root:
#   command: scripts/run-gpu.sh           carry: ["gpu-carry"]          timeout_s: 330  (stages at most 280 s + the library search; leaves a rerun inside 15 minutes)
# Results come back under $OUT: summary.json (devices, libraries, per-stage exit code and wall time),
# log.txt (everything printed), rates.json (steps/s of every run, from its last eval record), results.tar.gz
# (the sweeps' per-run JSONL files, reports and plots).
#
# The binary is dynamically linked (candle 0.11.1 builds cudarc with `dynamic-linking`) and needs
# libcuda.so.1 (the driver), libcudart.so.13, libcublas.so.13, libcublasLt.so.13, libcurand.so.10 and
# libnvrtc.so.13 (which loads libnvrtc-builtins.so.13.0 from its own folder). The machine has no system
# CUDA libraries, only those inside its Python installs (PyTorch's and JAX's nvidia/*/lib, nvidia/cu13/lib):
# this script finds them and puts their folders on LD_LIBRARY_PATH.
#
# Stages (STAGES, space-separated; default "igr-cuda igr-cpu egr-cuda"), each under `timeout -s INT`
# (the sweep stops cleanly on SIGINT and keeps the finished runs):
#   igr-cuda  bea experiment igr-mlp --device cuda   --seeds 0 (CI size: embedded digits, 15 runs, one seed)   T_IGR (100 s)
#   igr-cpu   the same on the CPU, the baseline on the same machine                        T_IGR_CPU (60 s)
#   egr-cuda  bea experiment egr-resnet --device cuda (small ResNet, 10k Fashion-MNIST, 4 runs) T_EGR (120 s)
#   egr-full  bea experiment egr-resnet --full --shard 0/4 (ResNet-18, batch 512, 20k steps; will not finish
#             in one call: shows the step rate only)                                       T_FULL (120 s)
set -uo pipefail
cd "$(dirname "$0")/.."
CARRY=gpu-carry

if [ "${1:-}" = "--prepare" ]; then
  set -e
  BIN=${BIN:-target-cuda/bea-cuda}
  DATA=${BEA_DATA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bea/data}
  [ -x "$BIN" ] || { echo "no $BIN: run scripts/build-cuda.sh first" >&2; exit 1; }
  rm -rf "$CARRY"; mkdir -p "$CARRY/data/fashion-mnist" "$CARRY/lib"
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
  # Fallbacks for the non-CUDA libraries the binary needs (plotters' ttf: fontconfig, freetype), used there only
  # if that machine lacks them.
  for l in libfontconfig.so.1 libfreetype.so.6 libpng16.so.16 libbrotlidec.so.1 libbrotlicommon.so.1 libexpat.so.1; do
    p=$(ldconfig -p | grep -m1 "$l " | sed 's/.*=> //'); [ -n "$p" ] && cp -L "$p" "$CARRY/lib/$l"
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
ALL=$(timeout 180 find / \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path "$W" \) -prune \
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
if ldd "$BIN" | grep -q 'not found'; then   # e.g. no fontconfig/freetype on that machine: the carried copies
  export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$PWD/$CARRY/lib"
fi
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
ldd "$BIN" | grep -E 'cuda|cublas|curand|nvrtc|fontconfig|freetype|not found'
"$BIN" --version 2>&1 | head -1

STAGES=${STAGES:-igr-cuda igr-cpu egr-cuda}
declare -A RC WALL
stage() { # name timeout args...
  local name=$1 t=$2; shift 2
  echo "== $name: bea $* (timeout ${t}s)"
  local s; s=$(date +%s.%N)
  timeout -k 15 -s INT "$t" "$BIN" "$@" --out "$W/res/$name" --format json > "$W/$name.json"
  RC[$name]=$?; WALL[$name]=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
  echo "== $name: rc=${RC[$name]} wall=${WALL[$name]} s"
  head -c 3000 "$W/$name.json"; echo
}
mkdir -p "$W/res"
for st in $STAGES; do
  case $st in
    igr-cuda) stage igr-cuda "${T_IGR:-100}" experiment igr-mlp --device cuda --seeds 0 ;;
    igr-cpu)  stage igr-cpu "${T_IGR_CPU:-60}" experiment igr-mlp --device cpu --seeds 0 ;;
    egr-cuda) stage egr-cuda "${T_EGR:-120}" experiment egr-resnet --device cuda --data-dir "$BEA_DATA_DIR" ;;
    egr-full) stage egr-full "${T_FULL:-120}" experiment egr-resnet --full --shard 0/4 --device cuda --data-dir "$BEA_DATA_DIR" ;;
    *) echo "unknown stage $st" ;;
  esac
done

cp "$W"/*.json "$W/res/" 2>/dev/null
tar -C "$W" -czf "$OUT/results.tar.gz" res
{
  echo "{"
  echo "  \"date\": \"$(date -u +%FT%TZ)\","
  echo "  \"gpu\": \"$(nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader 2>/dev/null | head -1)\","
  echo "  \"ld_library_path\": \"$LD_LIBRARY_PATH\","
  echo "  \"stages\": {"
  first=1
  for st in $STAGES; do
    [ -n "${RC[$st]:-}" ] || continue
    [ $first = 1 ] || echo ","; first=0
    printf '    "%s": {"rc": %s, "wall_s": %s, "finished_runs": %s}' "$st" "${RC[$st]}" "${WALL[$st]}" \
      "$(ls "$W/res/$st"/*.jsonl 2>/dev/null | wc -l)"
  done
  echo; echo "  }"; echo "}"
} > "$OUT/summary.json"
cat "$OUT/summary.json"
# Training rate per run (last eval record: step / wall_s), for the CPU-vs-CUDA comparison.
python3 - "$W/res" > "$OUT/rates.json" <<'PY' && cat "$OUT/rates.json"
import json, pathlib, sys
out = {}
for f in sorted(pathlib.Path(sys.argv[1]).glob("*/*.jsonl")):
    last = None
    for line in f.read_text().splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r.get("type") == "eval" and r.get("wall_s"):
            last = r
    if last:
        out[f"{f.parent.name}/{f.stem}"] = {"steps": last["step"], "wall_s": round(last["wall_s"], 3),
                                            "steps_per_s": round(last["step"] / last["wall_s"], 1)}
print(json.dumps(out, indent=1))
PY
