using System.Globalization;
using Akka.Actor;
using Akka.Hosting;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Recommendations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LoyaltyActors.Ingress.Http;

/// <summary>Segments and recommendations, answered from the aggregators' in-memory models.</summary>
public static class ModelEndpoints
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static IEndpointRouteBuilder MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/segments", GetSegmentsAsync);
        app.MapGet("/v1/rules", GetRulesAsync);
        app.MapGet("/v1/items/{sku}/similar", GetSimilarAsync);
        app.MapGet("/v1/customers/{id}/recommendations", GetRecommendationsAsync);
        return app;
    }

    private static async Task<IResult> GetSegmentsAsync(ActorRegistry registry)
    {
        if (!registry.TryGet<SegmentsAggregator>(out var segments)) return Disabled();
        var r = await segments.Ask<SegmentsResult>(GetSegments.Instance, Patience);
        return Results.Json(SegmentsBody(r), LoyaltyJson.Options);
    }

    /// <summary>The body of <c>GET /v1/segments</c> and <c>loyalty segments</c>.</summary>
    public static object SegmentsBody(SegmentsResult r) => new
    {
        k = r.K,
        segments = r.Segments.Select(s => new { id = s.Id, label = s.Label, size = s.Size, centroid = s.Centroid, standardised_centroid = s.StandardisedCentroid }),
        events_consumed = r.EventsConsumed,
        customers = r.Customers,
        inertia = r.Inertia,
    };

    private static async Task<IResult> GetRulesAsync(string? min_support, string? min_confidence, string? limit, ActorRegistry registry)
    {
        if (!registry.TryGet<RecommenderAggregator>(out var recommender)) return Disabled();
        if (!TryFraction(min_support, "min_support", out var support, out var error)) return error!;
        if (!TryFraction(min_confidence, "min_confidence", out var confidence, out error)) return error!;
        if (!TryLimit(limit, 100, out var max, out error)) return error!;
        var r = await recommender.Ask<RulesResult>(new GetRules(support, confidence, max), Patience);
        return Results.Json(r.Rules.Select(RuleBody), LoyaltyJson.Options);
    }

    public static object RuleBody(AssociationRule r) => new
    {
        antecedent = r.Antecedent,
        consequent = r.Consequent,
        support = r.Support,
        confidence = r.Confidence,
        lift = r.Lift,
        count = r.Count,
    };

    private static async Task<IResult> GetSimilarAsync(string sku, string? limit, string? measure, ActorRegistry registry)
    {
        if (!registry.TryGet<RecommenderAggregator>(out var recommender)) return Disabled();
        if (!TryLimit(limit, 10, out var max, out var error)) return error!;
        var m = SimilarityMeasure.Lift;
        if (measure is not null && !Enum.TryParse(measure, ignoreCase: true, out m))
            return Problem("measure", $"must be lift or cosine, not '{measure}'");
        var r = await recommender.Ask<SimilarItemsResult>(new GetSimilarItems(sku, max, m), Patience);
        if (r.ItemCount == 0)
            return Results.Problem($"no order holds SKU '{sku}'", statusCode: 404, title: "Unknown item");
        return Results.Json(new { sku = r.Sku, orders = r.ItemCount, measure = m.ToString().ToLowerInvariant(), items = r.Items }, LoyaltyJson.Options);
    }

    private static async Task<IResult> GetRecommendationsAsync(string id, string? limit,
        IRequiredActor<CustomerRegion> customers, ActorRegistry registry)
    {
        if (!registry.TryGet<RecommenderAggregator>(out var recommender)) return Disabled();
        if (!TryLimit(limit, 10, out var max, out var error)) return error!;
        var bought = await customers.ActorRef.Ask<PurchasedItemsResult>(new GetPurchasedItems(id), Patience);
        var r = await recommender.Ask<RecommendationsResult>(new GetRecommendations(bought.Recent, bought.Bought, max), Patience);
        return Results.Json(new
        {
            customer_id = id,
            known_customer = bought.Known,
            based_on = bought.Recent,
            items = r.Items,
        }, LoyaltyJson.Options);
    }

    private static bool TryFraction(string? text, string name, out double value, out IResult? error)
    {
        error = null;
        value = 0;
        if (text is null)
        {
            error = Problem(name, "is required: a number from 0 to 1");
            return false;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value is >= 0 and <= 1) return true;
        error = Problem(name, $"must be a number from 0 to 1, not '{text}'");
        return false;
    }

    private static bool TryLimit(string? text, int fallback, out int value, out IResult? error)
    {
        error = null;
        value = fallback;
        if (text is null) return true;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value is >= 1 and <= 10_000) return true;
        error = Problem("limit", $"must be a whole number from 1 to 10000, not '{text}'");
        return false;
    }

    private static IResult Disabled() =>
        Results.Problem("this node runs no aggregators (Loyalty:Aggregators:Enabled = false)", statusCode: 503, title: "Aggregators disabled");

    private static IResult Problem(string field, string message) =>
        Results.Problem($"{field}: {message}", statusCode: 400, title: "Invalid query parameter",
            extensions: new Dictionary<string, object?> { ["field"] = field });
}
