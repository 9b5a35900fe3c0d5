using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LoyaltyActors.Host.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Http.Metadata;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

/// <summary>CONTRACT <c>GET /metrics</c> and <c>GET /openapi/v1.json</c> on the real host process.</summary>
public sealed class OperationsEndpointsTests(ServingHost serving, ITestOutputHelper output) : IClassFixture<ServingHost>
{
    /// <summary>The metric names README's Operations section documents as defined by the engine itself.</summary>
    private static readonly string[] EngineMetrics =
    [
        "loyalty_journal_write_seconds", "loyalty_journal_batch_rows", "loyalty_journal_write_failures_total",
        "loyalty_customer_actors_alive", "loyalty_customer_activations_total", "loyalty_customer_passivations_total",
        "loyalty_notifications_delivered_total", "loyalty_notification_failures_total",
    ];

    [Fact]
    public async Task Metrics_lists_the_documented_series_and_counts_a_journal_write_and_a_woken_customer()
    {
        var host = serving.Host;
        var before = Parse(await host.Http.GetStringAsync("metrics"));
        foreach (var name in EngineMetrics)
            Assert.True(before.Types.ContainsKey(name), $"/metrics has no '# TYPE {name}' line");
        Assert.Equal("histogram", before.Types["loyalty_journal_write_seconds"]);
        Assert.Equal("histogram", before.Types["loyalty_journal_batch_rows"]);
        Assert.Equal("gauge", before.Types["loyalty_customer_actors_alive"]);

        var run = Guid.NewGuid().ToString("N")[..8];
        var answer = await host.PostEventsAsync(Batch(
        [
            Purchase($"m-{run}-1", $"metrics-a-{run}", "2025-03-01T10:00:00Z", $"o-{run}-1", new SentLine("A", "books", 1, 5m)),
            Purchase($"m-{run}-2", $"metrics-b-{run}", "2025-03-01T11:00:00Z", $"o-{run}-2", new SentLine("B", "books", 2, 3m)),
        ]));
        Assert.Equal(2, answer.Accepted);

        var after = Parse(await host.Http.GetStringAsync("metrics"));
        // The acknowledgement came after the journal write, so the write is already counted.
        Assert.True(after.Value("loyalty_journal_batch_rows_sum") >= before.Value("loyalty_journal_batch_rows_sum") + 2,
            $"batch rows: {before.Value("loyalty_journal_batch_rows_sum")} -> {after.Value("loyalty_journal_batch_rows_sum")}");
        Assert.True(after.Value("loyalty_journal_write_seconds_count") > before.Value("loyalty_journal_write_seconds_count"));
        Assert.True(after.Value("loyalty_customer_activations_total") >= before.Value("loyalty_customer_activations_total") + 2);
        Assert.True(after.Value("loyalty_customer_actors_alive") >= 2);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("ten")]
    public async Task Loyalty_histogram_refuses_a_bad_bin_count_naming_the_parameter(string bins)
    {
        using var response = await serving.Host.Http.GetAsync($"v1/stats/loyalty?bins={bins}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("bins", JsonNode.Parse(body)!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task Dashboard_page_and_its_assets_are_served_from_the_host_itself()
    {
        var page = await serving.Host.Http.GetStringAsync("");
        foreach (var testId in new[] { "segments-chart", "loyalty-histogram", "tier-distribution", "rules-table", "notifications-feed" })
            Assert.Contains($"data-testid=\"{testId}\"", page);
        // Every script and stylesheet the page loads is local (no CDN) and answers 200; inline data: URIs (the empty
        // favicon) load nothing.
        var assets = Regex.Matches(page, "(?:src|href)=\"([^\"]+)\"").Select(m => m.Groups[1].Value)
            .Where(a => !a.StartsWith("data:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(assets);
        foreach (var asset in assets)
        {
            Assert.StartsWith("/", asset);
            using var response = await serving.Host.Http.GetAsync(asset.TrimStart('/'));
            Assert.True(response.IsSuccessStatusCode, $"GET {asset}: {(int)response.StatusCode}");
        }

        using var missing = await serving.Host.Http.GetAsync("dashboard/nope.js");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_describes_every_mapped_route_with_a_summary()
    {
        var document = JsonNode.Parse(await serving.Host.Http.GetStringAsync("openapi/v1.json"))!;
        Assert.StartsWith("3.", document["openapi"]!.GetValue<string>());
        var described = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (operation is not JsonObject op || !op.ContainsKey("responses")) continue;
                described.Add(method.ToUpperInvariant() + " " + path);
                Assert.False(string.IsNullOrWhiteSpace(op["summary"]?.GetValue<string>()), $"{method.ToUpperInvariant()} {path} has no summary");
            }
        }

        var mapped = MappedRoutes();
        output.WriteLine("mapped: " + string.Join(", ", mapped.Order()));
        // The contract's endpoints that exist today are among the mapped routes (the comparison is not vacuous).
        foreach (var route in new[] { "POST /v1/events", "GET /v1/segments", "GET /metrics", "GET /openapi/{documentName}.json", "GET /", "GET /v1/stats/loyalty", "GET /v1/stats/tiers" })
            Assert.Contains(route, mapped);
        Assert.Empty(mapped.Except(described).Order());
        Assert.Empty(described.Except(mapped).Order());
    }

    /// <summary>
    /// Every route the server maps, read from the application's own endpoint data sources (the app is built in
    /// this process, not started): "METHOD /path", route constraints dropped; a route with no method is a GET.
    /// </summary>
    private static HashSet<string> MappedRoutes()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "loyalty-host-tests", "openapi-" + Guid.NewGuid().ToString("N"));
        var app = LoyaltyServer.Build(new ServeOptions(dataDir, "http://127.0.0.1:0", null), ConfigLoader.Load(null), NodaTime.SystemClock.Instance);
        try
        {
            var routes = new HashSet<string>(StringComparer.Ordinal);
            foreach (var endpoint in ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
            {
                var path = "/" + Regex.Replace(endpoint.RoutePattern.RawText!.TrimStart('/'), @"\{([^}:=?]+)[^}]*\}", "{$1}");
                var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
                foreach (var method in methods) routes.Add(method + " " + path);
            }

            return routes;
        }
        finally
        {
            ((IDisposable)app).Dispose();
            if (Directory.Exists(dataDir)) Directory.Delete(dataDir, recursive: true);
        }
    }

    private sealed record Scrape(Dictionary<string, string> Types, Dictionary<string, double> Values)
    {
        public double Value(string series) => Values.TryGetValue(series, out var v) ? v : 0;
    }

    /// <summary>The Prometheus text format: <c># TYPE name kind</c> lines and <c>series value</c> samples.</summary>
    private static Scrape Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal)) types[parts[2]] = parts[3];
            else if (!line.StartsWith('#') && parts.Length >= 2)
                values[parts[0]] = double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        }

        return new Scrape(types, values);
    }
}
