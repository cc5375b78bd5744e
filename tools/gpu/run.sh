#!/usr/bin/env bash
# Runs the vae CLI on the GPU machine (there: CUDA, CMake, ninja, PyTorch with its libtorch; no .NET).
#
#   bash tools/gpu/run.sh bench --device cuda --json
#   bash tools/gpu/run.sh train mnist --latent 2 --epochs 1 --device cuda --out /tmp/run
#
# Needs .gpu/ from tools/gpu/bundle.sh, carried in the device call. Steps:
#   1. unpack the self-contained CLI (.gpu/app.tar.xz) into /tmp/vae-app;
#   2. build libLibTorchSharp.so from .gpu/native against PyTorch's libtorch with CMake and ninja, unless
#      .gpu/libLibTorchSharp.so was carried from an earlier call (a fresh build is copied to $OUT, when set,
#      so that it can be kept in .gpu/ and carried next time);
#   3. put it beside the CLI, put torch's lib/ on LD_LIBRARY_PATH, and run the CLI with the arguments given.
# Patches in tools/gpu/patches/*.patch (none today) are applied to the sources before building; the only
# change made without a patch file is dropping -Werror, since newer libtorch headers warn where 2.10's did not.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
app=/tmp/vae-app
[ -f .gpu/app.tar.xz ] || { echo "run: .gpu/app.tar.xz missing; run tools/gpu/bundle.sh here and carry .gpu" >&2; exit 1; }
rm -rf "$app"; mkdir -p "$app"; tar -C "$app" -xJf .gpu/app.tar.xz

torch_prefix=$(python3 -c "import torch; print(torch.utils.cmake_prefix_path)")
torch_lib=$(python3 -c "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))")
echo "run: PyTorch $(python3 -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)'), libtorch in $torch_lib" >&2

lib=.gpu/libLibTorchSharp.so
if [ ! -f "$lib" ]; then
  src=/tmp/lts-src build=/tmp/lts-build
  rm -rf "$src" "$build"; cp -r .gpu/native "$src"; chmod -R u+w "$src"
  for p in tools/gpu/patches/*.patch; do [ -f "$p" ] && (cd "$src" && patch -p1 < "$root/$p"); done
  sed -i 's/add_definitions(-Werror)/# -Werror dropped by tools\/gpu\/run.sh/' "$src/src/Native/CMakeLists.txt"
  mkdir -p "$build"
  echo 'static char sccsid[] __attribute__((used)) = "@(#)LibTorchSharp 0.107.0 built by tools/gpu/run.sh";' > "$build/version.c"
  echo "run: building libLibTorchSharp.so against $torch_prefix" >&2
  start=$(date +%s)
  cmake -S "$src/src/Native" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$torch_prefix" -DLIBTORCH_PATH="$torch_prefix" -DVERSION_FILE_PATH="$build/version.c" >&2
  cmake --build "$build" -j "$(nproc)" >&2
  lib=$(find "$build" -name libLibTorchSharp.so | head -1)
  echo "run: built $lib in $(( $(date +%s) - start )) s" >&2
  if [ -n "${OUT:-}" ]; then cp "$lib" "$OUT/libLibTorchSharp.so"; fi
fi
cp "$lib" "$app/libLibTorchSharp.so"
export VAE_DATA_DIR="$root/.gpu/data"
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# libtorch_cuda registers CUDA when it is loaded; if the linker dropped it (--as-needed), load it first.
if ! ldd "$app/libLibTorchSharp.so" | grep -q libtorch_cuda; then export LD_PRELOAD="$torch_lib/libtorch_cuda.so"; fi
exec "$app/vae" "$@"
