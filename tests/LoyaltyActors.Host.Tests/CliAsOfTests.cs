using System.Globalization;
using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// CONTRACT <c>loyalty customer ID --as-of INSTANT</c>: time travel over a customer's whole history gives the
/// profile the engine showed at that instant, i.e. the profile of a data dir that holds only the events that
/// had happened by then, read as of the same instant. Both sides go through the real CLI.
/// </summary>
public sealed class CliAsOfTests(ITestOutputHelper output)
{
    private const string Customer = "asof-1";

    /// <summary>One customer over ten days: purchases (two on one day, one a second before midnight), a view, a
    /// review, returns (one at the very next midnight), a redemption.</summary>
    private static readonly JsonObject[] History =
    [
        Purchase("h-1", Customer, "2025-03-01T09:00:00Z", "o-1", new("A", "books", 2, 10.00m), new("B", "music", 1, 5.50m)),
        Purchase("h-2", Customer, "2025-03-01T18:30:00Z", "o-2", new SentLine("C", "toys", 1, 20.00m)),
        View("h-3", Customer, "2025-03-02T10:00:00Z", "D", 30),
        Purchase("h-4", Customer, "2025-03-03T23:59:59Z", "o-3", new("A", "books", 3, 10.00m), new("D", "games", 1, 99.99m)),
        Return("h-5", Customer, "2025-03-04T00:00:00Z", "o-3", ("A", 2)),
        Review("h-6", Customer, "2025-03-05T12:00:00Z", "A", 4),
        Redeem("h-7", Customer, "2025-03-06T12:00:00Z", 50, "sticker"),
        Purchase("h-8", Customer, "2025-03-08T08:00:00Z", "o-4", new SentLine("E", "toys", 1, 7.25m)),
        Return("h-9", Customer, "2025-03-09T10:00:00Z", "o-1", ("B", 1)),
    ];

    [Fact]
    public async Task Profile_as_of_an_instant_equals_the_profile_of_only_the_events_up_to_that_instant()
    {
        using var scratch = new CliScratch();
        var full = scratch.Path("full");
        var input = scratch.Path("history.ndjson");
        await File.WriteAllLinesAsync(input, History.Select(e => e.ToJsonString()));
        var replay = await LoyaltyHostProcess.RunCliAsync(CliProcess.Patient, "replay", input, "--data-dir", full);
        Assert.Equal(new ReplayReport(9, 9, 0, 0, 9, 9, 0, 0), ReplayReport.Of(replay));

        string[] instants =
        [
            "2025-03-01T18:30:00Z",      // at a purchase: the end is inclusive
            "2025-03-03T12:00:00+02:00", // an offset
            "2025-03-04T00:00:00Z",      // at the return that follows the purchase of the second before
            "2025-03-06T12:00:00Z",      // at the redemption
            "2025-03-09T09:59:59Z",      // a second before the last return
            "2025-03-31T00:00:00Z",      // after everything
        ];

        // The references need fresh data dirs each, so they run beside the time-travel reads of the full dir.
        var references = ReferencesAsync(scratch, instants.Select(t => (t, DateTimeOffset.Parse(t, CultureInfo.InvariantCulture))));
        var travelled = new Dictionary<string, CliRun>();
        foreach (var t in instants) travelled[t] = await LoyaltyHostProcess.RunCliAsync(null, "customer", Customer, "--as-of", t, "--data-dir", full);
        var expected = await references;

        foreach (var t in instants)
        {
            output.WriteLine($"--- as of {t}: time travel {travelled[t]}\n--- reference {expected[t]}");
            AssertSameProfile(t, expected[t], travelled[t]);
        }
    }

    [Fact]
    public async Task Date_only_as_of_means_the_end_of_that_utc_day()
    {
        using var scratch = new CliScratch();
        var full = scratch.Path("full");
        var input = scratch.Path("history.ndjson");
        await File.WriteAllLinesAsync(input, History.Select(e => e.ToJsonString()));
        ReplayReport.Of(await LoyaltyHostProcess.RunCliAsync(CliProcess.Patient, "replay", input, "--data-dir", full));

        // 2025-03-03 holds h-4 at 23:59:59; h-5 is at 00:00 the next day.
        var endOfDay = new DateTimeOffset(2025, 3, 4, 0, 0, 0, TimeSpan.Zero).AddTicks(-1);
        var reference = ReferencesAsync(scratch, [("2025-03-03", endOfDay)]);
        var byDate = await LoyaltyHostProcess.RunCliAsync(null, "customer", Customer, "--as-of", "2025-03-03", "--data-dir", full);
        var byInstant = await LoyaltyHostProcess.RunCliAsync(null, "customer", Customer, "--as-of", "2025-03-03T23:59:59.999999999Z", "--data-dir", full);
        var expected = (await reference)["2025-03-03"];
        output.WriteLine($"{byDate}\n{byInstant}\n{expected}");

        var profile = JsonNode.Parse(byDate.Succeeded().Stdout)!;
        Assert.Equal("2025-03-03T23:59:59.999999999Z", (string?)profile["as_of"]);
        Assert.Equal(3, (int)profile["orders"]!);
        Assert.Equal("2025-03-03T23:59:59Z", (string?)profile["last_purchase_at"]);
        Assert.Equal(0, (int)profile["returns"]!);
        AssertSameProfile("2025-03-03T23:59:59.999999999Z", byInstant, byDate);
        AssertSameProfile("2025-03-03", expected, byDate);
    }

