using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Recommendations;
using LoyaltyActors.Storage;

namespace LoyaltyActors.Actors.Projections;

/// <summary>Recommender settings (<c>Loyalty:Recommender:*</c>).</summary>
/// <param name="MaxPairsPerOrder">Pairs counted per order; larger baskets are capped and the cap is reported.</param>
/// <param name="SimilarMinPairCount">Co-purchases needed before two items can be called similar.</param>
/// <param name="Partitions">
/// SKU partitions (≥ 1), each its own projection counting the pairs of its SKUs on its own actor, all fed by one
/// journal stream (see <see cref="SkuPartition"/>, <see cref="RecommenderRouter"/>); 1 = one model.
/// </param>
public sealed record RecommenderSettings(int MaxPairsPerOrder = 1000, long SimilarMinPairCount = 5, int Partitions = RecommenderSettings.DefaultPartitions)
{
    /// <summary>The default of <c>Loyalty:Recommender:Partitions</c>.</summary>
    public const int DefaultPartitions = 4;
}

public sealed record GetRules(double MinSupport, double MinConfidence, int? Limit = null);

public sealed record RulesResult(IReadOnlyList<AssociationRule> Rules, long Orders);

public sealed record GetSimilarItems(string Sku, int Limit, SimilarityMeasure Measure = SimilarityMeasure.Lift);

public sealed record SimilarItemsResult(string Sku, long ItemCount, IReadOnlyList<SimilarItem> Items);

public sealed record GetRecommendations(IReadOnlyList<string> Recent, IReadOnlySet<string> Bought, int Limit);

public sealed record RecommendationsResult(IReadOnlyList<Recommendation> Items);

public sealed class GetRecommenderStatus
{
    public static GetRecommenderStatus Instance { get; } = new();

    private GetRecommenderStatus()
    {
    }
}

/// <summary>
/// The recommender's size. <see cref="DistinctPairs"/> of one partition counts the pairs whose ordinally smaller SKU it
/// owns, so the partitions' figures add up to the whole model's; <see cref="EventsConsumed"/> of several partitions is the
/// least of theirs (every partition reads every event).
/// </summary>
public sealed record RecommenderStatus(long Orders, int DistinctItems, long DistinctPairs, long CappedOrders, long SkippedPairs, long EventsConsumed, int Partitions = 1);

/// <summary>
/// A partition's share of <see cref="GetRecommendations"/> (answered with a <see cref="CoPurchaseEvidence"/>): merged
/// over the partitions by <see cref="CoOccurrenceModel.MergeRecommendations"/>.
/// </summary>
public sealed record GetCoPurchases(IReadOnlyList<string> Recent, IReadOnlySet<string> Bought, int Limit);

/// <summary>
/// Exact item and pair counts per order, folded from the journal. A return changes the counts only when it
/// completes the return of its whole order (every unit of every line, over one or several return events):
/// then the order's contribution is removed. A partial return leaves the counts alone — the basket was
/// still bought together — which is the documented rule.
/// <para>
/// One projection is one <see cref="SkuPartition"/> of the recommender: it reads every event and keeps every item count
/// and every order memo, but counts only the pairs of the SKUs it owns. It is saved under its own name
/// (<c>recommender</c> for a single partition, <c>recommender-2of4</c> for partition 2 of 4) with its own offset, so each
/// partition resumes independently. It answers about its partition: the rules whose antecedent it owns, similar items of
/// the SKUs it owns, its <see cref="CoPurchaseEvidence"/>; <see cref="RecommenderPartitions"/> merges the answers.
/// </para>
/// </summary>
public sealed class RecommenderProjection : JournalProjection
{
    public const string ModelName = "recommender";

    private readonly RecommenderSettings _settings;
    private readonly CoOccurrenceModel _model;
    private readonly OrderMemos _orders;

    private RecommenderProjection(RecommenderSettings settings, CoOccurrenceModel model, OrderMemos orders)
    {
        _settings = settings;
        _model = model;
        _orders = orders;
    }

    public override string Name => NameOf(_model.Partition);

    public CoOccurrenceModel Model => _model;

    public SkuPartition Partition => _model.Partition;

    /// <summary>The name partition <paramref name="partition"/> is stored under: <c>recommender</c> or <c>recommender-2of4</c>.</summary>
    public static string NameOf(SkuPartition partition) => partition.IsWhole ? ModelName : $"{ModelName}-{partition}";

    /// <summary>A single-partition (whole) empty model.</summary>
    public static RecommenderProjection Empty(RecommenderSettings settings) => Empty(settings, SkuPartition.Whole);

