using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;
using LoyaltyActors.Domain.Customers;
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
/// The live recommender: one child actor per SKU partition (each folding its own <see cref="RecommenderProjection"/>, so
/// the pair counting of the partitions runs concurrently, and saving it with its own offset every N events, every T
/// seconds and when stopped), fed by one journal stream: each batch is read and deserialised once and handed to every
/// partition, and the next batch is read when all of them have applied it (back-pressure; each skips what it already
/// has, so partitions resumed from different offsets share the stream from the least of them). It fans each query out
/// to the partitions and replies with the merged answer without waiting in its own mailbox, so queries run
/// concurrently. Partitions apply a batch at their own pace, so just after new events a merged answer may mix
/// partitions one batch apart; once they have caught up, it is exactly the whole model's.
/// </summary>
public sealed class RecommenderRouter : ReceiveActor, IWithTimers
{
    /// <summary>How long the feed waits for every partition to apply one batch before it restarts.</summary>
    private static readonly TimeSpan FeedPatience = TimeSpan.FromMinutes(2);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef[] _partitions;
    private long _fedUpTo;
    private UniqueKillSwitch? _feed;
    private ActorMaterializer? _materializer;

    /// <summary>
    /// This actor's own materializer, made once: its supervisor is a child, started as it is made. The system's
    /// materializer, while its supervisor had not started yet, materialised with a blocking Ask on a pool thread.
    /// </summary>
    private ActorMaterializer Materializer => _materializer ??= Context.Materializer();

