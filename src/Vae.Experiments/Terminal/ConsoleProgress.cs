using System.Diagnostics;
using Spectre.Console;
using Vae.Core.Training;
using Vae.Core.Metrics;

namespace Vae.Experiments.Terminal;

/// <summary>
/// Shows training progress on stderr (stdout carries results only): a Spectre.Console bar (loss, examples/s, ETA) on a
/// terminal, plain lines (every ~10% of an epoch, plus one per epoch with an ETA) when stderr is redirected.
/// </summary>
internal sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    readonly string label;
    readonly Stopwatch watch = Stopwatch.StartNew();
    ProgressTask? task;
    IAnsiConsole? console;
    int lastPrinted = -1;
    double? firstFraction; // progress at this process's first step: a resumed run's ETA counts only steps done here
    double firstSeconds;

    ConsoleProgress(string label) => this.label = label;

    /// <summary>Whether the console is a terminal (else plain lines).</summary>
    public static bool Interactive => !Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="work"/> with a progress display labelled <paramref name="label"/>.</summary>
    public static T Run<T>(string label, Func<ConsoleProgress, T> work)
    {
        var progress = new ConsoleProgress(label);
        if (!Interactive) return work(progress);
        T result = default!;
        progress.console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        progress.console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                progress.task = ctx.AddTask(Markup.Escape(label), maxValue: 1.0);
                result = work(progress);
                progress.task.Value = progress.task.MaxValue;
            });
        return result;
    }

    /// <inheritdoc />
    public void Report(TrainingProgress p)
    {
        double fraction = ((p.Epoch - 1) + (double)p.Step / p.Steps) / p.Epochs;
        if (firstFraction is null)
        {
            firstFraction = fraction;
            firstSeconds = watch.Elapsed.TotalSeconds;
            if (p.Epoch > 1) Console.Error.WriteLine($"{label}: resuming from the checkpoint of epoch {p.Epoch - 1}; training epochs {p.Epoch} to {p.Epochs}");
        }
        if (task is not null)
        {
            task.Value = fraction;
            task.Description = Markup.Escape($"{label} epoch {p.Epoch}/{p.Epochs} loss {p.MeanLoss:F2} {p.ExamplesPerSecond:F0} ex/s");
            return;
        }
        int tenth = (int)(10.0 * p.Step / p.Steps);
        if (tenth == lastPrinted && p.Step != p.Steps) return;
        lastPrinted = p.Step == p.Steps ? -1 : tenth;
        string eta = Eta(fraction, watch.Elapsed.TotalSeconds);
        Console.Error.WriteLine($"{label} epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.Steps} loss {p.MeanLoss:F2} {p.ExamplesPerSecond:F0} ex/s, ETA {eta}");
    }

    /// <summary>Time left at <paramref name="fraction"/> of the run: the rate of the steps done in this process, applied to what remains.</summary>
    string Eta(double fraction, double seconds)
    {
        double done = fraction - firstFraction!.Value, elapsed = seconds - firstSeconds;
        return done > 0 && elapsed > 0 ? FormatSeconds(elapsed / done * (1 - fraction)) : "?";
    }

    /// <summary>Prints an epoch summary (plain mode; the bar shows it otherwise).</summary>
    public void Epoch(EpochMetrics m, int epochs)
    {
        string test = m.Test is null ? "" : $" test {m.Test.Total:F2} (rec {m.Test.Reconstruction:F2}, KL {m.Test.Kl:F2})";
        if (m.TestTrainingWeights is { } raw) test += $", training weights {raw.Total:F2}"; // m.Test is the weight average's
        string line = $"{label} epoch {m.Epoch}/{epochs}: train {m.Train.Total:F2}{test}, {m.Seconds:F1} s, {m.ExamplesPerSecond:F0} ex/s";
        if (task is null || console is null) Console.Error.WriteLine(line);
        else console.MarkupLine(Markup.Escape(line));
    }

    /// <summary>Formats seconds as 1h02m, 3m05s or 12s.</summary>
    public static string FormatSeconds(double s) =>
        s >= 3600 ? $"{(int)(s / 3600)}h{(int)(s % 3600 / 60):00}m" : s >= 60 ? $"{(int)(s / 60)}m{(int)(s % 60):00}s" : $"{s:0}s";
}