    public static RecommenderProjection Empty(RecommenderSettings settings, SkuPartition partition) =>
        new(settings, new CoOccurrenceModel(settings.MaxPairsPerOrder, partition), new OrderMemos(0));

    /// <summary>The saved whole model, or an empty one (see the partitioned overload).</summary>
    public static RecommenderProjection Load(ModelStore store, RecommenderSettings settings) => Load(store, settings, SkuPartition.Whole);

    /// <summary>
    /// The saved model of <paramref name="partition"/>, or an empty one, which the host then counts from the journal's first
    /// event: when there is none yet, when it was counted with another pair cap, or when the partition count changed (the
    /// models of the old layout are left alone; they no longer match). Why it starts empty is told to <paramref name="log"/>.
    /// </summary>
    public static RecommenderProjection Load(ModelStore store, RecommenderSettings settings, SkuPartition partition, Action<string>? log = null)
    {
        var name = NameOf(partition);
        var saved = store.Load<Snapshot>(name);
        if (saved is null)
        {
            if (OtherLayout(store, partition.Count) is { } other)
                log?.Invoke($"Loyalty:Recommender:Partitions is {partition.Count} but the saved recommender has {other} partition(s): " +
                            $"{name} is counted afresh from the journal");
            return Empty(settings, partition);
        }

        if (saved.Model.Model.MaxPairsPerOrder != settings.MaxPairsPerOrder)
        {
            log?.Invoke($"Loyalty:Recommender:MaxPairsPerOrder is {settings.MaxPairsPerOrder} but {name} was counted with " +
                        $"{saved.Model.Model.MaxPairsPerOrder}: it is counted afresh from the journal");
            return Empty(settings, partition);
        }

        var s = saved.Model;
        var orders = new OrderMemos(s.OrderKeys.Length);
        for (var i = 0; i < s.OrderKeys.Length; i++) orders[s.OrderKeys[i]] = new OrderMemo(s.OrderSkus[i], s.OrderUnits[i]);
        return new RecommenderProjection(settings, CoOccurrenceModel.FromSnapshot(s.Model), orders)
        {
            Offset = saved.Offset,
            EventsConsumed = s.EventsConsumed,
        };
    }

    /// <summary>The partition count of a saved recommender with another layout, if any (the usual counts are looked for).</summary>
    private static int? OtherLayout(ModelStore store, int partitions)
    {
        if (partitions != 1 && store.OffsetOf(ModelName) is not null) return 1;
        for (var n = 2; n <= 64; n++)
            if (n != partitions && store.OffsetOf(NameOf(new SkuPartition(0, n))) is not null) return n;
        return null;
    }

    /// <summary>A purchase's distinct SKUs, in the order its lines first name them: what one order counts.</summary>
    public static string[] OrderSkus(PurchaseRecorded p)
    {
        if (p.Lines.Length > 16) return p.Lines.Select(l => l.Sku).Distinct(StringComparer.Ordinal).ToArray();
        var skus = new List<string>(p.Lines.Length); // a few lines: a scan is cheaper than a hash set
        foreach (var line in p.Lines)
            if (!skus.Contains(line.Sku, StringComparer.Ordinal)) skus.Add(line.Sku);
        return skus.ToArray();
    }

    private string[]? _givenSkus;
    private string? _givenKey;

    /// <summary>
    /// Applies <paramref name="e"/> with its purchase's <see cref="OrderSkus"/> already worked out (the partitions'
    /// shared batch); the same as <see cref="JournalProjection.Apply"/> otherwise.
    /// </summary>
    public void Apply(JournalEvent e, string[]? orderSkus, string? orderKey = null)
    {
        _givenSkus = orderSkus;
        _givenKey = orderKey;
        try
        {
            Apply(e);
        }
        finally
        {
            _givenSkus = null;
            _givenKey = null;
        }
    }

