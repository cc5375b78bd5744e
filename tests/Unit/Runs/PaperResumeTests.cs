using TorchSharp;
using Vae.Data;
using Vae.Experiments.Runs;
using Vae.Tests.Unit.Core;
using Xunit;

namespace Vae.Tests.Unit.Runs;

/// <summary>
/// A paper run stopped after an epoch resumes from its checkpoint and progress file and ends with the curve and
/// numbers of the run that was never stopped (expected: that uninterrupted run, computed here on the same data).
/// </summary>
[Collection("console")]
public sealed class PaperResumeTests
{
    [Fact]
    public void A_paper_run_stopped_after_its_first_epoch_resumes_to_the_uninterrupted_result()
    {
        using var dir = new TempDir();
        using var images = Synthetic.Images(256, 9);
        using var labels = torch.zeros(256, dtype: torch.int64);
        using var train = new ImageDataset(images, labels, new DatasetInfo("mnist", Split.Train, 256, 1, 28, 28, ["x"]));
        using var test = Synthetic.Images(64, 10);
        var family = PaperExperiment.Models.Single(m => m.Name == "conv");
        var points = PaperExperiment.LogPoints(64, 768, 4);
        var log = new List<string>();
        PaperRunMetrics Run(string runDir, Action<int>? stop = null) =>
            PaperExperiment.RunOne("conv-z3", family, 3, 768, 256, points, train, test, test, torch.CPU, true, log.Add, default,
                runDir: runDir, afterEpochSaved: stop);

        var straight = Run(dir.File("a"));

        Assert.Throws<OperationCanceledException>(() => Run(dir.File("b"), epoch => { if (epoch == 1) throw new OperationCanceledException(); }));
        var resumed = Run(dir.File("b"));

        Assert.Contains(log, l => l.Contains("resuming from epoch 1"));
        Assert.Equal(straight.Curve, resumed.Curve);       // records compare by value: every point, bit for bit
        Assert.Equal(straight.FinalTestLowerBound, resumed.FinalTestLowerBound);
        Assert.Equal(4, resumed.Curve.Count);
    }
}
