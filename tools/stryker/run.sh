#!/usr/bin/env bash
# Mutation testing of the library folders that produce published numbers (docs/testing.md), with the C# unit tests.
# Stryker.NET 5.1.0 (pinned in .config/dotnet-tools.json). Slow (an hour or more on 2 cores): it stays out of CI.
# Usage: bash tools/stryker/run.sh [core|data ...]   (default: both). Reports: scratch/stryker/<name>/reports/.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet tool restore >/dev/null
targets=("$@"); [ ${#targets[@]} -eq 0 ] && targets=(core data)
for t in "${targets[@]}"; do
  case $t in core) project=src/Vae.Core ;; data) project=src/Vae.Data ;; *) echo "unknown target $t (core or data)" >&2; exit 2 ;; esac
  out=$PWD/scratch/stryker/$t
  mkdir -p "$out"
  (cd "$project" && dotnet stryker --config-file "../../tools/stryker/stryker-$t.json" --output "$out") 2>&1 | tee "$out/log"
done