    protected override void When(string customerId, CustomerEvent e)
    {
        switch (e)
        {
            case PurchaseRecorded p:
            {
                var skus = _givenSkus ?? OrderSkus(p);
                _model.AddOrder(skus);
                var units = 0;
                foreach (var line in p.Lines) units = checked(units + line.Qty);
                _orders[_givenKey ?? OrderKey(customerId, p.OrderId)] = new OrderMemo(skus, units);
                break;
            }

            case CustomerErased:
            {
                // what the customer's orders still contribute goes; their memos are found by the key's customer part
                var prefix = OrderKey(customerId, "");
                foreach (var key in _orders.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
                {
                    _model.RemoveOrder(_orders[key].Skus);
                    _orders.Remove(key);
                }

                break;
            }

            case ReturnRecorded r:
            {
                var key = _givenKey ?? OrderKey(customerId, r.OrderId);
                if (!_orders.TryGetValue(key, out var memo)) break;
                var left = memo.Units;
                foreach (var line in r.Lines) left -= line.Qty;
                if (left > 0)
                {
                    _orders[key] = memo with { Units = left };
                }
                else
                {
                    _model.RemoveOrder(memo.Skus);
                    _orders.Remove(key);
                }

                break;
            }
        }
    }

    /// <summary>
    /// Answers about this partition: the rules whose antecedent it owns, similar items of a SKU it owns (null for another
    /// partition's SKU), recommendations only when it is the whole model, its <see cref="CoPurchaseEvidence"/>, its status.
    /// </summary>
    public override object? Answer(object query) => query switch
    {
        GetRules q => new RulesResult(_model.Rules(q.MinSupport, q.MinConfidence, q.Limit), _model.Orders),
        GetSimilarItems q when Partition.Owns(q.Sku) =>
            new SimilarItemsResult(q.Sku, _model.ItemCount(q.Sku), _model.Similar(q.Sku, q.Limit, q.Measure, _settings.SimilarMinPairCount)),
        GetRecommendations q when Partition.IsWhole => new RecommendationsResult(_model.Recommend(q.Recent, q.Bought, q.Limit)),
        GetCoPurchases q => _model.CoPurchases(q.Recent, q.Bought, q.Limit),
        GetRecommenderStatus => new RecommenderStatus(_model.Orders, _model.DistinctItems, _model.DistinctPairs, _model.CappedOrders,
            _model.SkippedPairs, EventsConsumed, Partition.Count),
        _ => null,
    };

    public override void Save(ModelStore store)
    {
        var s = new Snapshot
        {
            EventsConsumed = EventsConsumed,
            Model = _model.ToSnapshot(),
            OrderKeys = new string[_orders.Count],
            OrderSkus = new string[_orders.Count][],
            OrderUnits = new int[_orders.Count],
        };
        var i = 0;
        // Sorted, so that equal models save equal bytes whatever the history of the dictionary.
        foreach (var (key, memo) in _orders.All.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            s.OrderKeys[i] = key;
            s.OrderSkus[i] = memo.Skus;
            s.OrderUnits[i] = memo.Units;
            i++;
        }

        store.Save(Name, Offset, s);
    }

    /// <summary>The key of an order's memo: the customer and the order id (order ids are unique per customer only).</summary>
    public static string OrderKey(string customerId, string orderId) => customerId + "\u001f" + orderId;

    /// <summary>An order's distinct SKUs and the units not yet returned: a struct, held inline in the dictionary (one memo per order in every partition; an object each was a good part of what the collector traced).</summary>
    private readonly record struct OrderMemo(string[] Skus, int Units);

    /// <summary>
    /// The order memos by key, in <see cref="Shards"/> dictionaries chosen by the key's hash. One dictionary of every
    /// order ever bought grew by doubling arrays of megabytes on the large-object heap (in each partition), which counted
    /// towards full collections of the whole heap; a shard stays small, and its growth is ordinary short-lived garbage.
    /// </summary>
    private sealed class OrderMemos
    {
        private const int Shards = 256;
        private readonly Dictionary<string, OrderMemo>[] _shards = new Dictionary<string, OrderMemo>[Shards];

        public OrderMemos(int capacity)
        {
            for (var i = 0; i < Shards; i++) _shards[i] = new Dictionary<string, OrderMemo>(capacity / Shards, StringComparer.Ordinal);
        }

        public int Count
        {
            get
            {
                var n = 0;
                foreach (var shard in _shards) n += shard.Count;
                return n;
            }
        }

        public OrderMemo this[string key]
        {
            get => Of(key)[key];
            set => Of(key)[key] = value;
        }

        public bool TryGetValue(string key, out OrderMemo memo) => Of(key).TryGetValue(key, out memo);

        public bool Remove(string key) => Of(key).Remove(key);

        public IEnumerable<string> Keys => _shards.SelectMany(s => s.Keys);

        public IEnumerable<KeyValuePair<string, OrderMemo>> All => _shards.SelectMany(s => s);

        private Dictionary<string, OrderMemo> Of(string key) => _shards[(uint)StringComparer.Ordinal.GetHashCode(key) % Shards];
    }

    public sealed class Snapshot
    {
        public long EventsConsumed { get; set; }
        public CoOccurrenceSnapshot Model { get; set; } = new();
        public string[] OrderKeys { get; set; } = [];
        public string[][] OrderSkus { get; set; } = [];
        public int[] OrderUnits { get; set; } = [];
    }
}
