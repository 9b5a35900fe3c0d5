using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary>Post purchases, returns, views and redemptions; read; restart the process; read again.</summary>
public sealed class RestartTests(ITestOutputHelper output)
{
    /// <summary>The profile fields CONTRACT.md requires.</summary>
    private static readonly string[] ContractFields =
    [
        "customer_id", "orders", "first_purchase_at", "last_purchase_at", "recency_days", "monetary_total", "monetary_mean",
        "variety", "returns", "behavior_score", "preference", "loyalty", "points_balance", "tier", "segment",
    ];

    /// <summary>Fields that depend on the wall clock when no as_of is given.</summary>
    private static readonly HashSet<string> ClockDependent =
        ["as_of", "recency_days", "decayed_frequency", "decayed_spend", "behavior_score", "preference"];

    private const string FixedAsOf = "2025-04-01T00:00:00Z";

    [Fact]
    public async Task Profiles_computed_from_the_sent_events_read_the_same_after_a_graceful_restart()
    {
        await using var host = await LoyaltyHostProcess.StartAsync(output, LoyaltyHostProcess.PointsOnly);
        var expected = new Dictionary<string, ExpectedCustomer>
        {
            ["alice"] = new(), ["bob"] = new(), ["carol"] = new(), ["dave"] = new(),
        };

        // alice: two orders on two days (one sent with a +02:00 offset), a partial return, a view, a redemption event.
        SentLine[] a1 = [new("A", "books", 2, 9.99m), new("B", "music", 1, 0.50m)];
        SentLine[] a2 = [new("C", "books", 3, 3.35m)];
        // bob: one order, line H returned in two steps (1 then 3 units), redemption through the redeem endpoint.
        SentLine[] b1 = [new("G", "garden", 1, 120.00m), new("H", "garden", 4, 2.49m)];
        // dave: a fractional price, so points are floored (2.997 → 2).
        SentLine[] d1 = [new("K", "", 3, 0.999m)];

        await host.PostAcceptedAsync(
        [
            Purchase("e-a1", "alice", "2025-03-01T10:00:00Z", "o-a1", a1),
            Purchase("e-a2", "alice", "2025-03-04T09:30:00+02:00", "o-a2", a2),
            Purchase("e-b1", "bob", "2025-03-02T12:00:00Z", "o-b1", b1),
            View("e-c1", "carol", "2025-03-02T12:00:00Z", "G", 3),
            View("e-c2", "carol", "2025-03-03T12:00:00Z", "H", 4.5),
        ]);
        expected["alice"].Purchase("o-a1", "2025-03-01T10:00:00Z", a1);
        expected["alice"].Purchase("o-a2", "2025-03-04T09:30:00+02:00", a2);
        expected["bob"].Purchase("o-b1", "2025-03-02T12:00:00Z", b1);
        expected["carol"].View();
        expected["carol"].View();

        // Returns and redemptions go in a second request: they depend on the orders above.
        await host.PostAcceptedAsync(
        [
            Return("e-a3", "alice", "2025-03-05T10:00:00Z", "o-a1", ("A", 1)),
            View("e-a4", "alice", "2025-03-05T11:00:00Z", "D", 12.5),
            Redeem("e-a5", "alice", "2025-03-06T10:00:00Z", 5, "sticker"),
            Return("e-b2", "bob", "2025-03-03T12:00:00Z", "o-b1", ("H", 1)),
            Return("e-b3", "bob", "2025-03-04T12:00:00Z", "o-b1", ("H", 3)),
        ]);
        await host.PostAcceptedAsync([Purchase("e-d1", "dave", "2025-03-07T00:00:00Z", "o-d1", d1)]);
        expected["alice"].Return("o-a1", ("A", 1));
        expected["alice"].View();
        expected["alice"].Redeem(5);
        expected["bob"].Return("o-b1", ("H", 1));
        expected["bob"].Return("o-b1", ("H", 3));
        expected["dave"].Purchase("o-d1", "2025-03-07T00:00:00Z", d1);

        using (var redeem = await host.Http.PostAsJsonAsync("v1/customers/bob/redeem",
                   new { event_id = "e-b4", points = 50, reward = "voucher-5", occurred_at = "2025-03-08T00:00:00Z" }))
            host.AssertStatus(HttpStatusCode.OK, redeem.StatusCode, await redeem.Content.ReadAsStringAsync());
        expected["bob"].Redeem(50);

        using (var tooMuch = await host.Http.PostAsJsonAsync("v1/customers/bob/redeem",
                   new { event_id = "e-b5", points = 1_000_000, reward = "car" }))
        {
            host.AssertStatus(HttpStatusCode.Conflict, tooMuch.StatusCode, await tooMuch.Content.ReadAsStringAsync());
            Assert.Equal("application/problem+json", tooMuch.MediaType()?.MediaType);
        }

        var before = new Dictionary<string, (string Now, string AsOf, string Summary)>();
        foreach (var (id, customer) in expected)
        {
            var profile = await host.GetProfileAsync(id);
            AssertProfile(id, customer, profile);
            before[id] = (profile.ToString(), await host.GetProfileTextAsync(id, FixedAsOf), await host.GetSummaryTextAsync(id, "2025-03-31"));
        }

        AssertAliceSummary(JsonDocument.Parse(before["alice"].Summary).RootElement);
        Assert.Equal(HttpStatusCode.NotFound, await host.GetProfileStatusAsync("nobody"));

        await host.RestartAsync();

        foreach (var (id, customer) in expected)
        {
            var profile = await host.GetProfileAsync(id);
            AssertProfile(id, customer, profile);
            Assert.Equal(WithoutClockFields(before[id].Now), WithoutClockFields(profile.ToString()));
            Assert.Equal(before[id].AsOf, await host.GetProfileTextAsync(id, FixedAsOf));
            Assert.Equal(before[id].Summary, await host.GetSummaryTextAsync(id, "2025-03-31"));
        }

        Assert.Equal(HttpStatusCode.NotFound, await host.GetProfileStatusAsync("nobody"));
    }

