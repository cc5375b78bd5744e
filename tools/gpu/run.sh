#!/usr/bin/env bash
# Runs the vae CLI from the bundle (.gpu/, made by tools/gpu/bundle.sh) on a machine without .NET.
#
#   bash tools/gpu/run.sh doctor --device cuda
#   bash tools/gpu/run.sh train mnist --latent 2 --epochs 1 --device cuda --out /tmp/run
#
# On the GPU machine (CUDA, CMake, ninja, PyTorch with its libtorch): builds libLibTorchSharp.so from .gpu/native
# against PyTorch's libtorch, unless .gpu/libLibTorchSharp.so was carried from an earlier call (a fresh build is
# copied to $OUT, when set, so that it can be kept in .gpu/ and carried next time), puts torch's lib/ on
# LD_LIBRARY_PATH and runs the bundled CLI with the arguments given.
#
# With a prebuilt library, nothing is built and PyTorch is not needed (this is how bundle.sh checks the bundle
# on the CPU machine):
#   VAE_LIBTORCHSHARP=path/to/libLibTorchSharp.so   the library to use
#   VAE_LIBTORCH_DIR=path/to/libtorch/lib           the libtorch it was built against (libtorch_cpu.so, ...)
#
# Patches in tools/gpu/patches/*.patch (none today) are applied to the sources before building; the only
# change made without a patch file is dropping -Werror, since newer libtorch headers warn where 2.10's did not.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
app=${VAE_APP_DIR:-/tmp/vae-app}
[ -f .gpu/app.tar.xz ] || { echo "run: .gpu/app.tar.xz missing; run tools/gpu/bundle.sh on the build machine and carry .gpu" >&2; exit 1; }
# The tarball holds vae/ (the self-contained app, its executable vae/vae); unpack once per bundle.
stamp=$(stat -c %Y-%s .gpu/app.tar.xz)
if [ ! -x "$app/vae/vae" ] || [ "$(cat "$app/.bundle" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$app"; mkdir -p "$app"; tar -C "$app" -xJf .gpu/app.tar.xz; echo "$stamp" > "$app/.bundle"
fi
exe="$app/vae/vae"
[ -x "$exe" ] || { echo "run: $exe missing after unpacking .gpu/app.tar.xz; rebuild the bundle" >&2; exit 1; }

if [ -n "${VAE_LIBTORCHSHARP:-}" ]; then
  lib=$VAE_LIBTORCHSHARP
  torch_lib=${VAE_LIBTORCH_DIR:?run: VAE_LIBTORCHSHARP needs VAE_LIBTORCH_DIR, the folder of the libtorch it was built against}
  [ -f "$lib" ] || { echo "run: VAE_LIBTORCHSHARP=$lib does not exist" >&2; exit 1; }
  [ -f "$torch_lib/libtorch_cpu.so" ] || { echo "run: VAE_LIBTORCH_DIR=$torch_lib holds no libtorch_cpu.so" >&2; exit 1; }
else
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
    mkdir -p .gpu; cp "$lib" .gpu/libLibTorchSharp.so   # reused by the next run.sh in this machine's life
    if [ -n "${OUT:-}" ]; then cp "$lib" "$OUT/libLibTorchSharp.so"; fi
  fi
fi
cp "$lib" "$app/vae/libLibTorchSharp.so"
export VAE_DATA_DIR="${VAE_DATA_DIR:-$root/.gpu/data}"
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# libtorch_cuda registers CUDA when it is loaded; if the linker dropped it (--as-needed), load it first.
if [ -f "$torch_lib/libtorch_cuda.so" ] && ! ldd "$app/vae/libLibTorchSharp.so" | grep -q libtorch_cuda; then
  export LD_PRELOAD="$torch_lib/libtorch_cuda.so${LD_PRELOAD:+:$LD_PRELOAD}"
fi
exec "$exe" "$@"
