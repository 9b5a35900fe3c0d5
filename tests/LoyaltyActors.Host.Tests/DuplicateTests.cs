using System.Net;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary>An event_id is recorded once: posting it again answers "duplicate", before and after a restart.</summary>
public sealed class DuplicateTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Event_posted_again_is_a_duplicate_before_and_after_a_restart_and_changes_nothing()
    {
        await using var host = await LoyaltyHostProcess.StartAsync(output, LoyaltyHostProcess.PointsOnly);
        var purchase = Purchase("d-1", "d-cust", "2025-02-01T08:00:00Z", "d-o1", new SentLine("sku", "cat", 3, 7.00m));
        var view = View("d-2", "d-cust", "2025-02-01T09:00:00Z", "sku", 2);

        var first = await host.PostEventAsync(purchase);
        host.AssertStatus(HttpStatusCode.OK, first.Status, first.Body);
        Assert.Equal((1, 0, 0), (first.Accepted, first.Duplicates, first.Rejected));
        Assert.Equal([("d-1", "accepted", (string?)null)], first.Results);

        var second = await host.PostEventAsync(purchase);
        host.AssertStatus(HttpStatusCode.OK, second.Status, second.Body);
        Assert.Equal((0, 1, 0), (second.Accepted, second.Duplicates, second.Rejected));
        Assert.Equal([("d-1", "duplicate", (string?)null)], second.Results);

        // Twice in one batch: the first is recorded, the second is its duplicate.
        var batch = await host.PostBatchAsync([view, view, purchase]);
        host.AssertStatus(HttpStatusCode.OK, batch.Status, batch.Body);
        Assert.Equal(["accepted", "duplicate", "duplicate"], batch.Results.Select(r => r.Status));

        var before = await host.GetProfileAsync("d-cust", "2025-03-01T00:00:00Z");
        AssertOneOrderOfTwentyOne(before);

        await host.RestartAsync();

        var afterRestart = await host.PostBatchAsync([purchase, view]);
        host.AssertStatus(HttpStatusCode.OK, afterRestart.Status, afterRestart.Body);
        Assert.Equal((0, 2, 0), (afterRestart.Accepted, afterRestart.Duplicates, afterRestart.Rejected));
        Assert.Equal(["duplicate", "duplicate"], afterRestart.Results.Select(r => r.Status));

        var after = await host.GetProfileAsync("d-cust", "2025-03-01T00:00:00Z");
        AssertOneOrderOfTwentyOne(after);
        Assert.Equal(before.ToString(), after.ToString());
    }

    [Fact]
    public async Task Same_order_under_a_new_event_id_is_rejected_naming_order_id()
    {
        await using var host = await LoyaltyHostProcess.StartAsync(output, LoyaltyHostProcess.PointsOnly);
        var line = new SentLine("sku", "cat", 1, 1.00m);
        await host.PostAcceptedAsync([Purchase("d-10", "d-cust2", "2025-02-01T08:00:00Z", "d-o10", line)]);

        var answer = await host.PostEventAsync(Purchase("d-11", "d-cust2", "2025-02-01T08:00:00Z", "d-o10", line));

        host.AssertStatus(HttpStatusCode.UnprocessableEntity, answer.Status, answer.Body);
        Assert.Equal("order_id", answer.Body.GetProperty("field").GetString());
        Assert.Equal(1, (await host.GetProfileAsync("d-cust2")).GetProperty("orders").GetInt32());
    }

    private static void AssertOneOrderOfTwentyOne(System.Text.Json.JsonElement profile)
    {
        Assert.Equal(1, profile.GetProperty("orders").GetInt32());
        Assert.Equal(21.00m, profile.GetProperty("monetary_total").GetDecimal());
        Assert.Equal(21, profile.GetProperty("points_balance").GetInt64());
        Assert.Equal(1, profile.GetProperty("views").GetInt32());
    }
}