    [Fact]
    public async Task Profile_as_of_an_instant_before_the_first_event_is_unknown_like_an_empty_history()
    {
        using var scratch = new CliScratch();
        var full = scratch.Path("full");
        var input = scratch.Path("history.ndjson");
        await File.WriteAllLinesAsync(input, History.Select(e => e.ToJsonString()));
        ReplayReport.Of(await LoyaltyHostProcess.RunCliAsync(CliProcess.Patient, "replay", input, "--data-dir", full));

        var before = await LoyaltyHostProcess.RunCliAsync(null, "customer", Customer, "--as-of", "2025-03-01T08:59:59Z", "--data-dir", full);
        var nobody = await LoyaltyHostProcess.RunCliAsync(null, "customer", "nobody", "--as-of", "2025-03-01T08:59:59Z", "--data-dir", full);
        output.WriteLine($"{before}\n{nobody}");

        var line = before.FailedWithOneLine();
        Assert.Equal(nobody.ExitCode, before.ExitCode);
        Assert.Equal(nobody.FailedWithOneLine().Replace("nobody", Customer, StringComparison.Ordinal), line);
    }

    /// <summary>
    /// For each instant, the events that occurred by then replayed into a data dir of their own, and the
    /// customer read there as of the same instant (two at a time: each is two short processes).
    /// </summary>
    private static async Task<Dictionary<string, CliRun>> ReferencesAsync(CliScratch scratch, IEnumerable<(string Text, DateTimeOffset At)> instants)
    {
        var results = new System.Collections.Concurrent.ConcurrentDictionary<string, CliRun>();
        var index = 0;
        await Parallel.ForEachAsync(instants.Select(i => (i.Text, i.At, N: Interlocked.Increment(ref index))),
            new ParallelOptions { MaxDegreeOfParallelism = 2 },
            async (i, _) =>
            {
                var dataDir = scratch.Path($"upto-{i.N}");
                var input = scratch.Path($"upto-{i.N}.ndjson");
                var events = History.Where(e => DateTimeOffset.Parse((string)e["occurred_at"]!, CultureInfo.InvariantCulture) <= i.At).ToList();
                Assert.NotEmpty(events);
                await File.WriteAllLinesAsync(input, events.Select(e => e.ToJsonString()), CancellationToken.None);
                var replay = ReplayReport.Of(await LoyaltyHostProcess.RunCliAsync(CliProcess.Patient, "replay", input, "--data-dir", dataDir));
                Assert.Equal(events.Count, replay.Accepted);
                results[i.Text] = await LoyaltyHostProcess.RunCliAsync(null, "customer", Customer, "--as-of", i.Text, "--data-dir", dataDir);
            });
        return new Dictionary<string, CliRun>(results);
    }

    private static void AssertSameProfile(string asOf, CliRun expected, CliRun actual)
    {
        var e = JsonNode.Parse(expected.Succeeded().Stdout)!;
        var a = JsonNode.Parse(actual.Succeeded().Stdout)!;
        if (JsonNode.DeepEquals(e, a)) return;
        var fields = e.AsObject().Select(p => p.Key).Union(a.AsObject().Select(p => p.Key))
            .Where(k => !JsonNode.DeepEquals(e[k], a[k]))
            .Select(k => $"{k}: expected {e[k]?.ToJsonString() ?? "(absent)"}, got {a[k]?.ToJsonString() ?? "(absent)"}");
        Assert.Fail($"as of {asOf} the profiles differ in\n{string.Join('\n', fields)}");
    }

    private static JsonObject Review(string eventId, string customerId, string occurredAt, string sku, int rating) => new()
    {
        ["event_id"] = eventId,
        ["type"] = "review",
        ["customer_id"] = customerId,
        ["occurred_at"] = occurredAt,
        ["sku"] = sku,
        ["rating"] = rating,
    };
}
