using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary>DELETE /v1/customers/{id}: the journal forgets the customer, and so do the aggregates.</summary>
public sealed class EraseCustomerTests(ITestOutputHelper output)
{
    private static async Task<long> PairCountAsync(LoyaltyHostProcess host, string a, string b)
    {
        var rules = JsonDocument.Parse(await host.GetOkAsync("v1/rules?min_support=0&min_confidence=0&limit=1000")).RootElement;
        return rules.EnumerateArray()
            .Where(r => r.GetProperty("antecedent").GetString() == a && r.GetProperty("consequent").GetString() == b)
            .Select(r => r.GetProperty("count").GetInt64()).SingleOrDefault();
    }

    private static async Task<int> NotificationsOfAsync(LoyaltyHostProcess host, string customerId) =>
        JsonDocument.Parse(await host.GetOkAsync("v1/notifications")).RootElement.EnumerateArray()
            .Count(n => n.GetProperty("customer_id").GetString() == customerId);

    private static async Task<int> StatsCustomersAsync(LoyaltyHostProcess host) =>
        JsonDocument.Parse(await host.GetOkAsync("v1/stats/loyalty?bins=4")).RootElement.GetProperty("customers").GetInt32();

    private static (long Rows, long Snapshots) Stored(string dataDir, string customerId)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(dataDir, "journal.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        long Count(string sql)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            cmd.Parameters.AddWithValue("$id", "customer-" + customerId);
            return (long)cmd.ExecuteScalar()!;
        }

        return (Count("select count(*) from journal where persistence_id = $id"), Count("select count(*) from snapshot where persistence_id = $id"));
    }

    [Fact]
    public async Task An_erased_customer_leaves_only_a_tombstone_in_the_journal_and_nothing_in_the_aggregates()
    {
        await using var host = await LoyaltyHostProcess.StartAsync(output, new Dictionary<string, string>
        {
            ["Loyalty__Customers__SnapshotEvery"] = "2", // so that there is a snapshot to delete too
            // a receiver that never answers: the reward's delivery stays in the outbox, listed by GET /v1/notifications
            ["Loyalty__Notifications__Webhooks__0__Url"] = "http://127.0.0.1:9/hook",
            ["Loyalty__Notifications__Webhooks__0__Secret"] = "whsec_" + Convert.ToBase64String(new byte[24]),
        });
        await host.PostAcceptedAsync(
        [
            Purchase("g-1", "gone", "2026-10-01T10:00:00Z", "o-1", new SentLine("A", "x", 1, 5m), new SentLine("B", "x", 1, 5m), new SentLine("TV", "tv", 1, 1000m)),
            Purchase("g-2", "gone", "2026-10-02T10:00:00Z", "o-2", new SentLine("A", "x", 1, 5m), new SentLine("C", "y", 1, 5m)),
            View("g-3", "gone", "2026-10-03T10:00:00Z", "C", 3),
            Purchase("s-1", "stays", "2026-10-01T11:00:00Z", "o-9", new SentLine("A", "x", 2, 5m), new SentLine("B", "x", 1, 5m)),
        ]);
        await AggregatorPoll.UntilAsync(() => PairCountAsync(host, "A", "B"), n => n == 2, TimeSpan.FromSeconds(60), "A=>B counted twice");
        await AggregatorPoll.UntilAsync(() => StatsCustomersAsync(host), n => n == 2, TimeSpan.FromSeconds(60), "two customers in the statistics");
        // crossing 1,000 points issued voucher-10: the notification outbox holds the customer too
        await AggregatorPoll.UntilAsync(() => NotificationsOfAsync(host, "gone"), n => n == 1, TimeSpan.FromSeconds(60), "the reward notification in the outbox");

        using (var erase = await host.Http.DeleteAsync("v1/customers/gone"))
        {
            var body = await erase.Content.ReadAsStringAsync();
            host.AssertStatus(HttpStatusCode.OK, erase.StatusCode, body);
            Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("events_deleted").GetInt64() >= 3, body);
            Assert.Equal(1, JsonDocument.Parse(body).RootElement.GetProperty("other_records_deleted").GetInt32());
        }

        Assert.Equal(HttpStatusCode.NotFound, await host.GetProfileStatusAsync("gone"));
        Assert.Equal(0, await NotificationsOfAsync(host, "gone"));
        await AggregatorPoll.UntilAsync(() => PairCountAsync(host, "A", "B"), n => n == 1, TimeSpan.FromSeconds(60), "A=>B counted once");
        Assert.Equal(0, await PairCountAsync(host, "A", "C"));
        await AggregatorPoll.UntilAsync(() => StatsCustomersAsync(host), n => n == 1, TimeSpan.FromSeconds(60), "one customer left in the statistics");
        using (var again = await host.Http.DeleteAsync("v1/customers/gone"))
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);

        await host.StopAsync();
        Assert.Equal((1L, 0L), Stored(host.DataDir, "gone")); // the tombstone, which carries nothing about the customer
        await host.StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, await host.GetProfileStatusAsync("gone"));
        Assert.Equal(1, await PairCountAsync(host, "A", "B"));
        Assert.Equal(1, (await host.GetProfileAsync("stays")).GetProperty("orders").GetInt32());
    }
}
