using System.Globalization;
using LoyaltyActors.Tests;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// One offline <c>loyalty replay groceries.csv --format baskets</c> into a scratch data dir, shared by the tests of
/// <see cref="AggregatorGroceriesRulesTests"/> (one collection: they run one after another, so the dir's lock never collides).
/// </summary>
public sealed class GroceriesReplay : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private CliRun? _replay;
    private BasketCounts? _counts;

    public CliScratch Scratch { get; } = new();

    public string DataDir => Scratch.Path("data");

    /// <summary>The replay (run once) and the counts of the file made here.</summary>
    public async Task<(CliRun Replay, BasketCounts Counts)> ReplayAsync(string groceries)
    {
        await _gate.WaitAsync();
        try
        {
            _replay ??= await CliProcess.RunAsync(TimeSpan.FromSeconds(120), "replay", groceries, "--format", "baskets", "--data-dir", DataDir);
            _counts ??= BasketCounts.ReadGroceries(groceries);
            return (_replay, _counts);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        Scratch.Dispose();
        _gate.Dispose();
    }
}

/// <summary>
/// CONTRACT <c>loyalty rules</c> on the Groceries baskets (data/groceries/README.md): the published arules figures for
/// 2-item rules, and the whole rule set against an exact recount of the file at several thresholds.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class AggregatorGroceriesRulesTests(GroceriesReplay replay, ITestOutputHelper output) : IClassFixture<GroceriesReplay>
{
    private const string GroceriesFile = "groceries/groceries.csv";
    private const int Baskets = 9835;

    [SkippableFact]
    public async Task Rules_on_groceries_give_the_150_two_item_rules_of_arules_with_herbs_root_vegetables_on_top()
    {
        var (run, counts) = await ReplayedAsync();
        Assert.Equal(new ReplayReport(Baskets, Baskets, 0, 0, Baskets, Baskets, 0, 0), ReplayReport.Of(run));
        Assert.Equal(Baskets, counts.Baskets);
        Assert.Equal(169, counts.Items.Count);
        Assert.Equal(2513, counts.Item("whole milk")); // the file is the one the README describes

        var rules = PrintedRule.ParseCsv((await RulesAsync("0.006", "0.25", "csv")).Stdout);

        // README source B: supp=0.006, conf=0.25 gives 463 rules, 150 of them of size 2; lift at most 3.9565.
        Assert.Equal(150, rules.Count);
        var top = rules[0];
        Assert.Equal(("herbs", "root vegetables"), (top.Antecedent, top.Consequent));
        Assert.Equal(69, top.Count);
        Assert.Equal(0.007015760, Math.Round(top.Support, 9));
        Assert.Equal(0.4312500, Math.Round(top.Confidence, 7));
        Assert.Equal(3.956477, Math.Round(top.Lift, 6));
        var berries = rules[1];
        Assert.Equal(("berries", "whipped/sour cream"), (berries.Antecedent, berries.Consequent));
        Assert.Equal((0.009049314, 0.2721713, 3.796886), (Math.Round(berries.Support, 9), Math.Round(berries.Confidence, 7), Math.Round(berries.Lift, 6)));
        Assert.Equal(0.074835, Math.Round(rules.Max(r => r.Support), 6)); // {other vegetables, whole milk}, 736 baskets
        BasketCounts.AssertSortedByLift(rules, "rules 0.006/0.25");

        // supp=0.001, conf=0.5: 5668 rules, 11 of them of size 2 (arulesViz vignette).
        Assert.Equal(11, PrintedRule.ParseCsv((await RulesAsync("0.001", "0.5", "csv")).Stdout).Count);
    }

    [SkippableTheory]
    [InlineData("0.006", "0.25", "csv")]
    [InlineData("0.006", "0.25", "json")]
    [InlineData("0.001", "0.5", "csv")]
    [InlineData("0.001", "0.5", "json")]
    [InlineData("0.01", "0.1", "csv")]
    [InlineData("0.01", "0.1", "json")]
    public async Task Rules_equal_the_two_item_rules_recounted_from_the_file(string minSupport, string minConfidence, string format)
    {
        var (_, counts) = await ReplayedAsync();

        var run = await RulesAsync(minSupport, minConfidence, format);
        var printed = format == "json" ? PrintedRule.ParseJson(run.Stdout) : PrintedRule.ParseCsv(run.Stdout);

        var expected = counts.Rules(decimal.Parse(minSupport, CultureInfo.InvariantCulture), decimal.Parse(minConfidence, CultureInfo.InvariantCulture));
        Assert.True(expected.Count > 0, "the recount has no rule at these thresholds: the case is too weak");
        output.WriteLine($"{expected.Count} rules at {minSupport}/{minConfidence}");
        BasketCounts.AssertSameRules(expected, printed, $"rules {minSupport}/{minConfidence} ({format})");
    }

    private async Task<(CliRun Replay, BasketCounts Counts)> ReplayedAsync()
    {
        var groceries = TestData.Require(GroceriesFile);
        var result = await replay.ReplayAsync(groceries);
        result.Replay.Succeeded();
        return result;
    }

    private async Task<CliRun> RulesAsync(string minSupport, string minConfidence, string format)
    {
        var run = await CliProcess.RunAsync(TimeSpan.FromSeconds(60),
            "rules", "--min-support", minSupport, "--min-confidence", minConfidence, "--format", format, "--data-dir", replay.DataDir);
        output.WriteLine($"rules {minSupport} {minConfidence} {format}: exit {run.ExitCode} after {run.Elapsed.TotalSeconds:F1} s");
        return run.Succeeded();
    }
}
