using Akka.Actor;
using Akka.Hosting;
using LoyaltyActors.Actors.Customers;
using LoyaltyActors.Actors.Hosting;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Clv;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using LoyaltyActors.Domain.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;

namespace LoyaltyActors.Ingress.Http;

/// <summary>
/// <c>GET /v1/customers/{id}/explain</c>: why the profile's scores are what they are — the loyalty logit and the
/// behaviour score term by term, the distances to every segment centroid, and the evidence behind each recommendation.
/// </summary>
public static class ExplainEndpoints
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static IEndpointRouteBuilder MapExplainEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/customers/{id}/explain", ExplainAsync);
        return app;
    }

    private static async Task<IResult> ExplainAsync(string id, string? as_of, HttpContext http,
        IRequiredActor<CustomerRegion> customers, ActorRegistry registry, IngressOptions options, ActorSystem system)
    {
        if (http.RequestServices.GetService(typeof(CustomerSettings)) is not CustomerSettings settings)
            return Results.Problem("this node has no customer settings to explain scores with", statusCode: 503, title: "Unavailable");
        Instant? asOf = null;
        if (as_of is not null)
        {
            asOf = WireFormat.ParseAsOf(as_of);
            if (asOf is null)
                return Results.Problem($"as_of: '{as_of}' is not an ISO-8601 instant (2026-11-20T10:15:00Z) or date (2026-11-20)",
                    statusCode: 400, title: "Invalid query parameter", extensions: new Dictionary<string, object?> { ["field"] = "as_of" });
        }

        // The profile standardises with the population statistics of the moment it is built; explain with the same ones
        // (the segment aggregator republishes them at most about once a minute, so one retry is enough).
        CustomerProfile? profile = null;
        PopulationStats population = settings.Population.Current;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            population = settings.Population.Current;
            var reply = await customers.ActorRef.Ask<ProfileResult>(new GetProfile(id, asOf), options.WriteTimeout, http.RequestAborted);
            profile = reply.Profile;
            if (profile is null || ReferenceEquals(population, settings.Population.Current)) break;
        }

        if (profile is null)
            return Results.Problem($"no events are recorded for customer '{id}'", statusCode: 404, title: "Unknown customer");

        var loyalty = ScoreExplanations.Loyalty(profile, settings.Scoring.Loyalty);
        var behavior = ScoreExplanations.Behavior(profile, settings.Scoring, population);
        var segment = asOf is null ? await SegmentAsync(id, registry) : null;
        var recommendations = await RecommendationsAsync(id, customers.ActorRef, registry);
        var points = await PointsAsync(system, id, profile.AsOf);
        return Results.Json(new
        {
            customer_id = id,
            as_of = profile.AsOf,
            loyalty = new
            {
                formula = "loyalty = σ(a·L1 + b·L2 + c·L3 + bias), L1 = orders / FrequencyScale, L2 = net spend / SpendScale, L3 = variety / VarietyScale",
                terms = loyalty.Terms.Select(t => new
                {
                    term = t.Name, feature = t.Feature, raw = t.Raw, scale = t.Scale, input = t.Input, weight = t.Weight, contribution = t.Contribution,
                }),
                bias = loyalty.Bias,
                logit = loyalty.Logit,
                loyalty = loyalty.Loyalty,
                profile_loyalty = profile.Loyalty,
            },
            behavior = new
            {
                formula = "behavior_score = Σ weight · (log1p(feature) − population mean) / population std; preference = σ(r · (behavior_score − μ))",
                terms = behavior.Terms.Select(t => new
                {
                    feature = t.Feature, raw = t.Raw, log1p = t.Log1p, population_mean = t.PopulationMean, population_std = t.PopulationStdDev,
                    standardised = t.Standardised, weight = t.Weight, contribution = t.Contribution,
                }),
                behavior_score = behavior.Score,
                profile_behavior_score = profile.BehaviorScore,
                population_behavior_mean = behavior.PopulationMean,
                steepness = behavior.Steepness,
                preference = behavior.Preference,
            },
            points,
            segment,
            recommendations,
        }, LoyaltyJson.Options);
    }

    /// <summary>
    /// Every points change of the customer's own journal up to <paramref name="asOf"/>, by the rule and version that
    /// produced it: earned by earning rule (base or category bonus), rule version and tier; reversed by returns under the
    /// purchase's version; redeemed; expired under the expiry rule's version. earned − reversed − redeemed − expired is
    /// the balance.
    /// </summary>
    private static async Task<object> PointsAsync(ActorSystem system, string id, Instant asOf)
    {
        var earned = new Dictionary<(string Rule, int Version, string Tier), long>();
        var reversed = new Dictionary<int, long>();
        var expired = new Dictionary<int, long>();
        long redeemed = 0;
        await JournalEvents.ReadJournal(system)
            .CurrentEventsByPersistenceId(CustomerActor.PersistencePrefix + id, 0, long.MaxValue)
            .RunForeach(envelope =>
            {
                switch (envelope.Event)
                {
                    case CustomerEvent e when e.OccurredAt > asOf:
                        break;
                    case PurchaseRecorded p:
                        foreach (var line in p.Lines)
                            earned[(line.Rule, p.RuleVersion, p.Tier)] = earned.GetValueOrDefault((line.Rule, p.RuleVersion, p.Tier)) + line.Points;
                        break;
                    case ReturnRecorded r:
                        reversed[r.RuleVersion] = reversed.GetValueOrDefault(r.RuleVersion) + r.Points;
                        break;
                    case PointsRedeemed d:
                        redeemed += d.Points;
                        break;
                    case PointsExpired x:
                        expired[x.RuleVersion] = expired.GetValueOrDefault(x.RuleVersion) + x.Points;
                        break;
                }
            }, Akka.Streams.ActorMaterializer.Create(system));
        return new
        {
            formula = "balance = Σ earned − Σ reversed − redeemed − Σ expired",
            earned = earned.OrderBy(e => e.Key.Version).ThenBy(e => e.Key.Rule, StringComparer.Ordinal)
                .Select(e => new { rule = e.Key.Rule, rule_version = e.Key.Version, tier = e.Key.Tier, points = e.Value }),
            reversed = reversed.OrderBy(r => r.Key).Select(r => new { rule_version = r.Key, points = r.Value }),
            redeemed,
            expired = expired.OrderBy(x => x.Key).Select(x => new { rule_version = x.Key, points = x.Value }),
            balance = earned.Values.Sum() - reversed.Values.Sum() - redeemed - expired.Values.Sum(),
        };
    }

    /// <summary>
    /// The customer's standardised vector as the segment model clusters it and its Euclidean distance to each centroid
    /// in that space; the segment is the nearest centroid. Null when aggregators do not run here or the customer is not clustered.
    /// </summary>
    private static async Task<object?> SegmentAsync(string id, ActorRegistry registry)
    {
        if (!registry.TryGet<SegmentsAggregator>(out var aggregator)) return null;
        var model = await aggregator.Ask<SegmentsResult>(GetSegments.Instance, Patience);
        var export = await aggregator.Ask<ExportSegmentsResult>(ExportSegments.Instance, Patience);
        var row = export.Rows.FirstOrDefault(r => string.Equals(r.CustomerId, id, StringComparison.Ordinal));
        if (row.CustomerId is null) return null;
        var distances = model.Segments
            .Select(s => (s.Id, s.Label, Distance: Math.Sqrt(export.Features.Select((f, i) => Math.Pow(row.Vector[i] - s.StandardisedCentroid[f], 2)).Sum())))
            .OrderBy(d => d.Distance)
            .ToList();
        var nearest = distances[0];
        var runnerUp = distances.Count > 1 ? distances[1] : (Id: -1, Label: "", Distance: double.NaN);
        return new
        {
            segment = row.Segment,
            nearest = nearest.Label,
            why = distances.Count > 1
                ? $"'{nearest.Label}' has the nearest centroid ({nearest.Distance:F3}) in the standardised space; next is '{runnerUp.Label}' ({runnerUp.Distance:F3})"
                : $"'{nearest.Label}' is the only segment",
            vector = export.Features.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => row.Vector[x.i]),
            distances = distances.Select(d => new { id = d.Id, label = d.Label, distance = d.Distance }),
        };
    }

    private static async Task<object?> RecommendationsAsync(string id, IActorRef customers, ActorRegistry registry)
    {
        if (!registry.TryGet<RecommenderAggregator>(out var recommender)) return null;
        var bought = await customers.Ask<PurchasedItemsResult>(new GetPurchasedItems(id), Patience);
        var r = await recommender.Ask<RecommendationsResult>(new GetRecommendations(bought.Recent, bought.Bought, 10), Patience);
        return new { based_on = bought.Recent, items = r.Items };
    }
}
