using System.Globalization;
using Akka.Actor;
using Akka.Hosting;
using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Actors.Projections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LoyaltyActors.Ingress.Http;

/// <summary>Population statistics for the dashboard, answered from the stats aggregator's in-memory model.</summary>
public static class StatsEndpoints
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public const int DefaultBins = 10;
    public const int MaxBins = 1000;

    public static IEndpointRouteBuilder MapStatsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/stats/loyalty", GetLoyaltyAsync)
            .WithTags("Dashboard")
            .WithSummary("Loyalty-score histogram")
            .WithDescription($"Customers with at least one event, binned by loyalty score L in [0, 1] into `bins` equal-width bins (default {DefaultBins}, at most {MaxBins}; the last bin includes 1): "
                             + "{\"customers\":n,\"bins\":[{\"from\":0.0,\"to\":0.1,\"customers\":k},…]}. 503 on a node without aggregators.");
        app.MapGet("/v1/stats/tiers", GetTiersAsync)
            .WithTags("Dashboard")
            .WithSummary("Customers per tier")
            .WithDescription("{\"customers\":n,\"tiers\":[{\"tier\":\"base\",\"customers\":n},…]}: every customer with at least one event, by current tier (base first). 503 on a node without aggregators.");
        return app;
    }

    private static async Task<IResult> GetLoyaltyAsync(string? bins, ActorRegistry registry)
    {
        if (!registry.TryGet<StatsAggregator>(out var stats)) return Disabled();
        var n = DefaultBins;
        if (bins is not null && !(int.TryParse(bins, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n is >= 1 and <= MaxBins))
            return Results.Problem($"bins: must be a whole number from 1 to {MaxBins}, not '{bins}'", statusCode: 400, title: "Invalid query parameter",
                extensions: new Dictionary<string, object?> { ["field"] = "bins" });
        var r = await stats.Ask<LoyaltyHistogramResult>(new GetLoyaltyHistogram(n), Patience);
        return Results.Json(new
        {
            customers = r.Customers,
            bins = r.Bins.Select(b => new { from = b.From, to = b.To, customers = b.Customers }),
        }, LoyaltyJson.Options);
    }

    private static async Task<IResult> GetTiersAsync(ActorRegistry registry)
    {
        if (!registry.TryGet<StatsAggregator>(out var stats)) return Disabled();
        var r = await stats.Ask<TierDistributionResult>(GetTierDistribution.Instance, Patience);
        return Results.Json(new
        {
            customers = r.Customers,
            tiers = r.Tiers.Select(t => new { tier = t.Tier, customers = t.Customers }),
        }, LoyaltyJson.Options);
    }

    private static IResult Disabled() =>
        Results.Problem("this node runs no aggregators (Loyalty:Aggregators:Enabled = false)", statusCode: 503, title: "Aggregators disabled");
}
