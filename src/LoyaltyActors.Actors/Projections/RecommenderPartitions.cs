using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using LoyaltyActors.Domain.Recommendations;
using LoyaltyActors.Storage;

namespace LoyaltyActors.Actors.Projections;

/// <summary>
/// Asks the recommender's partitions and merges their answers into the answer of one whole model (the same rules,
/// similar items, recommendations and counts; see <see cref="SkuPartition"/>): rules from every partition, merged by
/// lift and limited; similar items from the owner of the SKU alone; recommendations from every partition's
/// <see cref="CoPurchaseEvidence"/>; the status summed or taken from one. Used by the <see cref="RecommenderRouter"/> live
/// and by the offline commands over loaded projections.
/// </summary>
public static class RecommenderPartitions
{
    /// <summary>True for the queries the recommender answers.</summary>
    public static bool Handles(object query) => query is GetRules or GetSimilarItems or GetRecommendations or GetRecommenderStatus;

    /// <summary>
    /// The merged answer to <paramref name="query"/> (one <see cref="Handles"/> accepts) from <paramref name="partitions"/>
    /// partitions, partition i asked through <paramref name="ask"/>(i, query).
    /// </summary>
    public static async Task<object> AnswerAsync(object query, int partitions, Func<int, object, Task<object>> ask)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        switch (query)
        {
            case GetRules q:
            {
                var parts = await AskAll<RulesResult>(q);
                return new RulesResult(CoOccurrenceModel.MergeRules(parts.Select(p => p.Rules), q.Limit), parts[0].Orders);
            }

            case GetSimilarItems q:
                return (SimilarItemsResult)await ask(SkuPartition.Of(q.Sku, partitions), q);

            case GetRecommendations q:
            {
                var parts = await AskAll<CoPurchaseEvidence>(new GetCoPurchases(q.Recent, q.Bought, q.Limit));
                return new RecommendationsResult(CoOccurrenceModel.MergeRecommendations(q.Recent, parts, q.Limit));
            }

            case GetRecommenderStatus:
            {
                var parts = await AskAll<RecommenderStatus>(query);
                var first = parts[0];
                return first with
                {
                    DistinctPairs = parts.Sum(p => p.DistinctPairs),
                    EventsConsumed = parts.Min(p => p.EventsConsumed),
                    Partitions = partitions,
                };
            }

            default:
                throw new ArgumentException($"the recommender does not answer {query.GetType().Name}", nameof(query));
        }

        async Task<T[]> AskAll<T>(object q) =>
            (await Task.WhenAll(Enumerable.Range(0, partitions).Select(i => ask(i, q)))).Cast<T>().ToArray();
    }

    /// <summary>Answers from projections held in memory (offline commands), partition i at index i.</summary>
    public static object Answer(IReadOnlyList<RecommenderProjection> projections, object query) =>
        AnswerAsync(query, projections.Count, (i, q) => Task.FromResult(
            projections[i].Answer(q) ?? throw new InvalidOperationException($"{projections[i].Name} does not answer {q.GetType().Name}")))
            .GetAwaiter().GetResult();

    /// <summary>
    /// Applies every journal event after the partitions' least offset to each of them, reading the journal once (each
    /// skips what it already has); for offline commands. True when any of them consumed an event.
    /// </summary>
    public static async Task<bool> CatchUpAsync(IReadOnlyList<RecommenderProjection> projections, ActorSystem system, CancellationToken cancellationToken = default)
    {
        var before = projections.Select(p => p.Offset).ToArray();
        await JournalEvents.CurrentCustomerEvents(system, projections.Min(p => p.Offset))
            .RunForeach(e =>
            {
                foreach (var p in projections) p.Apply(e);
            }, system.Materializer());
        cancellationToken.ThrowIfCancellationRequested();
        return projections.Where((p, i) => p.Offset != before[i]).Any();
    }

    /// <summary>Every partition of <paramref name="settings"/>, each loaded from <paramref name="store"/> (or empty).</summary>
    public static IReadOnlyList<RecommenderProjection> Load(ModelStore store, RecommenderSettings settings, Action<string>? log = null) =>
        Enumerable.Range(0, settings.Partitions)
            .Select(i => RecommenderProjection.Load(store, settings, new SkuPartition(i, settings.Partitions), log))
            .ToArray();
}

/// <summary>
/// The recommender's front: registered as the recommender aggregator, it fans each query out to the partition actors
/// (each a <see cref="ProjectionActor"/> over one <see cref="RecommenderProjection"/>) and replies with the merged answer,
/// without waiting in its own mailbox: queries run concurrently. The partitions follow the journal independently, so
/// just after new events a merged answer may mix partitions a few events apart; once they have caught up, it is exactly
/// the whole model's.
/// </summary>
public sealed class RecommenderRouter : ReceiveActor
{
    public RecommenderRouter(IReadOnlyList<IActorRef> partitions, TimeSpan patience)
    {
        ReceiveAny(query =>
        {
            if (!RecommenderPartitions.Handles(query))
            {
                Unhandled(query);
                return;
            }

            RecommenderPartitions.AnswerAsync(query, partitions.Count, (i, q) => partitions[i].Ask<object>(q, patience))
                .PipeTo(Sender, failure: ex => new Status.Failure(ex));
        });
    }

    public static Props Props(IReadOnlyList<IActorRef> partitions, TimeSpan? patience = null) =>
        Akka.Actor.Props.Create(() => new RecommenderRouter(partitions, patience ?? TimeSpan.FromSeconds(10)));
}
