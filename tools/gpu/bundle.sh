#!/usr/bin/env bash
# Builds what the GPU machine needs to run the vae CLI, in .gpu/ (ignored by git), and checks that it travels.
#
#   .gpu/app.tar.xz      the CLI, published self-contained for linux-x64 (the .NET runtime inside, its
#                        framework assemblies trimmed to what the app uses: TrimMode=partial trims only the
#                        framework, never our code or TorchSharp), with no libtorch (TorchBackend=none)
#   .gpu/native/         TorchSharp 0.107.0's native sources (from ../shared/vendor), to build
#                        libLibTorchSharp.so there against PyTorch's libtorch (tools/gpu/run.sh)
#   .gpu/data/mnist/     MNIST, gzipped (about 11 MB): nothing can be fetched there; run.sh points
#                        VAE_DATA_DIR at .gpu/data, and every file is still checked against its SHA-256
#
# The GPU machine has no .NET and the device tool carries at most 64 MiB per call (tracked files plus
# carried paths), so this refuses when tracked files plus the bundle exceed 60 MiB.
# A framework-dependent publish plus the runtime as .tar.xz was the first plan; it came to about 34 MB
# (app 6.9 MB + runtime 26.5 MB, xz -6) against 15 MB for the trimmed self-contained app (17.7 MB once vae explore
# brought ASP.NET Core; about 16 MB after dropping the debugger and alternative-GC libraries, xz -9e).
#
# Usage: bash tools/gpu/bundle.sh          then carry .gpu in the device call (see tools/gpu/run.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.gpu
vendor=../shared/vendor/torchsharp-native-0.107.0
limit=$((60 * 1024 * 1024))

[ -d "$vendor/src/Native" ] || { echo "bundle: $vendor/src/Native not found; the vendored TorchSharp sources must sit beside the checkout" >&2; exit 1; }
rm -rf "$out/publish" "$out/native" "$out/app.tar.xz"
mkdir -p "$out"

echo "bundle: publishing the CLI (self-contained linux-x64, trimmed framework, no libtorch)" >&2
dotnet publish src/Vae.Experiments -c Release -r linux-x64 --self-contained true -nologo -v q \
  -p:TorchBackend=none -p:PublishTrimmed=true -p:TrimMode=partial \
  -p:SuppressTrimAnalysisWarnings=true -p:TreatWarningsAsErrors=false \
  -p:JsonSerializerIsReflectionEnabledByDefault=true \
  -p:VaeLibStdCxxCompat=false -o "$out/publish/vae" >&2
# The CPU-built libLibTorchSharp.so from the TorchSharp package is replaced there by one built against
# PyTorch's libtorch; leave it out so the two can never be confused.
rm -f "$out/publish/vae/libLibTorchSharp.so"
# What the runtime loads only for a debugger (libmscordaccore, libmscordbi), a crash dump (createdump) or a GC chosen
# with DOTNET_GCName (libclrgc, libclrgcexp): about 6 MB that a run never touches. vae explore's ASP.NET Core server
# (about 3.6 MiB compressed) stays in the bundle.
rm -f "$out/publish/vae/"{libmscordaccore.so,libmscordbi.so,createdump,libclrgc.so,libclrgcexp.so}
XZ_OPT=-9e tar -C "$out/publish" -cJf "$out/app.tar.xz" vae
rm -rf "$out/publish"

echo "bundle: MNIST for the GPU machine (found or fetched here, then gzipped)" >&2
rm -rf "$out/data"; mkdir -p "$out/data/mnist"
data=$(dotnet run -c Release --project src/Vae.Experiments -- data info mnist 2>&1 | awk '/sha256/ {print $1}')
[ -n "$data" ] || { echo "bundle: could not find MNIST (vae data info mnist found no files)" >&2; exit 1; }
for f in $data; do
  name=$(basename "$f" .gz)
  case "$f" in *.gz) cp "$f" "$out/data/mnist/$name.gz" ;; *) gzip -9 -c "$f" > "$out/data/mnist/$name.gz" ;; esac
done

cp -r "$vendor" "$out/native"
find "$out/native" -type d -exec chmod u+w {} +; find "$out/native" -type f -exec chmod u+w {} +

tracked=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
bundle=$(du -cb "$out/app.tar.xz" "$out/native" "$out/data" | tail -1 | cut -f1)
total=$((tracked + bundle))
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "bundle: app $(mib "$(stat -c %s "$out/app.tar.xz")"), native sources $(mib "$(du -sb "$out/native" | cut -f1)"), data $(mib "$(du -sb "$out/data" | cut -f1)"); tracked files $(mib "$tracked"); total that travels $(mib "$total") (limit $(mib "$limit"))"
if [ "$total" -gt "$limit" ]; then
  echo "bundle: $(mib "$total") would travel, over the $(mib "$limit") limit; slim the tracked files (results/) first" >&2
  exit 1
fi

# Check the bundle here, on the CPU, through run.sh itself (the script the GPU machine runs): the bundled app and
# data with this machine's CPU natives (the libLibTorchSharp.so that the Release build patched, and libtorch-cpu from
# the NuGet cache) as the prebuilt library. `doctor` must pass and `evaluate` must print what the normal build prints.
# Only the CUDA build and CUDA itself are left for the GPU machine.
export VAE_LIBTORCHSHARP="$PWD/src/Vae.Experiments/bin/Release/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so"
export VAE_LIBTORCH_DIR=$(dirname "$(find "${NUGET_PACKAGES:-$HOME/.nuget/packages}/libtorch-cpu-linux-x64" -name libtorch_cpu.so | head -1)")
export VAE_APP_DIR=$(mktemp -d)
trap 'rm -rf "$VAE_APP_DIR"' EXIT
[ -f "$VAE_LIBTORCHSHARP" ] || { echo "bundle: $VAE_LIBTORCHSHARP missing; build the CLI first (dotnet build -c Release)" >&2; exit 1; }
echo "bundle: check here: run.sh doctor --device cpu" >&2
doctor=$(bash tools/gpu/run.sh doctor --device cpu 2>&1) || { echo "$doctor" >&2; echo "bundle: run.sh doctor failed on the bundle" >&2; exit 1; }
echo "$doctor" | tail -1
checkpoint=$(git ls-files 'results/*/checkpoint/trainer.json' | xargs grep -l '"dataset": "mnist"' | head -1 | xargs dirname)
echo "bundle: check here: run.sh evaluate and the normal build evaluate $checkpoint on 500 test images; the two must agree" >&2
bundled=$(bash tools/gpu/run.sh evaluate --checkpoint "$checkpoint" --limit 500 --device cpu 2>/dev/null | grep 'total' || true)
normal=$(VAE_DATA_DIR="$PWD/$out/data" dotnet run -c Release --project src/Vae.Experiments --no-build -- evaluate --checkpoint "$checkpoint" --limit 500 --device cpu 2>/dev/null | grep 'total')
echo "bundled: $bundled"
echo "normal:  $normal"
[ -n "$bundled" ] && [ "$bundled" = "$normal" ] || { echo "bundle: the bundled app's evaluation differs from the normal build's (or failed)" >&2; exit 1; }
echo "bundle: ready in $out/ (carry .gpu; on the GPU machine: bash tools/gpu/check.sh, or bash tools/gpu/run.sh ARGS)"
