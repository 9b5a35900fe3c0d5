using System.Globalization;
using System.Text.Json;
using LoyaltyActors.Domain.Recommendations;
using LoyaltyActors.Tests;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// <c>Loyalty:Recommender:Partitions</c> end to end on Groceries: a server with 3 partitions, its saved partitions
/// resumed offline, the same journal counted by 1 and 4 partitions (<c>rules</c>, <c>rebuild</c>), and the live rules,
/// similar items and recommendations of the 3 partitions equal to one whole model's.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class AggregatorRecommenderPartitionsTests(ITestOutputHelper output)
{
    private const string Partitions = "Loyalty__Recommender__Partitions";
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(90);

    private static Dictionary<string, string> With(int partitions) =>
        new(CliProcess.Patient) { [Partitions] = partitions.ToString(CultureInfo.InvariantCulture) };

    /// <summary>Runs <c>loyalty ARGS</c> with <paramref name="partitions"/> recommender partitions, to completion.</summary>
    private static async Task<CliRun> Cli(int partitions, params string[] args)
    {
        await using var cli = BackgroundCli.Start(With(partitions), args);
        return await cli.WaitAsync(TimeSpan.FromSeconds(240));
    }

    [SkippableFact]
    public async Task Three_partitions_live_and_offline_answer_what_one_model_counted_from_the_same_journal_answers()
    {
        var groceries = TestData.Require("groceries/groceries.csv");
        var counts = BasketCounts.ReadGroceries(groceries);
        var baskets = File.ReadLines(groceries)
            .Select(l => l.Split(',').Select(i => i.Trim()).Where(i => i.Length > 0).ToArray()).ToList();
        using var scratch = new CliScratch();
        await using var host = await LoyaltyHostProcess.StartAsync(output, new Dictionary<string, string> { [Partitions] = "3" });

        var replay = await LoyaltyHostProcess.RunCliAsync(null, "replay", groceries, "--format", "baskets", "--to", host.BaseAddress.ToString());
        Assert.Equal(new ReplayReport(9835, 9835, 0, 0, 9835, 9835, 0, 0), ReplayReport.Of(replay));

        // 1. Live: the merged rules reach the exact recount.
        var expected = counts.Rules(0.001m, 0m);
        var live = await AggregatorPoll.UntilAsync(
            async () => PrintedRule.ParseJson(await host.GetOkAsync("v1/rules?min_support=0.001&min_confidence=0&limit=10000")),
            printed => printed.Count == expected.Count && printed.All(r => expected.TryGetValue((r.Antecedent, r.Consequent), out var e) && e.Count == r.Count),
            CatchUp, $"GET /v1/rules at 0.001/0 = the {expected.Count} recounted rules", context: () => host.Log);
        BasketCounts.AssertSameRules(expected, live, "GET /v1/rules from 3 partitions");
        BasketCounts.AssertSortedByLift(live, "GET /v1/rules from 3 partitions");
        Assert.Equal(0, await host.StopAsync());
        Assert.Contains("Saved projection recommender-2of3", host.Log);

        // 2. Offline: the 3 saved partitions resumed, one model counted afresh, and 4 partitions rebuilt, all the same.
        var copy = scratch.Path("copy");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(host.DataDir).Where(f => !Path.GetFileName(f).StartsWith("models", StringComparison.Ordinal)))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));

        string[] rules = ["rules", "--min-support", "0.001", "--min-confidence", "0", "--format", "json"];
        var resumed = (await Cli(3, [.. rules, "--data-dir", host.DataDir])).Succeeded();
        var single = (await Cli(1, [.. rules, "--data-dir", copy])).Succeeded();
        Assert.Equal(PrintedRule.ParseJson(single.Stdout), PrintedRule.ParseJson(resumed.Stdout)); // the very same doubles
        Assert.Equal(live, PrintedRule.ParseJson(resumed.Stdout));

        var switched = (await Cli(1, [.. rules, "--data-dir", host.DataDir])).Succeeded();
        Assert.Contains("Loyalty:Recommender:Partitions is 1 but the saved recommender has 3 partition(s)", switched.Stderr);
        Assert.Equal(PrintedRule.ParseJson(single.Stdout), PrintedRule.ParseJson(switched.Stdout));

        var rebuild = (await Cli(4, "rebuild", "--data-dir", copy)).Succeeded();
        Assert.Contains("rebuilt recommender (4 partitions, recommender-0of4 … recommender-3of4) from 9835 events", rebuild.Stdout);
        var four = (await Cli(4, [.. rules, "--data-dir", copy])).Succeeded();
        Assert.Equal(PrintedRule.ParseJson(single.Stdout), PrintedRule.ParseJson(four.Stdout));

        // 3. Live again on the caught-up partitions: similar items and recommendations equal one whole model's.
        var whole = new CoOccurrenceModel();
        foreach (var basket in baskets) whole.AddOrder(basket);
        await host.StartAsync();
        foreach (var sku in whole.Popular(1000).Select(p => p.Sku).Where((sku, i) => i % 7 == 0 && !sku.Contains('/')))
        {
            using var doc = JsonDocument.Parse(await host.GetOkAsync($"v1/items/{Uri.EscapeDataString(sku)}/similar?limit=50"));
            Assert.Equal(whole.ItemCount(sku), doc.RootElement.GetProperty("orders").GetInt64());
            var items = doc.RootElement.GetProperty("items").EnumerateArray()
                .Select(i => (i.GetProperty("sku").GetString()!, i.GetProperty("pair_count").GetInt64(), i.GetProperty("lift").GetDouble(), i.GetProperty("cosine").GetDouble()));
            Assert.Equal(whole.Similar(sku, 50, SimilarityMeasure.Lift, 5).Select(i => (i.Sku, i.PairCount, i.Lift, i.Cosine)), items);
        }

        for (var n = 1; n <= 300; n += 13)
        {
            var body = await host.GetOkAsync($"v1/customers/basket-{n}/recommendations?limit=10");
            using var doc = JsonDocument.Parse(body);
            var basedOn = doc.RootElement.GetProperty("based_on").EnumerateArray().Select(e => e.GetString()!).ToArray();
            Assert.Equal(baskets[n - 1].Distinct().Order(StringComparer.Ordinal), basedOn.Distinct().Order(StringComparer.Ordinal));
            var expectedItems = whole.Recommend(basedOn, baskets[n - 1].ToHashSet(StringComparer.Ordinal), 10)
                .Select(r => (r.Sku, r.Score, r.Reason, string.Join(";", r.Evidence.Select(e => $"{e.BecauseOf}:{e.CoCount}:{e.Lift:R}:{e.Confidence:R}")))).ToList();
            var items = doc.RootElement.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("sku").GetString()!, i.GetProperty("score").GetDouble(),
                i.GetProperty("reason").GetString()!, string.Join(";", i.GetProperty("evidence").EnumerateArray().Select(e =>
                    $"{e.GetProperty("because_of").GetString()}:{e.GetProperty("co_count").GetInt64()}:{e.GetProperty("lift").GetDouble():R}:{e.GetProperty("confidence").GetDouble():R}")))).ToList();
            Assert.Equal(expectedItems, items);
        }

        output.WriteLine("3 partitions answered like one model");
    }
}
