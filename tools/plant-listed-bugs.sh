#!/usr/bin/env bash
# The bugs the tests issue listed as surviving, planted one at a time into the library; each is followed by the tests
# that must now fail, then reverted with git. Needs a clean working tree for the files it edits.
# Usage: bash tools/plant-listed-bugs.sh   (about 5 minutes on 2 cores)
cd "$(dirname "$0")/.."
source tools/plant-bug.sh
U=tests/Unit; P=tests/Properties
plant "evaluator: unweighted mean of per-batch means" src/Vae.Core/Evaluation/Evaluator.cs "total += terms.Total.sum().item<float>();" "total += terms.Total.mean().item<float>() * batchSize;" $U "FullyQualifiedName~EvaluationBehaviourTests"
plant "evaluator: first batch only" src/Vae.Core/Evaluation/Evaluator.cs "        long n = images.shape[0];
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var x = images.narrow(0, start, Math.Min(batchSize, n - start)); // [B, C, H, W]
            var terms" "        long n = Math.Min(images.shape[0], batchSize);
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var x = images.narrow(0, start, Math.Min(batchSize, n - start)); // [B, C, H, W]
            var terms" $U "FullyQualifiedName~EvaluationBehaviourTests"
plant "VaeLoss.ImportanceWeightedBound = mean log-weight" src/Vae.Core/Losses/VaeLoss.cs "public static Tensor ImportanceWeightedBound(Tensor logWeights) => LogMeanExp(logWeights, 0);" "public static Tensor ImportanceWeightedBound(Tensor logWeights) => logWeights.mean([0]);" $P "FullyQualifiedName~ElboProperties"
plant "evaluator IW = mean log-weight" src/Vae.Core/Evaluation/Evaluator.cs "var lse = torch.logsumexp(logW, 0);" "var lse = logW.mean([0]) + Math.Log(k);" $U "FullyQualifiedName~ExactLikelihoodTests|FullyQualifiedName~EvaluationBehaviourTests"
plant "trainer: the same permutation every epoch" src/Vae.Core/Training/Trainer.cs "BatchIterator.Indices(n, batchOptions, generator)" "BatchIterator.Indices(n, batchOptions, new Generator((ulong)config.Seed))" $U "FullyQualifiedName~TrainerObservationTests"
plant "trainer: the schedule advances twice per step" src/Vae.Core/Training/Trainer.cs "SetLearningRate(optimizer, LearningRateAt(config, globalStep, totalSteps));" "SetLearningRate(optimizer, LearningRateAt(config, 2 * globalStep, totalSteps));" $U "FullyQualifiedName~TrainerObservationTests"
plant "evaluator: log-weights without log p(z)" src/Vae.Core/Evaluation/Evaluator.cs "var logW = logPx + VaeLoss.LogStandardNormal(z) - VaeLoss.LogNormalDiagonal" "var logW = logPx - VaeLoss.LogNormalDiagonal" $U "FullyQualifiedName~ExactLikelihoodTests|FullyQualifiedName~EvaluationBehaviourTests"
