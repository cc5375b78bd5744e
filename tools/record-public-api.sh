#!/usr/bin/env bash
# Records new public API of the C# libraries in their PublicAPI.Unshipped.txt (what the RS0016 errors of
# Microsoft.CodeAnalysis.PublicApiAnalyzers name), sorted; review the diff like any other change. Removed API
# (RS0017) is not removed automatically: delete its line by hand.
# Usage: bash tools/record-public-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for lib in Vae.Core Vae.Data; do
  file=src/$lib/PublicAPI.Unshipped.txt
  new=$(dotnet build "src/$lib" -c Debug --no-incremental 2>&1 | grep "RS0016" | grep "src/$lib/$lib.csproj" \
        | sed -E "s/.*Symbol '(.*)' is not part of the declared public API.*/\1/" | sort -u || true)
  [ -z "$new" ] && { echo "$lib: nothing new"; continue; }
  { head -1 "$file"; { tail -n +2 "$file"; echo "$new"; } | LC_ALL=C sort -u; } > "$file.tmp" && mv "$file.tmp" "$file"
  echo "$lib: recorded $(echo "$new" | wc -l) symbol(s) in $file"
done
