using Vae.Core.Config;
using Vae.Core.Training;
using Vae.Core.Evaluation;
using Vae.Data;
using Vae.Data.Acquisition;
using TorchSharp;
var arch = args.Length > 0 ? args[0] : "conv";
var tr = DatasetStore.Load("mnist", Split.Train, new DataOptions(DataDir: "/tmp/vaedata")).Dataset;
var te = DatasetStore.Load("mnist", Split.Test, new DataOptions(DataDir: "/tmp/vaedata")).Dataset;
Console.WriteLine($"threads {torch.get_num_threads()} interop {torch.get_num_interop_threads()}");
var mc = arch == "mlp" ? ModelConfig.PaperMlp(2) : new ModelConfig();
var model = Trainer.CreateModel(mc, 1, torch.CPU);
Console.WriteLine($"params {model.ParameterCount}");
var before = Evaluator.Evaluate(model, te.Images, 500);
Console.WriteLine($"untrained test {before}");
var sw = System.Diagnostics.Stopwatch.StartNew();
var h = Trainer.Fit(model, new TrainingConfig { Epochs = 1 }, new TrainingData(tr.Images, te.Images),
  new TrainingOptions(Progress: new Progress<TrainingProgress>(p => { if (p.Step % 100 == 0) Console.WriteLine($"step {p.Step}/{p.Steps} loss {p.MeanLoss:F2} {p.ExamplesPerSecond:F0} ex/s"); })));
Console.WriteLine($"{h.Epochs[0]} {sw.Elapsed.TotalSeconds:F1}s");
