using System.Net;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// CONTRACT <c>loyalty replay PATH --to URL</c>: an NDJSON file streamed into a running server (the real host
/// process), and the refusal of an offline replay into the data dir that server holds.
/// </summary>
public sealed class CliReplayToServerTests(ServingHost serving, ITestOutputHelper output) : IClassFixture<ServingHost>
{
    [Fact]
    public async Task Replay_to_a_running_server_records_the_valid_lines_lists_the_invalid_ones_and_a_second_run_is_all_duplicates()
    {
        var host = serving.Host;
        using var scratch = new CliScratch();
        var run = Guid.NewGuid().ToString("N")[..8]; // the server is shared: ids of this test only
        string alice = $"to-alice-{run}", bob = $"to-bob-{run}";
        SentLine[] a1 = [new("A", "books", 2, 9.99m), new("B", "music", 1, 0.50m)];
        SentLine[] a2 = [new("C", "books", 3, 3.35m)];
        SentLine[] b1 = [new("G", "garden", 1, 120.00m)];
        string[] lines =
        [
            Purchase($"{run}-1", alice, "2025-03-01T10:00:00Z", $"{run}-o1", a1).ToJsonString(),
            Purchase($"{run}-2", alice, "2025-03-03T09:30:00Z", $"{run}-o2", a2).ToJsonString(),
            """{"event_id":"broken","type":"purchase",""", // line 3: not JSON, rejected before sending
            Purchase($"{run}-4", bob, "2025-03-02T12:00:00Z", $"{run}-o4", b1).ToJsonString(),
            Return($"{run}-5", alice, "2025-03-04T10:00:00Z", $"{run}-o1", ("A", 1)).ToJsonString(),
            "",                                             // line 6: blank, not a data row
            View($"{run}-7", bob, "2025-03-05T08:00:00Z", "A", 12.5).ToJsonString(),
        ];
        var input = scratch.Path("events.ndjson");
        await File.WriteAllLinesAsync(input, lines);
        var expectedAlice = new ExpectedCustomer();
        expectedAlice.Purchase("o1", "2025-03-01T10:00:00Z", a1);
        expectedAlice.Purchase("o2", "2025-03-03T09:30:00Z", a2);
        expectedAlice.Return("o1", ("A", 1));
        var expectedBob = new ExpectedCustomer();
        expectedBob.Purchase("o4", "2025-03-02T12:00:00Z", b1);
        expectedBob.View();

        var rejects1 = scratch.Path("rejects-1.csv");
        var first = await LoyaltyHostProcess.RunCliAsync(null, "replay", input, "--to", host.BaseAddress.ToString(), "--rejects", rejects1);
        output.WriteLine(first.ToString());
        Assert.Equal(new ReplayReport(6, 5, 0, 1, 6, 5, 0, 1), ReplayReport.Of(first));
        var rejected = File.ReadAllLines(rejects1);
        Assert.Equal(2, rejected.Length);
        Assert.Equal("source,line,rows,event_id,reason", rejected[0]);
        Assert.StartsWith("events.ndjson,3,1,", rejected[1], StringComparison.Ordinal);
        Assert.Contains("invalid JSON", rejected[1], StringComparison.Ordinal);

        var aliceBefore = await host.GetProfileAsync(alice, "2025-04-01T00:00:00Z");
        var bobBefore = await host.GetProfileAsync(bob, "2025-04-01T00:00:00Z");
        AssertProfile(expectedAlice, aliceBefore);
        AssertProfile(expectedBob, bobBefore);

        var rejects2 = scratch.Path("rejects-2.csv");
        var second = await LoyaltyHostProcess.RunCliAsync(null, "replay", input, "--to", host.BaseAddress.ToString(), "--rejects", rejects2);
        output.WriteLine(second.ToString());
        Assert.Equal(new ReplayReport(6, 0, 5, 1, 6, 0, 5, 1), ReplayReport.Of(second));
        Assert.Equal(rejected, File.ReadAllLines(rejects2));
        Assert.Equal(aliceBefore.ToString(), (await host.GetProfileAsync(alice, "2025-04-01T00:00:00Z")).ToString());
        Assert.Equal(bobBefore.ToString(), (await host.GetProfileAsync(bob, "2025-04-01T00:00:00Z")).ToString());
    }

    [Fact]
    public async Task Replay_to_a_running_server_lists_an_event_the_server_rejects_with_its_reason()
    {
        var host = serving.Host;
        using var scratch = new CliScratch();
        var run = Guid.NewGuid().ToString("N")[..8];
        var carol = $"to-carol-{run}";
        var input = scratch.Path("events.ndjson");
        await File.WriteAllLinesAsync(input,
        [
            Purchase($"{run}-1", carol, "2025-03-01T10:00:00Z", $"{run}-o1", new SentLine("A", "books", 1, 5m)).ToJsonString(),
            // Well-formed, so it is sent; only the engine knows that the order has no such SKU.
            Return($"{run}-2", carol, "2025-03-02T10:00:00Z", $"{run}-o1", ("B", 1)).ToJsonString(),
        ]);

        var rejects = scratch.Path("rejects.csv");
        var replay = await LoyaltyHostProcess.RunCliAsync(null, "replay", input, "--to", host.BaseAddress.ToString(), "--rejects", rejects);
        output.WriteLine(replay.ToString());

        Assert.Equal(new ReplayReport(2, 1, 0, 1, 2, 1, 0, 1), ReplayReport.Of(replay));
        var rejected = File.ReadAllLines(rejects);
        Assert.Equal(2, rejected.Length);
        Assert.StartsWith($"events.ndjson,2,1,{run}-2,", rejected[1], StringComparison.Ordinal);
        Assert.Contains("order", rejected[1], StringComparison.Ordinal);
        var profile = await host.GetProfileAsync(carol);
        Assert.Equal(1, profile.GetProperty("orders").GetInt32());
        Assert.Equal(0, profile.GetProperty("returns").GetInt32());
    }

    [Fact]
    public async Task Offline_replay_into_a_data_dir_held_by_a_server_exits_non_zero_with_one_line_naming_the_dir()
    {
        var host = serving.Host;
        using var scratch = new CliScratch();
        var input = scratch.Path("events.ndjson");
        var id = "locked-" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllLinesAsync(input, [View(id, id, "2025-03-01T10:00:00Z", "A", 1).ToJsonString()]);

        var run = await LoyaltyHostProcess.RunCliAsync(null, "replay", input, "--data-dir", host.DataDir);
        output.WriteLine(run.ToString());

        var line = run.FailedWithOneLine();
        Assert.Contains(host.DataDir, line, StringComparison.Ordinal);
        Assert.DoesNotContain("replayed", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await host.GetProfileStatusAsync(id));
    }

    private static void AssertProfile(ExpectedCustomer expected, JsonElement profile)
    {
        Assert.Equal(expected.Orders, profile.GetProperty("orders").GetInt32());
        Assert.Equal(expected.MonetaryTotal, profile.GetProperty("monetary_total").GetDecimal());
        Assert.Equal(expected.Returns, profile.GetProperty("returns").GetInt32());
        Assert.Equal(expected.Views, profile.GetProperty("views").GetInt32());
        Assert.Equal(expected.Variety, profile.GetProperty("variety").GetInt32());
        Assert.Equal(expected.PointsBalance, profile.GetProperty("points_balance").GetInt64());
        Assert.Equal(expected.FirstPurchaseAt, profile.GetProperty("first_purchase_at").GetDateTimeOffset());
        Assert.Equal(expected.LastPurchaseAt, profile.GetProperty("last_purchase_at").GetDateTimeOffset());
    }
}
