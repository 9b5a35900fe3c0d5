using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Recommendations;
using LoyaltyActors.Storage;

namespace LoyaltyActors.Actors.Projections;

/// <summary>Recommender settings (<c>Loyalty:Recommender:*</c>).</summary>
/// <param name="MaxPairsPerOrder">Pairs counted per order; larger baskets are capped and the cap is reported.</param>
/// <param name="SimilarMinPairCount">Co-purchases needed before two items can be called similar.</param>
public sealed record RecommenderSettings(int MaxPairsPerOrder = 1000, long SimilarMinPairCount = 5);

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

public sealed record RecommenderStatus(long Orders, int DistinctItems, long DistinctPairs, long CappedOrders, long SkippedPairs, long EventsConsumed);

/// <summary>
/// Exact item and pair counts per order, folded from the journal. A return changes the counts only when it
/// completes the return of its whole order (every unit of every line, over one or several return events):
/// then the order's contribution is removed. A partial return leaves the counts alone — the basket was
/// still bought together — which is the documented rule.
/// </summary>
public sealed class RecommenderProjection : JournalProjection
{
    public const string ModelName = "recommender";

    private readonly RecommenderSettings _settings;
    private readonly CoOccurrenceModel _model;
    private readonly Dictionary<string, OrderMemo> _orders;

    private RecommenderProjection(RecommenderSettings settings, CoOccurrenceModel model, Dictionary<string, OrderMemo> orders)
    {
        _settings = settings;
        _model = model;
        _orders = orders;
    }

    public override string Name => ModelName;

    public CoOccurrenceModel Model => _model;

    public static RecommenderProjection Empty(RecommenderSettings settings) =>
        new(settings, new CoOccurrenceModel(settings.MaxPairsPerOrder), new(StringComparer.Ordinal));

    /// <summary>The saved model, or an empty one; a model counted with another pair cap is discarded (rebuilt from the journal).</summary>
    public static RecommenderProjection Load(ModelStore store, RecommenderSettings settings)
    {
        var saved = store.Load<Snapshot>(ModelName);
        if (saved is null || saved.Model.Model.MaxPairsPerOrder != settings.MaxPairsPerOrder) return Empty(settings);
        var s = saved.Model;
        var orders = new Dictionary<string, OrderMemo>(s.OrderKeys.Length, StringComparer.Ordinal);
        for (var i = 0; i < s.OrderKeys.Length; i++) orders[s.OrderKeys[i]] = new OrderMemo(s.OrderSkus[i], s.OrderUnits[i]);
        return new RecommenderProjection(settings, CoOccurrenceModel.FromSnapshot(s.Model), orders)
        {
            Offset = saved.Offset,
            EventsConsumed = s.EventsConsumed,
        };
    }

    protected override void When(string customerId, CustomerEvent e)
    {
        switch (e)
        {
            case PurchaseRecorded p:
            {
                var skus = p.Lines.Select(l => l.Sku).Distinct(StringComparer.Ordinal).ToArray();
                _model.AddOrder(skus);
                _orders[Key(customerId, p.OrderId)] = new OrderMemo(skus, p.Lines.Sum(l => l.Qty));
                break;
            }

            case CustomerErased:
            {
                // what the customer's orders still contribute goes; their memos are found by the key's customer part
                var prefix = Key(customerId, "");
                foreach (var key in _orders.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
                {
                    _model.RemoveOrder(_orders[key].Skus);
                    _orders.Remove(key);
                }

                break;
            }

            case ReturnRecorded r when _orders.TryGetValue(Key(customerId, r.OrderId), out var memo):
            {
                var left = memo.Units - r.Lines.Sum(l => l.Qty);
                if (left > 0)
                {
                    _orders[Key(customerId, r.OrderId)] = memo with { Units = left };
                }
                else
                {
                    _model.RemoveOrder(memo.Skus);
                    _orders.Remove(Key(customerId, r.OrderId));
                }

                break;
            }
        }
    }

    public override object? Answer(object query) => query switch
    {
        GetRules q => new RulesResult(_model.Rules(q.MinSupport, q.MinConfidence, q.Limit), _model.Orders),
        GetSimilarItems q => new SimilarItemsResult(q.Sku, _model.ItemCount(q.Sku), _model.Similar(q.Sku, q.Limit, q.Measure, _settings.SimilarMinPairCount)),
        GetRecommendations q => new RecommendationsResult(_model.Recommend(q.Recent, q.Bought, q.Limit)),
        GetRecommenderStatus => new RecommenderStatus(_model.Orders, _model.DistinctItems, _model.DistinctPairs, _model.CappedOrders, _model.SkippedPairs, EventsConsumed),
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
        foreach (var (key, memo) in _orders.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            s.OrderKeys[i] = key;
            s.OrderSkus[i] = memo.Skus;
            s.OrderUnits[i] = memo.Units;
            i++;
        }

        store.Save(ModelName, Offset, s);
    }

    private static string Key(string customerId, string orderId) => customerId + "\u001f" + orderId;

    /// <summary>An order's distinct SKUs and the units not yet returned.</summary>
    private sealed record OrderMemo(string[] Skus, int Units);

    public sealed class Snapshot
    {
        public long EventsConsumed { get; set; }
        public CoOccurrenceSnapshot Model { get; set; } = new();
        public string[] OrderKeys { get; set; } = [];
        public string[][] OrderSkus { get; set; } = [];
        public int[] OrderUnits { get; set; } = [];
    }
}