    public RecommenderRouter(IReadOnlyList<RecommenderProjection> projections, ModelStore store, ProjectionSettings settings, TimeSpan patience)
    {
        // Before any batch is fed, the projections' offsets are the saved ones: the feed starts after the least.
        _fedUpTo = projections.Min(p => p.Offset);
        _partitions = projections
            .Select(p => Context.ActorOf(Akka.Actor.Props.Create(() => new RecommenderPartitionActor(p, store, settings)), $"partition-{p.Partition}"))
            .ToArray();

        Receive<Fed>(f => _fedUpTo = f.Offset);
        Receive<FeedFailed>(f =>
        {
            _log.Error(f.Cause, "The recommender lost its journal stream after offset {0}; restarting it in 1 s", _fedUpTo);
            Timers.StartSingleTimer("feed", RestartFeed.Instance, TimeSpan.FromSeconds(1));
        });
        Receive<RestartFeed>(_ => StartFeed());
        Receive<FeedCompleted>(_ => { });
        ReceiveAny(query =>
        {
            if (!RecommenderPartitions.Handles(query))
            {
                Unhandled(query);
                return;
            }

            var partitions = _partitions;
            RecommenderPartitions.AnswerAsync(query, partitions.Length, (i, q) => partitions[i].Ask<object>(q, patience))
                .PipeTo(Sender, failure: ex => new Status.Failure(ex));
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IReadOnlyList<RecommenderProjection> partitions, ModelStore store, ProjectionSettings settings, TimeSpan? patience = null) =>
        Akka.Actor.Props.Create(() => new RecommenderRouter(partitions, store, settings, patience ?? TimeSpan.FromSeconds(10)));

    protected override void PreStart() => StartFeed();

    protected override void PostStop() => _feed?.Shutdown(); // the children save when they stop

    private void StartFeed()
    {
        _feed?.Shutdown();
        var partitions = _partitions;
        _feed = JournalEvents.LiveCustomerEventBatches(Context.System, _fedUpTo, 1000)
            .SelectAsync(1, async batch =>
            {
                var message = FeedBatch.Of(batch as IReadOnlyList<JournalEvent> ?? batch.ToList());
                await Task.WhenAll(partitions.Select(p => p.Ask<BatchApplied>(message, FeedPatience)));
                return new Fed(message.Events[^1].Offset);
            })
            .ViaMaterialized(KillSwitches.Single<Fed>(), Keep.Right)
            .To(Sink.ActorRef<Fed>(Self, FeedCompleted.Instance, ex => new FeedFailed(ex)))
            .Run(Materializer);
    }

    private sealed record Fed(long Offset);

    private sealed record FeedFailed(Exception Cause);

    private sealed class FeedCompleted
    {
        public static readonly FeedCompleted Instance = new();
    }

    private sealed class RestartFeed
    {
        public static readonly RestartFeed Instance = new();
    }
}

/// <summary>
/// A batch of journal events for every recommender partition (shared, read-only), with each purchase's distinct SKUs
/// and each order's memo key worked out once for all of them (<see cref="OrderSkus"/>, null where the event is not a
/// purchase; <see cref="OrderKeys"/>, null where it is neither a purchase nor a return): partitions then neither repeat
/// that work nor each keep their own copy of the SKUs and keys in their order memos.
/// </summary>
internal sealed record FeedBatch(IReadOnlyList<JournalEvent> Events, string[]?[] OrderSkus, string?[] OrderKeys)
{
    public static FeedBatch Of(IReadOnlyList<JournalEvent> events)
    {
        var skus = new string[]?[events.Count];
        var keys = new string?[events.Count];
        for (var i = 0; i < skus.Length; i++)
        {
            var e = events[i];
            if (e.Event is PurchaseRecorded p)
            {
                skus[i] = RecommenderProjection.OrderSkus(p);
                keys[i] = RecommenderProjection.OrderKey(e.CustomerId, p.OrderId);
            }
            else if (e.Event is ReturnRecorded r)
            {
                keys[i] = RecommenderProjection.OrderKey(e.CustomerId, r.OrderId);
            }
        }

        return new FeedBatch(events, skus, keys);
    }
}

/// <summary>A partition has applied a <see cref="FeedBatch"/>.</summary>
internal sealed class BatchApplied
{
    public static readonly BatchApplied Instance = new();
}

/// <summary>
/// One recommender partition: applies the batches the <see cref="RecommenderRouter"/> feeds it, answers queries about
/// its partition from memory, and saves its model with its offset every N events, every T seconds and when stopped.
/// </summary>
internal sealed class RecommenderPartitionActor : ReceiveActor, IWithTimers
{
    private readonly RecommenderProjection _projection;
    private readonly ModelStore _store;
    private readonly ProjectionSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _appliedSinceSave;

    public RecommenderPartitionActor(RecommenderProjection projection, ModelStore store, ProjectionSettings settings)
    {
        _projection = projection;
        _store = store;
        _settings = settings;
        Receive<FeedBatch>(batch =>
        {
            for (var i = 0; i < batch.Events.Count; i++) _projection.Apply(batch.Events[i], batch.OrderSkus[i], batch.OrderKeys[i]);
            _appliedSinceSave += batch.Events.Count;
            if (_appliedSinceSave >= _settings.SaveEveryEvents) Save();
            Sender.Tell(BatchApplied.Instance);
        });
        Receive<SaveNow>(_ =>
        {
            if (_appliedSinceSave > 0) Save();
        });
        ReceiveAny(query =>
        {
            if (_projection.Answer(query) is { } answer) Sender.Tell(answer);
            else Unhandled(query);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Timers.StartPeriodicTimer("save", SaveNow.Instance, _settings.SaveEvery);

    protected override void PostStop() => Save();

    private void Save()
    {
        try
        {
            _projection.Save(_store);
            _log.Info("Saved projection {0} at offset {1} ({2} events consumed)", _projection.Name, _projection.Offset, _projection.EventsConsumed);
        }
        catch (Exception ex)
        {
            // The journal still has every event; the next save (or a restart from the older snapshot) catches up.
            _log.Warning(ex, "Saving projection {0} at offset {1} failed", _projection.Name, _projection.Offset);
        }

        _appliedSinceSave = 0;
    }

    private sealed class SaveNow
    {
        public static readonly SaveNow Instance = new();
    }
}
