using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Host.Tests;

/// <summary>GET /v1/customers/{id}/explain against the profile of the same server: every term adds up to the scores shown.</summary>
public sealed class ExplainEndpointTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Explanation_terms_add_up_to_the_profile_scores_and_the_segment_is_the_nearest_centroid()
    {
        await using var host = await LoyaltyHostProcess.StartAsync(output,
            new Dictionary<string, string> { ["Loyalty__Segments__MinCustomersToSeed"] = "10" });
        var events = new JsonArray();
        for (var i = 0; i < 30; i++)
        {
            var (x, y) = i < 15 ? ("A", "B") : ("C", "D");
            for (var n = 0; n <= i % 4; n++)
                events.Add(WireEvents.Purchase($"e-{i}-{n}", $"c{i:00}", $"2026-0{1 + n}-1{i % 10}T10:00:00Z", $"o-{i}-{n}",
                    new SentLine(x, "cat-" + x, 1, 10 + i), new SentLine(y, "cat-" + y, 2, 3.5m)));
        }

        events.Add(WireEvents.Purchase("t-1", "T", "2026-03-01T09:00:00Z", "t-o1", new SentLine("A", "cat-A", 1, 10m)));
        events.Add(WireEvents.Purchase("t-2", "T", "2026-04-01T09:00:00Z", "t-o2", new SentLine("E", "cat-E", 3, 5m)));
        events.Add(WireEvents.View("t-3", "T", "2026-04-02T09:00:00Z", "B", 30));
        events.Add(JsonNode.Parse("""{"event_id":"t-4","type":"review","customer_id":"T","occurred_at":"2026-04-03T09:00:00Z","sku":"E","rating":4}""")!);
        using (var response = await host.Http.PostAsync("v1/events", new StringContent(events.ToJsonString(), System.Text.Encoding.UTF8, "application/json")))
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var segments = await AggregatorPoll.UntilAsync(host.GetSegmentsAsync, s => s.EventsConsumed >= events.Count,
            TimeSpan.FromSeconds(60), "segments consumed every event", context: () => host.Log);

        // Recency moves with the clock: profile and explanation at one fixed instant compare exactly.
        const string at = "as_of=2026-06-01T00:00:00Z";
        var profile = JsonDocument.Parse(await host.GetOkAsync("v1/customers/T?" + at)).RootElement;
        var explain = JsonDocument.Parse(await host.GetOkAsync("v1/customers/T/explain?" + at)).RootElement;
        output.WriteLine(explain.ToString());

        // Loyalty: the shipped weights (a 1, b 1, c 0.5, bias −2; scales 5, 500, 5) on 2 orders, 25 spent, 2 categories.
        var loyalty = explain.GetProperty("loyalty");
        var terms = loyalty.GetProperty("terms").EnumerateArray().ToList();
        Assert.Equal(["a·L1", "b·L2", "c·L3"], terms.Select(t => t.GetProperty("term").GetString()));
        Assert.Equal([1 * 2 / 5.0, 1 * 25 / 500.0, 0.5 * 2 / 5.0], terms.Select(t => Math.Round(t.GetProperty("contribution").GetDouble(), 12)));
        var logit = terms.Sum(t => t.GetProperty("contribution").GetDouble()) + loyalty.GetProperty("bias").GetDouble();
        Assert.Equal(logit, loyalty.GetProperty("logit").GetDouble(), 1e-12);
        Assert.Equal(1 / (1 + Math.Exp(-(0.4 + 0.05 + 0.2 - 2))), profile.GetProperty("loyalty").GetDouble(), 1e-12);
        Assert.Equal(1 / (1 + Math.Exp(-logit)), profile.GetProperty("loyalty").GetDouble(), 1e-12);

        // Behaviour: each term is weight × (log1p(raw) − mean) / std, and they sum to the profile's behavior_score.
        var behavior = explain.GetProperty("behavior");
        var bterms = behavior.GetProperty("terms").EnumerateArray().ToList();
        Assert.Equal(["frequency", "monetary", "variety", "views", "reviews", "recency"], bterms.Select(t => t.GetProperty("feature").GetString()));
        foreach (var t in bterms)
        {
            var std = t.GetProperty("population_std").GetDouble();
            var centred = Math.Log(1 + t.GetProperty("raw").GetDouble()) - t.GetProperty("population_mean").GetDouble();
            var z = std > 1e-12 ? centred / std : centred; // a feature the same for everyone is only centred
            Assert.Equal(z, t.GetProperty("standardised").GetDouble(), 1e-12);
            Assert.Equal(t.GetProperty("weight").GetDouble() * z, t.GetProperty("contribution").GetDouble(), 1e-9);
        }

        Assert.NotEqual(0.0, bterms[0].GetProperty("population_mean").GetDouble()); // the population was published, not the neutral one
        Assert.Equal(profile.GetProperty("behavior_score").GetDouble(), bterms.Sum(t => t.GetProperty("contribution").GetDouble()), 1e-9);

        // Segment and recommendations are current (an as-of explanation has no segment, like the as-of profile).
        Assert.Equal(JsonValueKind.Null, explain.GetProperty("segment").ValueKind);
        var current = JsonDocument.Parse(await host.GetOkAsync("v1/customers/T/explain")).RootElement;
        var currentProfile = JsonDocument.Parse(await host.GetOkAsync("v1/customers/T")).RootElement;
        Assert.Equal(current.GetProperty("behavior").GetProperty("behavior_score").GetDouble(),
            current.GetProperty("behavior").GetProperty("terms").EnumerateArray().Sum(t => t.GetProperty("contribution").GetDouble()), 1e-12);

        // Segment: the customer's standardised vector is nearest to its own segment's centroid.
        var segment = current.GetProperty("segment");
        var vector = segment.GetProperty("vector");
        var distances = segments.Segments.ToDictionary(s => s.Label, s => Math.Sqrt(SegmentsBody.Features.Sum(f =>
            Math.Pow(vector.GetProperty(f).GetDouble() - s.Raw.GetProperty("standardised_centroid").GetProperty(f).GetDouble(), 2))));
        foreach (var d in segment.GetProperty("distances").EnumerateArray())
            Assert.Equal(distances[d.GetProperty("label").GetString()!], d.GetProperty("distance").GetDouble(), 1e-9);
        var nearest = distances.MinBy(d => d.Value).Key;
        Assert.Equal(nearest, segment.GetProperty("nearest").GetString());
        Assert.Equal(nearest, segment.GetProperty("segment").GetString());
        Assert.Equal(nearest, currentProfile.GetProperty("segment").GetString());

        // Recommendations: B, bought with A in every order of the first 15 customers, because T bought A.
        var top = current.GetProperty("recommendations").GetProperty("items")[0];
        Assert.Equal("B", top.GetProperty("sku").GetString());
        var abOrders = Enumerable.Range(0, 15).Sum(i => i % 4 + 1);
        Assert.Contains(top.GetProperty("evidence").EnumerateArray(), e => e.GetProperty("because_of").GetString() == "A" && e.GetProperty("co_count").GetInt64() == abOrders);
        Assert.Equal(currentProfile.GetProperty("points_balance").GetInt64(), current.GetProperty("points").GetProperty("balance").GetInt64());
    }

    [Fact]
    public async Task Points_are_explained_by_rule_and_version_and_add_up_to_the_balance()
    {
        await using var host = await LoyaltyHostProcess.StartAsync(output, new Dictionary<string, string>
        {
            ["Loyalty__Points__CategoryBonuses__dairy"] = "1",
            ["Loyalty__Points__RuleVersion"] = "3",
        });
        var day = DateTimeOffset.UtcNow.AddDays(-2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await host.PostAcceptedAsync(
        [
            WireEvents.Purchase("p-1", "P", $"{day}T10:00:00Z", "o-1", new SentLine("MILK", "dairy", 2, 10m), new SentLine("BREAD", "bakery", 1, 30m)),
            WireEvents.Return("p-2", "P", $"{day}T11:00:00Z", "o-1", ("MILK", 1)),
            WireEvents.Redeem("p-3", "P", $"{day}T12:00:00Z", 5, "coffee"),
        ]);

        var points = JsonDocument.Parse(await host.GetOkAsync("v1/customers/P/explain")).RootElement.GetProperty("points");
        output.WriteLine(points.ToString());
        // by hand: milk 2 × 10 × (1 + 1 bonus) = 40 under category:dairy, bread 30 under base, both version 3 in tier base;
        // one milk back takes back 20 under version 3; 5 redeemed
        var earned = points.GetProperty("earned").EnumerateArray()
            .Select(e => (e.GetProperty("rule").GetString(), e.GetProperty("rule_version").GetInt32(), e.GetProperty("tier").GetString(), e.GetProperty("points").GetInt64()))
            .ToList();
        Assert.Equal([("base", 3, "base", 30L), ("category:dairy", 3, "base", 40L)], earned);
        var reversed = Assert.Single(points.GetProperty("reversed").EnumerateArray().ToArray());
        Assert.Equal((3, 20L), (reversed.GetProperty("rule_version").GetInt32(), reversed.GetProperty("points").GetInt64()));
        Assert.Equal(5, points.GetProperty("redeemed").GetInt64());
        Assert.Equal(45, points.GetProperty("balance").GetInt64());
        Assert.Equal(45, (await host.GetProfileAsync("P")).GetProperty("points_balance").GetInt64());
    }
}
