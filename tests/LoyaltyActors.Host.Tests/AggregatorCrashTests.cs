using System.Net;
using System.Text.Json;
using LoyaltyActors.Tests;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// The aggregators are journal projections saved together with their journal offset: a kill -9 in the middle of
/// a replay, a restart on the same data dir and the rest of the replay must leave the same models as folding the
/// same journal from its first event. Nothing counted twice, nothing missed.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class AggregatorCrashTests(ITestOutputHelper output)
{
    private const int Rows = 69_659; // CDNOW_master: one purchase event per row
    private const int Customers = 23_570;

    /// <summary>
    /// The live projection saves its model every 10,000 events it applies (ProjectionSettings), and it answers
    /// queries between batches, so once it reports this many the kill falls after a save: the restart resumes
    /// from a saved model and offset, not from the start of the journal.
    /// </summary>
    private const int ConsumedBeforeKill = 12_000;

    [SkippableFact]
    public async Task Kill_9_during_a_replay_then_the_rest_of_the_replay_leaves_the_models_a_rebuild_of_the_same_journal_gives()
    {
        var master = TestData.Require("cdnow-lifetimes/CDNOW_master.txt");
        using var scratch = new CliScratch();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await using var host = await LoyaltyHostProcess.StartAsync(output);

        // 1. Replay into the server and kill -9 it part-way, once the segment aggregator has consumed (and saved) some.
        long consumedAtKill;
        CliRun interrupted;
        await using (var first = BackgroundCli.Start(CliProcess.Patient, "replay", master, "--format", "cdnow", "--to", host.BaseAddress.ToString()))
        {
            var seen = await AggregatorPoll.UntilAsync(host.GetSegmentsAsync,
                m => m.EventsConsumed >= ConsumedBeforeKill || first.HasExited, TimeSpan.FromSeconds(120),
                $"the segment aggregator consuming {ConsumedBeforeKill} events", context: () => host.Log);
            if (first.HasExited)
                Assert.Fail($"the replay ended before the kill (the aggregator had consumed {seen.EventsConsumed}): {await first.WaitAsync(TimeSpan.FromSeconds(30))}");
            consumedAtKill = seen.EventsConsumed;
            await host.KillAsync();
            interrupted = await first.KillAsync();
        }

        output.WriteLine($"killed at {watch.Elapsed.TotalSeconds:F1} s with {consumedAtKill} events consumed; the first replay printed:\n{interrupted}");
        Assert.InRange(consumedAtKill, ConsumedBeforeKill, Rows - 1);
        Assert.True(File.Exists(Path.Combine(host.DataDir, "models.db")), "no model was saved before the kill: the restart would not resume from a saved offset");

        // 2. Restart on the same data dir and replay the same file: what was persisted is a duplicate, the rest is new.
        await host.StartAsync();
        var again = await CliProcess.RunAsync(TimeSpan.FromSeconds(180), "replay", master, "--format", "cdnow", "--to", host.BaseAddress.ToString());
        output.WriteLine($"second replay done at {watch.Elapsed.TotalSeconds:F1} s: {again}");
        var report = ReplayReport.Of(again);
        Assert.Equal((long)Rows, report.Rows);
        Assert.Equal(0, report.Rejected);
        Assert.Equal((long)Rows, report.Accepted + report.Duplicates);
        Assert.True(report.Duplicates >= consumedAtKill,
            $"every event the aggregator had consumed was in the journal, so at least {consumedAtKill} duplicates are expected: {again}");
        Assert.True(report.Accepted > 0, $"the kill came before the end of the replay, so some events are new: {again}");

        // 3. The aggregators catch up to exactly one count per journal event.
        var live = await AggregatorPoll.UntilAsync(host.GetSegmentsAsync, m => m.EventsConsumed == Rows, TimeSpan.FromSeconds(120),
            $"GET /v1/segments events_consumed = {Rows}", m => m.EventsConsumed > Rows, () => host.Log);
        live.AssertWellFormed(Customers);
        // Every CDNOW row is one order of the single SKU "CD": its order count is the recommender's event count.
        var cd = await AggregatorPoll.UntilAsync(() => CdOrdersAsync(host), n => n == Rows, TimeSpan.FromSeconds(120),
            $"orders holding CD = {Rows}", n => n > Rows, () => host.Log);
        output.WriteLine($"caught up at {watch.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(Rows, cd);

        var code = await host.StopAsync();
        Assert.True(code == 0, $"the host exited with {code} after SIGTERM\n{host.Log}");

        // 4. The same journal folded from offset 0: a copy of the data dir without the saved models.
        var rebuildDir = scratch.Path("rebuild");
        Directory.CreateDirectory(rebuildDir);
        foreach (var file in Directory.GetFiles(host.DataDir))
        {
            var name = Path.GetFileName(file);
            if (!name.StartsWith("models", StringComparison.Ordinal)) File.Copy(file, Path.Combine(rebuildDir, name));
        }

        var resumedExport = scratch.Path("resumed.csv");
        var rebuiltExport = scratch.Path("rebuilt.csv");
        var resumed = SegmentsBody.Parse((await CliProcess.RunAsync(TimeSpan.FromSeconds(90), "segments", "--data-dir", host.DataDir, "--export", resumedExport)).Succeeded().Stdout);
        var rebuilt = SegmentsBody.Parse((await CliProcess.RunAsync(TimeSpan.FromSeconds(90), "segments", "--data-dir", rebuildDir, "--export", rebuiltExport)).Succeeded().Stdout);
        output.WriteLine($"segments compared at {watch.Elapsed.TotalSeconds:F1} s");

        Assert.Equal(Rows, resumed.EventsConsumed);
        Assert.Equal(Rows, rebuilt.EventsConsumed);
        AssertSameModel(rebuilt, resumed, "the model the server saved");
        var partition = ReadPartition(resumedExport);
        Assert.Equal(Customers, partition.Count);
        Assert.True(partition.SequenceEqual(ReadPartition(rebuiltExport)), "the resumed and rebuilt models assign customers differently");

        // CDNOW has one SKU, so there is no pair and both rule sets are empty: this only shows that the saved recommender
        // loads and answers; its counts were checked above (orders holding CD = one per journal event).
        string[] rules = ["rules", "--min-support", "0.001", "--min-confidence", "0.1", "--format", "json"];
        var resumedRules = PrintedRule.ParseJson((await CliProcess.RunAsync(TimeSpan.FromSeconds(60), [.. rules, "--data-dir", host.DataDir])).Succeeded().Stdout);
        var rebuiltRules = PrintedRule.ParseJson((await CliProcess.RunAsync(TimeSpan.FromSeconds(60), [.. rules, "--data-dir", rebuildDir])).Succeeded().Stdout);
        Assert.Equal(rebuiltRules, resumedRules);
        output.WriteLine($"done at {watch.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task<long> CdOrdersAsync(LoyaltyHostProcess host)
    {
        var (status, _, body) = await host.GetAsync("v1/items/CD/similar");
        if (status == HttpStatusCode.NotFound) return 0; // no order counted yet
        host.AssertStatus(HttpStatusCode.OK, status, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("orders").GetInt64();
    }

    private static void AssertSameModel(SegmentsBody expected, SegmentsBody actual, string what)
    {
        Assert.Equal(expected.K, actual.K);
        Assert.Equal(expected.EventsConsumed, actual.EventsConsumed);
        Assert.Equal(expected.Segments.Count, actual.Segments.Count);
        foreach (var (e, a) in expected.Segments.Zip(actual.Segments))
        {
            Assert.True((e.Id, e.Label, e.Size) == (a.Id, a.Label, a.Size), $"{what}: segment {a.Raw} differs from the rebuilt {e.Raw}");
            foreach (var (feature, value) in e.Centroid)
                Assert.True(Math.Abs(a.Centroid[feature] - value) <= 1e-9 * Math.Max(Math.Abs(value), 1e-300),
                    $"{what}: segment {e.Id} centroid {feature} is {a.Centroid[feature]}, rebuilt {value}");
        }
    }

    private static List<(string Customer, string Segment)> ReadPartition(string export) =>
        File.ReadLines(export).Skip(1).Select(l => TestCsv.Split(l)).Select(f => (f[0], f[1]))
            .OrderBy(r => r.Item1, StringComparer.Ordinal).ToList();
}
