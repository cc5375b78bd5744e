using Vae.Core.Config;
using Vae.Experiments.Runs;
using Xunit;

namespace Vae.Tests.Unit.Runs;

/// <summary>The experiment table in Entries.cs: what the README and `reproduce --help` promise about it.</summary>
public sealed class EntriesTests
{
    static Entry Get(string name) => Entries.All.Single(e => e.Name == name);

    [Fact]
    public void Every_entry_has_a_unique_name_and_valid_configs()
    {
        Assert.Equal(Entries.All.Count, Entries.All.Select(e => e.Name).Distinct().Count());
        foreach (var e in Entries.All)
        {
            ConfigValidator.Validate(e.Model);
            ConfigValidator.Validate(e.Training);
            Assert.InRange(e.Seeds, 1, 10);
        }
    }

    [Fact]
    public void Group_all_holds_every_entry_whose_data_can_be_had_here_and_no_other()
    {
        var expected = Entries.All.Where(e => e.Training.Dataset is "mnist" or "fashion-mnist").Select(e => e.Name).Order();
        Assert.Equal(expected, Entries.Groups["all"].Order());
        foreach (var member in Entries.Groups.Values.SelectMany(m => m))
            Assert.Contains(Entries.All, e => e.Name == member);
    }

    [Theory]
    [InlineData("mnist")]
    [InlineData("fashion-mnist")]
    public void A_long_row_is_its_deep_row_trained_for_60_epochs(string dataset)
    {
        var deep = Get($"{dataset}-z2-deep");
        var longRow = Get($"{dataset}-z2-long");
        Assert.Equal(ConfigJson.Serialize(deep.Model), ConfigJson.Serialize(longRow.Model));
        Assert.Equal(deep.Training with { Epochs = 60 }, longRow.Training);
        Assert.Equal(30, deep.Training.Epochs);
        Assert.Equal(deep.Reference, longRow.Reference);
    }

    [Fact]
    public void Resolving_a_group_and_one_of_its_members_lists_each_entry_once()
    {
        var resolved = Entries.Resolve(["deep", "mnist-z2-deep", "mnist-z2"]);
        Assert.Equal(["mnist-z2-deep", "fashion-mnist-z2-deep", "mnist-z2"], resolved.Select(e => e.Name));
    }

    [Fact]
    public void An_unknown_entry_is_an_argument_error_that_lists_the_groups()
    {
        var error = Assert.Throws<ArgumentException>(() => Entries.Resolve(["mnist-z3"]));
        Assert.Contains("unknown entry 'mnist-z3'", error.Message);
        Assert.Contains("long", error.Message);
    }
}