    private static void AssertProfile(string id, ExpectedCustomer expected, JsonElement profile)
    {
        foreach (var field in ContractFields)
            Assert.True(profile.TryGetProperty(field, out _), $"profile of {id} lacks '{field}': {profile}");

        Assert.Equal(id, profile.GetProperty("customer_id").GetString());
        Assert.Equal(expected.Orders, profile.GetProperty("orders").GetInt32());
        Assert.Equal(expected.MonetaryTotal, profile.GetProperty("monetary_total").GetDecimal());
        Assert.Equal(expected.MonetaryMean, profile.GetProperty("monetary_mean").GetDecimal(), 10);
        Assert.Equal(expected.Returns, profile.GetProperty("returns").GetInt32());
        Assert.Equal(expected.Variety, profile.GetProperty("variety").GetInt32());
        Assert.Equal(expected.PointsBalance, profile.GetProperty("points_balance").GetInt64());
        Assert.Equal(expected.Views, profile.GetProperty("views").GetInt32());
        Assert.Equal(expected.FirstPurchaseAt, Instant(profile.GetProperty("first_purchase_at")));
        Assert.Equal(expected.LastPurchaseAt, Instant(profile.GetProperty("last_purchase_at")));
        if (expected.Orders == 0) Assert.Equal(JsonValueKind.Null, profile.GetProperty("recency_days").ValueKind);
        else Assert.True(profile.GetProperty("recency_days").GetDouble() > 0, $"recency_days of {id}: {profile}");
    }

    /// <summary>Purchases on 2025-03-01 and 2025-03-04 (UTC days), observed to 2025-03-31; returns are not purchases.</summary>
    private static void AssertAliceSummary(JsonElement summary)
    {
        Assert.Equal(1, summary.GetProperty("frequency").GetInt32());
        Assert.Equal(3.0, summary.GetProperty("recency").GetDouble());
        Assert.Equal(30.0, summary.GetProperty("T").GetDouble());
        Assert.Equal(10.05m, summary.GetProperty("monetary_value").GetDecimal());
    }

    private static DateTimeOffset? Instant(JsonElement element) =>
        element.ValueKind == JsonValueKind.Null ? null : DateTimeOffset.Parse(element.GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    private static string WithoutClockFields(string profileJson)
    {
        var node = JsonNode.Parse(profileJson)!.AsObject();
        foreach (var field in ClockDependent) node.Remove(field);
        return node.ToJsonString();
    }
}
