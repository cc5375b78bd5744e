#!/usr/bin/env bash
# Checks that the property tests catch real bugs: applies one deliberate bug at a time to the
# library, runs tests/Properties, prints which properties failed, then restores the file with git (tools/plant-bug.sh).
# Run from anywhere: bash tools/check-properties-catch-bugs.sh (needs a clean working tree for the files it edits).
cd "$(dirname "$0")/.."
source tools/plant-bug.sh
plant "drop the 1/2 in the KL" src/Vae.Core/Losses/VaeLoss.cs "var perDim = -0.5 * (1 + logVar" "var perDim = -1.0 * (1 + logVar" tests/Properties
plant "sum the KL over the batch axis" src/Vae.Core/Losses/VaeLoss.cs "return scope.MoveToOuter(perDim.sum(1)); // [B]" "return scope.MoveToOuter(perDim.sum(0)); // [B]" tests/Properties
plant "Bernoulli NLL averaged instead of summed over pixels" src/Vae.Core/Losses/VaeLoss.cs "var perPixel = nn.functional.binary_cross_entropy_with_logits(logits, target, reduction: nn.Reduction.None); // [B, ...]
        return scope.MoveToOuter(perPixel.flatten(1).sum(1));" "var perPixel = nn.functional.binary_cross_entropy_with_logits(logits, target, reduction: nn.Reduction.None); // [B, ...]
        return scope.MoveToOuter(perPixel.flatten(1).mean([1]));" tests/Properties
plant "log-mean-exp without the log k" src/Vae.Core/Losses/VaeLoss.cs "torch.logsumexp(x, dim) - Math.Log(x.shape[dim])" "torch.logsumexp(x, dim)" tests/Properties
plant "reparameterisation with sigma squared instead of sigma" src/Vae.Core/Models/VariationalAutoencoder.cs "mu + torch.exp(0.5 * logVar) * eps" "mu + torch.exp(logVar) * eps" tests/Properties
plant "KL with the wrong sign of mu squared" src/Vae.Core/Losses/VaeLoss.cs "(1 + logVar - mu.square() - torch.exp(logVar))" "(1 + logVar + mu.square() - torch.exp(logVar))" tests/Properties
plant "IDX reader skips the truncation check" src/Vae.Data/Formats/IdxFile.cs "            if (read < total)
                throw" "            if (read < 0)
                throw" tests/Properties
