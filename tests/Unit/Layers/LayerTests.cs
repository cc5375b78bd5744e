using Xunit;
using System.Reflection;
using System.Runtime.CompilerServices;
using NetArchTest.Rules;
using Vae.Core.Models;
using Vae.Data;

namespace Vae.Tests.Unit.Layers;

/// <summary>
/// The layers of docs/architecture.md, read from the compiled assemblies: Vae.Core ← Vae.Data ← (Vae.FSharp, the vae CLI),
/// no namespace cycle inside any of them, and no library that lends its internals to the CLI.
/// </summary>
public class LayerTests
{
    static readonly Assembly Core = typeof(VariationalAutoencoder).Assembly;
    static readonly Assembly Data = typeof(ImageDataset).Assembly;
    static readonly Assembly Cli = typeof(Vae.Experiments.Program).Assembly;
    static readonly Assembly FSharp = Assembly.Load("Vae.FSharp");

    public static TheoryData<string> Assemblies => new() { "Vae.Core", "Vae.Data", "vae", "Vae.FSharp" };

    static Assembly Named(string name) => name switch
    {
        "Vae.Core" => Core,
        "Vae.Data" => Data,
        "vae" => Cli,
        "Vae.FSharp" => FSharp,
        _ => throw new ArgumentException(name),
    };

    static string Failing(TestResult result) =>
        string.Join(", ", result.FailingTypeNames ?? []);

    [Fact]
    public void Vae_Core_uses_no_type_of_Vae_Data_the_FSharp_face_or_the_CLI()
    {
        var result = Types.InAssembly(Core).ShouldNot().HaveDependencyOnAny("Vae.Data", "Vae.FSharp", "Vae.Experiments").GetResult();
        Assert.True(result.IsSuccessful, $"Vae.Core types that reach up a layer: {Failing(result)}");
        // The compiled references say the same, independently of NetArchTest's walk.
        Assert.DoesNotContain(Core.GetReferencedAssemblies(), a => a.Name is "Vae.Data" or "Vae.FSharp" or "vae");
    }

    [Fact]
    public void Vae_Data_uses_no_type_of_the_FSharp_face_or_the_CLI()
    {
        var result = Types.InAssembly(Data).ShouldNot().HaveDependencyOnAny("Vae.FSharp", "Vae.Experiments").GetResult();
        Assert.True(result.IsSuccessful, $"Vae.Data types that reach up a layer: {Failing(result)}");
        Assert.DoesNotContain(Data.GetReferencedAssemblies(), a => a.Name is "Vae.FSharp" or "vae");
    }

    [Fact]
    public void The_FSharp_face_and_the_CLI_do_not_know_each_other()
    {
        Assert.DoesNotContain(FSharp.GetReferencedAssemblies(), a => a.Name == "vae");
        Assert.DoesNotContain(Cli.GetReferencedAssemblies(), a => a.Name == "Vae.FSharp");
    }

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void No_assembly_has_a_namespace_cycle(string assembly)
    {
        var cycle = NamespaceGraph.Of(Named(assembly)).FindCycle();
        Assert.True(cycle is null, $"{assembly} has a namespace cycle:\n  {string.Join("\n  ", cycle ?? [])}");
    }

    [Theory]
    [InlineData("Vae.Core")]
    [InlineData("Vae.Data")]
    [InlineData("Vae.FSharp")]
    public void A_library_lends_its_internals_to_test_assemblies_only(string assembly)
    {
        var friends = Named(assembly).GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName).ToList();
        Assert.All(friends, f => Assert.EndsWith(".Tests", f));
    }

    [Fact]
    public void The_namespace_graph_sees_a_use_inside_a_method_body()
    {
        // An independent check of the walk on a known edge: Vae.Core.Training.Trainer calls into Vae.Core.Checkpoints
        // (it saves a checkpoint after each epoch), and Vae.Core.Models uses Vae.Core.Config (the model is built from ModelConfig).
        var edges = NamespaceGraph.Of(Core).Edges;
        Assert.Contains("Vae.Core.Checkpoints", edges["Vae.Core.Training"].Keys);
        Assert.Contains("Vae.Core.Config", edges["Vae.Core.Models"].Keys);
        Assert.False(edges.TryGetValue("Vae.Core.Config", out var config) && config.ContainsKey("Vae.Core.Training"));
    }
}
