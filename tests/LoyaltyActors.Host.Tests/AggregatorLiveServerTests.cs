using System.Globalization;
using System.Net;
using System.Text.Json;
using LoyaltyActors.Tests;
using Xunit;
using Xunit.Abstractions;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// The aggregators running live in <c>loyalty serve</c>: data replayed into the server with <c>replay --to</c>, then
/// CONTRACT <c>GET /v1/segments</c>, <c>/v1/rules</c>, <c>/v1/items/{sku}/similar</c>,
/// <c>/v1/customers/{id}/recommendations</c> and the profile's <c>segment</c>.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class AggregatorLiveServerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task Segments_follow_a_replay_into_the_server_and_profiles_carry_their_segment()
    {
        var sample = TestData.Require("cdnow-lifetimes/CDNOW_sample.txt");
        await using var host = await LoyaltyHostProcess.StartAsync(output);

        var replay = await LoyaltyHostProcess.RunCliAsync(null, "replay", sample, "--format", "cdnow-sample", "--to", host.BaseAddress.ToString());
        output.WriteLine(replay.ToString());
        Assert.Equal(new ReplayReport(6919, 6919, 0, 0, 6919, 6919, 0, 0), ReplayReport.Of(replay));

        var model = await AggregatorPoll.UntilAsync(host.GetSegmentsAsync, m => m.EventsConsumed == 6919, CatchUp,
            "GET /v1/segments events_consumed = 6,919", m => m.EventsConsumed > 6919, () => host.Log);
        model.AssertWellFormed(2357);

        var labels = model.Segments.Select(s => s.Label).ToHashSet(StringComparer.Ordinal);
        foreach (var id in new[] { "0001", "0006", "2357" })
        {
            var profile = await host.GetProfileAsync(id);
            var segment = profile.GetProperty("segment");
            Assert.True(segment.ValueKind == JsonValueKind.String && labels.Contains(segment.GetString()!),
                $"customer {id} should be in one of the segments [{string.Join(", ", labels)}] once they are seeded: {profile}");
        }

        var unknown = await host.GetAsync("v1/customers/nobody-here");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
    }

    [SkippableFact]
    public async Task Rules_similar_items_and_recommendations_answer_from_groceries_replayed_into_the_server()
    {
        var groceries = TestData.Require("groceries/groceries.csv");
        var counts = BasketCounts.ReadGroceries(groceries);
        await using var host = await LoyaltyHostProcess.StartAsync(output);

        var replay = await LoyaltyHostProcess.RunCliAsync(null, "replay", groceries, "--format", "baskets", "--to", host.BaseAddress.ToString());
        output.WriteLine(replay.ToString());
        Assert.Equal(new ReplayReport(9835, 9835, 0, 0, 9835, 9835, 0, 0), ReplayReport.Of(replay));

        // An unknown customer gets the most popular items, each scored with its support: whole milk at
        // 2513/9835 only once the recommender has counted every basket.
        var wholeMilk = (double)counts.Item("whole milk") / counts.Baskets;
        var cold = await AggregatorPoll.UntilAsync(() => host.GetOkAsync("v1/customers/nobody-here/recommendations?limit=5"),
            body => Items(body) is [var first, ..] && first.GetProperty("sku").GetString() == "whole milk"
                    && first.GetProperty("score").GetDouble() == wholeMilk,
            CatchUp, $"popularity recommendation whole milk with support {wholeMilk}", context: () => host.Log);
        var popular = Items(cold);
        Assert.Equal(["whole milk", "other vegetables", "rolls/buns", "soda", "yogurt"], popular.Select(i => i.GetProperty("sku").GetString()));
        foreach (var item in popular)
        {
            Assert.Equal("popularity", item.GetProperty("reason").GetString());
            Assert.Empty(item.GetProperty("evidence").EnumerateArray());
            var sku = item.GetProperty("sku").GetString()!;
            Assert.True(BasketCounts.Close(item.GetProperty("score").GetDouble(), (double)counts.Item(sku) / counts.Baskets), $"popularity score of {sku}: {item}");
        }

        Assert.False(JsonDocument.Parse(cold).RootElement.GetProperty("known_customer").GetBoolean());

        await Rules_endpoint_matches_the_recount(host, counts);
        await Similar_items_are_scored_by_lift(host, counts);
        await Recommendations_for_a_basket_customer_leave_out_its_basket_and_show_evidence(host, counts, groceries);
        await Bad_query_parameters_are_400_naming_the_field(host);
    }

    private static async Task Rules_endpoint_matches_the_recount(LoyaltyHostProcess host, BasketCounts counts)
    {
        foreach (var (s, c) in new[] { ("0.006", "0.25"), ("0.001", "0.5"), ("0.01", "0.1") })
        {
            var printed = PrintedRule.ParseJson(await host.GetOkAsync($"v1/rules?min_support={s}&min_confidence={c}&limit=10000"));
            var expected = counts.Rules(decimal.Parse(s, CultureInfo.InvariantCulture), decimal.Parse(c, CultureInfo.InvariantCulture));
            BasketCounts.AssertSameRules(expected, printed, $"GET /v1/rules {s}/{c}");
        }

        var all = PrintedRule.ParseJson(await host.GetOkAsync("v1/rules?min_support=0.006&min_confidence=0.25&limit=10000"));
        Assert.Equal(150, all.Count);
        var top = PrintedRule.ParseJson(await host.GetOkAsync("v1/rules?min_support=0.006&min_confidence=0.25&limit=5"));
        Assert.Equal(all.Take(5), top);
        Assert.Equal(("herbs", "root vegetables", 69L), (top[0].Antecedent, top[0].Consequent, top[0].Count));
    }

    private static async Task Similar_items_are_scored_by_lift(LoyaltyHostProcess host, BasketCounts counts)
    {
        using var doc = JsonDocument.Parse(await host.GetOkAsync("v1/items/herbs/similar?limit=20"));
        var items = doc.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.InRange(items.Count, 1, 20);
        var scores = new List<double>();
        foreach (var item in items)
        {
            var sku = item.GetProperty("sku").GetString()!;
            Assert.NotEqual("herbs", sku);
            Assert.True(counts.Pair("herbs", sku) > 0, $"{sku} is never bought with herbs: {item}");
            var score = item.GetProperty("score").GetDouble();
            Assert.True(BasketCounts.Close(score, counts.Lift("herbs", sku), 1e-9), $"the lift of herbs with {sku} is {counts.Lift("herbs", sku)}: {item}");
            scores.Add(score);
        }

        Assert.True(scores.SequenceEqual(scores.OrderDescending()), $"similar items are not sorted by score: {doc.RootElement}");
        Assert.Contains(items, i => i.GetProperty("sku").GetString() == "root vegetables");

        using var two = JsonDocument.Parse(await host.GetOkAsync("v1/items/whole%20milk/similar?limit=2"));
        Assert.Equal(2, two.RootElement.GetProperty("items").GetArrayLength());

        var unknown = await host.GetAsync("v1/items/no-such-item/similar");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal("application/problem+json", unknown.MediaType);
    }

    private static async Task Recommendations_for_a_basket_customer_leave_out_its_basket_and_show_evidence(
        LoyaltyHostProcess host, BasketCounts counts, string groceries)
    {
        // Basket n is order basket-n of customer basket-n (CONTRACT, replay --format baskets).
        var line = File.ReadLines(groceries).ElementAt(4); // basket-5: other vegetables, whole milk, condensed milk, long life bakery product
        var basket = line.Split(',').Select(i => i.Trim()).Where(i => i.Length > 0).ToHashSet(StringComparer.Ordinal);
        var body = await host.GetOkAsync("v1/customers/basket-5/recommendations?limit=10");
        using var doc = JsonDocument.Parse(body);
        Assert.True(doc.RootElement.GetProperty("known_customer").GetBoolean(), body);
        var items = doc.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(10, items.Count);
        Assert.Equal(10, items.Select(i => i.GetProperty("sku").GetString()).Distinct().Count());

        var coPurchase = 0;
        var previous = double.PositiveInfinity;
        foreach (var item in items)
        {
            var sku = item.GetProperty("sku").GetString()!;
            Assert.False(basket.Contains(sku), $"{sku} is already in the customer's basket [{string.Join(", ", basket)}]: {body}");
            var score = item.GetProperty("score").GetDouble();
            Assert.True(score > 0, $"{sku}: score {score}");
            if (item.GetProperty("reason").GetString() != "co-purchase") continue;
            Assert.True(coPurchase == items.IndexOf(item), $"co-purchase recommendations come first: {body}");
            Assert.True(score <= previous, $"co-purchase recommendations are not sorted by score: {body}");
            previous = score;
            coPurchase++;
            var evidence = item.GetProperty("evidence").EnumerateArray().ToList();
            Assert.NotEmpty(evidence);
            foreach (var e in evidence)
            {
                var because = e.GetProperty("because_of").GetString()!;
                Assert.Contains(because, basket);
                Assert.Equal(counts.Pair(because, sku), e.GetProperty("co_count").GetInt64());
                Assert.True(BasketCounts.Close(e.GetProperty("lift").GetDouble(), counts.Lift(because, sku), 1e-9), $"evidence lift: {e}");
                Assert.True(BasketCounts.Close(e.GetProperty("confidence").GetDouble(), (double)counts.Pair(because, sku) / counts.Item(because), 1e-9),
                    $"evidence confidence: {e}");
            }
        }

        Assert.True(coPurchase > 0, $"a customer with a four-item basket should get co-purchase recommendations: {body}");
    }

    private static async Task Bad_query_parameters_are_400_naming_the_field(LoyaltyHostProcess host)
    {
        (string Uri, string Field)[] cases =
        [
            ("v1/rules?min_support=abc&min_confidence=0.5", "min_support"),
            ("v1/rules?min_support=1.5&min_confidence=0.5", "min_support"),
            ("v1/rules?min_support=-0.1&min_confidence=0.5", "min_support"),
            ("v1/rules?min_confidence=0.5", "min_support"),
            ("v1/rules?min_support=0.01&min_confidence=2", "min_confidence"),
            ("v1/rules?min_support=0.01&min_confidence=0.5&limit=0", "limit"),
            ("v1/rules?min_support=0.01&min_confidence=0.5&limit=ten", "limit"),
            ("v1/items/herbs/similar?limit=-1", "limit"),
            ("v1/customers/basket-5/recommendations?limit=0", "limit"),
        ];
        foreach (var (uri, field) in cases)
        {
            var (status, mediaType, body) = await host.GetAsync(uri);
            Assert.True(status == HttpStatusCode.BadRequest && mediaType == "application/problem+json",
                $"GET {uri}: expected 400 problem+json, got {(int)status} {mediaType}: {body}");
            using var doc = JsonDocument.Parse(body);
            Assert.True(doc.RootElement.TryGetProperty("field", out var f) && f.GetString() == field, $"GET {uri}: expected field '{field}': {body}");
        }
    }

    private static List<JsonElement> Items(string body) =>
        JsonDocument.Parse(body).RootElement.GetProperty("items").EnumerateArray().Select(e => e.Clone()).ToList();
}
