using TorchSharp;
using static TorchSharp.torch;

namespace Vae.Core.Checkpoints;

/// <summary>The hyperparameters of one optimizer parameter group that the training config sets.</summary>
internal sealed record OptimizerSettings(double LearningRate, double? Beta1, double? Beta2, double? Eps, double? WeightDecay)
{
    public static OptimizerSettings Of(optim.ILearningRateController group) => group switch
    {
        TorchSharp.Modules.Adam.ParamGroup { Options: var a } => new(group.LearningRate, a.beta1, a.beta2, a.eps, a.weight_decay),
        TorchSharp.Modules.Adagrad.ParamGroup { Options: var g } => new(group.LearningRate, null, null, g.eps, g.weight_decay),
        _ => new(group.LearningRate, null, null, null, null),
    };

    /// <summary>"name: this vs other" for each differing setting, joined by "; "; "" when equal.</summary>
    public string Differences(OptimizerSettings other)
    {
        var d = new List<string>();
        void Check(string name, double? mine, double? theirs)
        {
            if (mine != theirs) d.Add(FormattableString.Invariant($"{name} {theirs} in the file, {mine} in the config"));
        }
        Check("lr", LearningRate, other.LearningRate);
        Check("beta1", Beta1, other.Beta1);
        Check("beta2", Beta2, other.Beta2);
        Check("eps", Eps, other.Eps);
        Check("weight_decay", WeightDecay, other.WeightDecay);
        return string.Join("; ", d);
    }

    /// <summary>Writes these settings into <paramref name="group"/>.</summary>
    public void Apply(optim.ILearningRateController group)
    {
        group.LearningRate = LearningRate;
        switch (group)
        {
            case TorchSharp.Modules.Adam.ParamGroup { Options: var a }: (a.beta1, a.beta2, a.eps, a.weight_decay) = (Beta1, Beta2, Eps, WeightDecay); break;
            case TorchSharp.Modules.Adagrad.ParamGroup { Options: var g }: (g.eps, g.weight_decay) = (Eps, WeightDecay); break;
        }
    }
}
