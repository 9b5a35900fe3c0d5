using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using LoyaltyActors.Storage;
using NodaTime;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary><c>loyalty rebuild</c> refolds the dashboard statistics from the journal and replaces the saved model.</summary>
public sealed class RebuildStatsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Rebuild_replaces_a_stale_stats_model_with_the_journal_folded_from_the_start()
    {
        using var scratch = new CliScratch();
        var dataDir = scratch.Path("data");
        var input = scratch.Path("events.ndjson");
        await File.WriteAllLinesAsync(input,
        [
            Purchase("r-1", "ann", "2025-03-01T10:00:00Z", "o-1", new SentLine("A", "books", 2, 120m), new SentLine("B", "music", 1, 30m)).ToJsonString(),
            Purchase("r-2", "ann", "2025-03-05T10:00:00Z", "o-2", new SentLine("C", "games", 1, 400m)).ToJsonString(),
            View("r-3", "bob", "2025-03-02T10:00:00Z", "A", 3).ToJsonString(),
            Purchase("r-4", "cat", "2025-03-03T10:00:00Z", "o-4", new SentLine("A", "books", 3, 10m)).ToJsonString(),
            Return("r-5", "cat", "2025-03-04T10:00:00Z", "o-4", ("A", 2)).ToJsonString(),
        ]);
        var replay = await CliProcess.RunAsync(TimeSpan.FromSeconds(120), "replay", input, "--format", "ndjson", "--data-dir", dataDir);
        Assert.True(replay.ExitCode == 0, replay.ToString());

        // A stale model that claims to be ahead of the journal: catching it up would keep it as it is.
        var weights = new LoyaltyWeights(); // the shipped config/appsettings.json weights are the defaults
        using (var store = new ModelStore(Path.Combine(dataDir, "models.db")))
        {
            var stale = StatsProjection.Empty(weights);
            stale.Apply(new JournalEvent("ghost", 1, 1_000_000, new PurchaseRecorded("g-1", Instant.FromUtc(2025, 1, 1, 0, 0), "g-o", "web",
                [new PurchasedLine("Z", "z", 1, 1m, 1)], 1)));
            stale.Save(store);
        }

        var rebuild = await CliProcess.RunAsync(TimeSpan.FromSeconds(120), "rebuild", "--data-dir", dataDir);
        output.WriteLine(rebuild.ToString());
        Assert.True(rebuild.ExitCode == 0, rebuild.ToString());
        Assert.Contains("rebuilt stats from 5 events", rebuild.Stdout);

        using var reopened = new ModelStore(Path.Combine(dataDir, "models.db"));
        var rebuilt = StatsProjection.Load(reopened, weights);
        Assert.Null(rebuilt.LoyaltyOf("ghost"));
        Assert.Equal(3, rebuilt.Customers);
        var tiers = (TierDistributionResult)rebuilt.Answer(GetTierDistribution.Instance)!;
        Assert.Equal([new TierCount("base", 3)], tiers.Tiers);
        // L = σ(1·orders/5 + 1·net/500 + 0.5·variety/5 − 2), from the events above.
        Assert.Equal(Sigmoid(2 / 5.0 + 670 / 500.0 + 0.5 * 3 / 5 - 2), rebuilt.LoyaltyOf("ann")!.Value, 12);
        Assert.Equal(Sigmoid(0 - 2), rebuilt.LoyaltyOf("bob")!.Value, 12);
        Assert.Equal(Sigmoid(1 / 5.0 + 10 / 500.0 + 0.5 * 1 / 5 - 2), rebuilt.LoyaltyOf("cat")!.Value, 12);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
