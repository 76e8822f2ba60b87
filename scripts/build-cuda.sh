#!/usr/bin/env bash
# Build a CUDA-enabled `bea` binary on a machine with no GPU and no CUDA toolkit installed.
#
#   scripts/build-cuda.sh            # -> target-cuda/release/bea (+ a stripped copy, see below)
#
# What it does (idempotent; every step is skipped when its result is already there):
#  1. Downloads CUDA 13.0 from PyPI wheels (pip download, no install) into $BEA_CUDA_CACHE
#     (default ~/.cache/bea-cuda) and unzips them: nvcc/ptxas/nvvm (nvidia-cuda-nvcc, nvidia-nvvm,
#     nvidia-cuda-crt), headers + libcudart (nvidia-cuda-runtime), CCCL headers (nvidia-cuda-cccl),
#     and the libraries the binary links against: libcublas/libcublasLt, libcurand, libnvrtc.
#     13.0 on purpose: the GPU machine has driver 580 (CUDA 13.0). candle's kernels are PTX that the
#     driver JIT-compiles at load, and a driver cannot load PTX from a newer nvcc (13.0 -> PTX ISA 9.0).
#  2. Makes the unversioned link names (libcublas.so -> libcublas.so.13, ...) and a stub libcuda.so
#     (soname libcuda.so.1; every cu* function of cudarc's driver bindings, each returning 34 =
#     CUDA_ERROR_STUB_LIBRARY, as NVIDIA's own stub does). No wheel ships libcuda (it comes with the
#     driver), and candle 0.11.1 builds cudarc with `dynamic-linking`, so the link needs -lcuda.
#     The stub is for linking only; at run time the driver's real libcuda.so.1 is used.
#  3. cargo build --release --features cuda --bin bea into target-cuda/ (the normal target/ is untouched),
#     for compute capability 90 (H100/H200), then strips a copy to target-cuda/bea-cuda (carried to
#     the GPU machine by scripts/run-gpu.sh's instructions).
#
# Env: CUDA_COMPUTE_CAP (default 90), BEA_CUDA_CACHE, CUDAFORGE_THREADS (nvcc jobs, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${BEA_CUDA_CACHE:-$HOME/.cache/bea-cuda}"
ROOT="$CACHE/root"
CUDA="$ROOT/nvidia/cu13"
export CUDA_COMPUTE_CAP="${CUDA_COMPUTE_CAP:-90}"
export CUDAFORGE_THREADS="${CUDAFORGE_THREADS:-2}"

# 1. the toolkit, from PyPI wheels (pinned).
WHEELS=(
  nvidia-cuda-nvcc==13.0.88 nvidia-nvvm==13.0.88 nvidia-cuda-crt==13.0.88
  nvidia-cuda-runtime==13.0.88 nvidia-cuda-nvrtc==13.0.88 nvidia-cuda-cccl==13.0.85
  nvidia-cublas==13.0.2.14 nvidia-curand==10.4.0.35
)
if [ ! -x "$CUDA/bin/nvcc" ] || [ ! -e "$CUDA/lib/libcublas.so.13" ] || [ ! -e "$CUDA/nvvm/bin/cicc" ]; then
  mkdir -p "$CACHE/wheels" "$ROOT"
  nice -n 19 python3 -m pip download -q --no-deps --only-binary=:all: \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d "$CACHE/wheels" "${WHEELS[@]}"
  for w in "$CACHE"/wheels/*.whl; do (cd "$ROOT" && nice -n 19 unzip -qo "$w" 'nvidia/*'); done
fi
"$CUDA/bin/nvcc" --version | tail -2

# 2. link names and the libcuda stub.
for l in libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libnvrtc.so.13; do
  ln -sfn "$l" "$CUDA/lib/${l%.so.*}.so"
done
if [ ! -e "$CUDA/lib/stubs/libcuda.so" ]; then
  mkdir -p "$CUDA/lib/stubs"
  SYS=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cudarc-0.19.10/src/driver/sys/mod.rs | head -1)
  if [ ! -f "$SYS" ]; then cargo fetch --locked >/dev/null; SYS=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cudarc-0.19.10/src/driver/sys/mod.rs | head -1); fi
  grep -oE 'pub unsafe fn cu[A-Za-z0-9_]+' "$SYS" | awk '{print $4}' | sort -u |
    awk '{print "int " $1 "(void) { return 34; }"}' > "$CUDA/lib/stubs/libcuda_stub.c"
  gcc -shared -fPIC -O0 -Wl,-soname,libcuda.so.1 -o "$CUDA/lib/stubs/libcuda.so" "$CUDA/lib/stubs/libcuda_stub.c"
fi
# For running the binary here (no driver): LD_LIBRARY_PATH=$CUDA/lib/stubs:$CUDA/lib target-cuda/release/bea ...
# (CPU paths work; --device cuda reports CUDA_ERROR_STUB_LIBRARY). Without any libcuda.so.1 the loader refuses to start it.
ln -sfn libcuda.so "$CUDA/lib/stubs/libcuda.so.1"

# 3. the build.
export PATH="$CUDA/bin:$PATH" CUDA_HOME="$CUDA" CUDARC_CUDA_VERSION=13000
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target-cuda}"
start=$(date +%s)
nice -n 19 cargo build --locked --release --features cuda --bin bea
echo "build: $(( $(date +%s) - start )) s"
BIN="$CARGO_TARGET_DIR/release/bea"
strip -o "$CARGO_TARGET_DIR/bea-cuda" "$BIN"
ls -l "$BIN" "$CARGO_TARGET_DIR/bea-cuda"
echo "needs (resolved on the GPU machine by scripts/run-gpu.sh):"
readelf -d "$BIN" | grep NEEDED
echo "binary: $BIN  stripped: $CARGO_TARGET_DIR/bea-cuda"
echo "run here (CPU paths; no driver): LD_LIBRARY_PATH=$CUDA/lib/stubs:$CUDA/lib $BIN --version"
