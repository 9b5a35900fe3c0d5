using System.Net;
using Xunit;
using Xunit.Abstractions;
using static LoyaltyActors.Host.Tests.WireEvents;

namespace LoyaltyActors.Host.Tests;

public sealed class AggregatorsDisabledTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_ingest_only_node_answers_model_queries_503_and_still_serves_profiles()
    {
        await using var host = await LoyaltyHostProcess.StartAsync(output, new Dictionary<string, string>
        {
            ["Loyalty__Aggregators__Enabled"] = "false",
        });
        await host.PostAcceptedAsync([Purchase("n-1", "n-1", "2026-01-01T10:00:00Z", "o-1", new SentLine("A", "books", 1, 5m))]);

        foreach (var path in new[] { "/v1/segments", "/v1/rules?min_support=0.1&min_confidence=0.1", "/v1/items/A/similar", "/v1/customers/n-1/recommendations" })
        {
            using var response = await host.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        var profile = await host.GetProfileAsync("n-1");
        Assert.Equal(1, profile.GetProperty("orders").GetInt32());
        await host.StopAsync();
        // the program's timers keep their index in models.db; no aggregator model may be there
        using var models = new LoyaltyActors.Storage.ModelStore(Path.Combine(host.DataDir, "models.db"));
        Assert.Null(models.OffsetOf("segments"));
        Assert.Null(models.OffsetOf("recommender"));
        Assert.NotNull(models.OffsetOf("wake-ups"));
    }
}
