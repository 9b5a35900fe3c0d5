using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary>Hostile bodies on <c>POST /v1/events</c>: each bad event is refused alone, the good ones persist, reasons are counted.</summary>
public sealed class HttpHostileInputTests(TcpHost fixture) : IClassFixture<TcpHost>
{
    private LoyaltyHostProcess Host => fixture.Host;

    [Fact]
    public async Task Huge_numbers_NaN_unknown_fields_and_a_foreign_currency_in_one_body_cost_only_their_own_events()
    {
        var before = await CountsAsync();
        var unknownFields = View("h1-extra", "h1-cust", "2025-02-01T00:00:00Z", "sku", 1);
        unknownFields["loyalty_card"] = new JsonObject { ["chip"] = true, ["tracks"] = new JsonArray("a", 2, null) };
        var pounds = Purchase("h1-gbp", "h1-cust", "2025-02-01T00:00:00Z", "h1-o1", new SentLine("s", "c", 1, 1m));
        pounds["currency"] = "GBP";
        // unit_price 1.10m is written as 1.10 (decimal keeps its scale).
        var good = Purchase("h1-good", "h1-cust", "2025-02-01T00:00:00Z", "h1-o2", new SentLine("s", "c", 3, 1.10m)).ToJsonString();

        Assert.Contains("\"unit_price\":1.10}", good);
        var answer = await Host.PostEventsAsync(Ndjson(
        [
            good,
            good.Replace("h1-good", "h1-nan").Replace("h1-o2", "h1-o3").Replace("\"unit_price\":1.10", "\"unit_price\":NaN"),
            good.Replace("h1-good", "h1-big").Replace("h1-o2", "h1-o4").Replace("\"qty\":3", "\"qty\":123456789012345678901234567890"),
            good.Replace("h1-good", "h1-price").Replace("h1-o2", "h1-o5").Replace("\"unit_price\":1.10", "\"unit_price\":1e308"),
            pounds.ToJsonString(),
            unknownFields.ToJsonString(),
        ]));

        Host.AssertStatus((HttpStatusCode)207, answer.Status, answer.Body);
        Assert.Equal(["accepted", "rejected", "rejected", "rejected", "rejected", "accepted"], answer.Results.Select(r => r.Status));
        var profile = await Host.GetProfileAsync("h1-cust");
        Assert.Equal(1, profile.GetProperty("orders").GetInt32());
        Assert.Equal(3.30m, profile.GetProperty("monetary_total").GetDecimal());
        Assert.Equal(1, profile.GetProperty("views").GetInt32());

        var after = await CountsAsync();
        Assert.Equal(2, after["accepted"] - before["accepted"]);
        Assert.Equal(4, after["rejected"] - before["rejected"]);
        Assert.Equal(1, after["invalid_json"] - before["invalid_json"]);
        Assert.Equal(2, after["invalid_event"] - before["invalid_event"]);
        Assert.Equal(1, after["currency"] - before["currency"]);
    }

    [Fact]
    public async Task Wrong_content_type_answers_415_and_is_counted()
    {
        var series = MetricsScrape.Rejected("http", "unsupported_media_type");
        var before = await MetricsScrape.ValueAsync(Host, series);

        using var response = await Host.Http.PostAsync("v1/events",
            new StringContent(View("h2", "h2-cust", "2025-02-01T00:00:00Z", "sku", 1).ToJsonString(), Encoding.UTF8, "application/x-www-form-urlencoded"));

        Host.AssertStatus(HttpStatusCode.UnsupportedMediaType, response.StatusCode, await response.Content.ReadAsStringAsync());
        Assert.Equal(before + 1, await MetricsScrape.ValueAsync(Host, series));
        Assert.Equal(HttpStatusCode.NotFound, await Host.GetProfileStatusAsync("h2-cust"));
    }

    private async Task<Dictionary<string, double>> CountsAsync() => new()
    {
        ["accepted"] = await MetricsScrape.ValueAsync(Host, MetricsScrape.Events("http", "accepted")),
        ["rejected"] = await MetricsScrape.ValueAsync(Host, MetricsScrape.Events("http", "rejected")),
        ["invalid_json"] = await MetricsScrape.ValueAsync(Host, MetricsScrape.Rejected("http", "invalid_json")),
        ["invalid_event"] = await MetricsScrape.ValueAsync(Host, MetricsScrape.Rejected("http", "invalid_event")),
        ["currency"] = await MetricsScrape.ValueAsync(Host, MetricsScrape.Rejected("http", "currency")),
    };
}
