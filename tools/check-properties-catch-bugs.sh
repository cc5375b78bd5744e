#!/usr/bin/env bash
# Checks that the property tests catch real bugs: applies one deliberate bug at a time to the
# library, runs tests/Properties, prints which properties failed, then restores the file with git.
# Run from anywhere: bash tools/check-properties-catch-bugs.sh (needs a clean working tree for the files it edits).
cd "$(dirname "$0")/.."
run() {
  local name="$1" file="$2" from="$3" to="$4"
  python3 - "$file" "$from" "$to" <<'PY'
import sys; p,a,b=sys.argv[1:]; s=open(p).read(); assert a in s, a; open(p,'w').write(s.replace(a,b,1))
PY
  out=$(dotnet test tests/Properties 2>&1)
  failed=$(echo "$out" | grep -E '\[FAIL\]' | sed -E 's/^.*\]\s+Vae\.Tests\.Properties\.//; s/ \[FAIL\]//' | sort -u | tr '\n' ';')
  summary=$(echo "$out" | grep -E "Passed!|Failed!" | sed -E 's/ - Vae.*//')
  echo "BREAK: $name => $summary"
  echo "  caught by: $failed"
  git checkout -q -- "$file"
}
run "drop the 1/2 in the KL" src/Vae.Core/Losses/VaeLoss.cs "var perDim = -0.5 * (1 + logVar" "var perDim = -1.0 * (1 + logVar"
run "sum the KL over the batch axis" src/Vae.Core/Losses/VaeLoss.cs "return scope.MoveToOuter(perDim.sum(1)); // [B]" "return scope.MoveToOuter(perDim.sum(0)); // [B]"
run "Bernoulli NLL averaged instead of summed over pixels" src/Vae.Core/Losses/VaeLoss.cs "var perPixel = nn.functional.binary_cross_entropy_with_logits(logits, target, reduction: nn.Reduction.None); // [B, ...]
        return scope.MoveToOuter(perPixel.flatten(1).sum(1));" "var perPixel = nn.functional.binary_cross_entropy_with_logits(logits, target, reduction: nn.Reduction.None); // [B, ...]
        return scope.MoveToOuter(perPixel.flatten(1).mean([1]));"
run "log-mean-exp without the log k" src/Vae.Core/Losses/VaeLoss.cs "torch.logsumexp(x, dim) - Math.Log(x.shape[dim])" "torch.logsumexp(x, dim)"
run "reparameterisation with sigma squared instead of sigma" src/Vae.Core/Models/VariationalAutoencoder.cs "mu + torch.exp(0.5 * logVar) * eps" "mu + torch.exp(logVar) * eps"
run "KL with the wrong sign of mu squared" src/Vae.Core/Losses/VaeLoss.cs "(1 + logVar - mu.square() - torch.exp(logVar))" "(1 + logVar + mu.square() - torch.exp(logVar))"
run "IDX reader skips the truncation check" src/Vae.Data/Formats/IdxFile.cs "            if (read < total)
                throw" "            if (read < 0)
                throw"
