using System.Collections.Immutable;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using LoyaltyActors.Storage;

namespace LoyaltyActors.Actors.Projections;

/// <summary>The loyalty-score histogram: <c>GET /v1/stats/loyalty?bins=N</c>.</summary>
public sealed record GetLoyaltyHistogram(int Bins);

/// <summary>One bin <c>[From, To)</c> of the loyalty score (the last bin includes 1).</summary>
public sealed record LoyaltyBin(double From, double To, long Customers);

public sealed record LoyaltyHistogramResult(long Customers, IReadOnlyList<LoyaltyBin> Bins);

/// <summary>Customers per tier: <c>GET /v1/stats/tiers</c>.</summary>
public sealed class GetTierDistribution
{
    public static GetTierDistribution Instance { get; } = new();

    private GetTierDistribution()
    {
    }
}

public sealed record TierCount(string Tier, long Customers);

public sealed record TierDistributionResult(long Customers, IReadOnlyList<TierCount> Tiers);

/// <summary>
/// Population statistics for the dashboard, folded from the journal: per customer what the loyalty score
/// needs (orders, net spend, distinct categories; the score itself is
/// <see cref="CustomerProfileBuilder.Loyalty"/>, computed when asked, so it is always the profile's formula with
/// the configured weights) and the customer's tier. A customer counts from its first event of any kind.
/// </summary>
public sealed class StatsProjection : JournalProjection
{
    public const string ModelName = "stats";

    /// <summary>The tier of a customer no tier event has moved.</summary>
    public const string DefaultTier = "base";

    private readonly LoyaltyWeights _weights;
    private readonly Dictionary<string, CustomerStats> _customers;

    private StatsProjection(LoyaltyWeights weights, Dictionary<string, CustomerStats> customers)
    {
        _weights = weights;
        _customers = customers;
    }

    public override string Name => ModelName;

    /// <summary>Customers with at least one event.</summary>
    public int Customers => _customers.Count;

    public static StatsProjection Empty(LoyaltyWeights weights) => new(weights, new(StringComparer.Ordinal));

    /// <summary>The saved model, or an empty one (then it is folded from the journal's first event).</summary>
    public static StatsProjection Load(ModelStore store, LoyaltyWeights weights)
    {
        var saved = store.Load<Snapshot>(ModelName);
        if (saved is null) return Empty(weights);
        var s = saved.Model;
        var customers = new Dictionary<string, CustomerStats>(s.Ids.Length, StringComparer.Ordinal);
        for (var i = 0; i < s.Ids.Length; i++)
            customers[s.Ids[i]] = new CustomerStats(s.Orders[i], s.Spend[i], new HashSet<string>(s.Categories[i], StringComparer.Ordinal), s.Tiers[i]);
        return new StatsProjection(weights, customers) { Offset = saved.Offset, EventsConsumed = s.EventsConsumed };
    }

    protected override void When(string customerId, CustomerEvent e)
    {
        if (e is CustomerErased)
        {
            _customers.Remove(customerId);
            return;
        }

        var c = Customer(customerId);
        switch (e)
        {
            case PurchaseRecorded p:
                c.Orders++;
                c.NetSpend += p.Amount;
                foreach (var line in p.Lines)
                    if (line.Category.Length > 0) c.Categories.Add(line.Category);
                break;
            case ReturnRecorded r:
                c.NetSpend -= r.Amount;
                break;
            case TierChanged t:
                RecordTierChange(customerId, t.To);
                break;
        }
    }

    /// <summary>The customer's tier is now <paramref name="tier"/> (from its <see cref="TierChanged"/> events).</summary>
    public void RecordTierChange(string customerId, string tier) => Customer(customerId).Tier = tier;

    /// <summary>The customer's loyalty score, or null for a customer with no event.</summary>
    public double? LoyaltyOf(string customerId) =>
        _customers.TryGetValue(customerId, out var c) ? Loyalty(c) : null;

    public override object? Answer(object query) => query switch
    {
        GetLoyaltyHistogram q => Histogram(q.Bins),
        GetTierDistribution => Tiers(),
        _ => null,
    };

    private LoyaltyHistogramResult Histogram(int bins)
    {
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "at least one bin");
        var counts = new long[bins];
        foreach (var c in _customers.Values)
        {
            var l = Loyalty(c);
            counts[Math.Clamp((int)Math.Floor(l * bins), 0, bins - 1)]++;
        }

        var result = new LoyaltyBin[bins];
        for (var i = 0; i < bins; i++) result[i] = new LoyaltyBin((double)i / bins, (double)(i + 1) / bins, counts[i]);
        return new LoyaltyHistogramResult(_customers.Count, result);
    }

    private TierDistributionResult Tiers()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal) { [DefaultTier] = 0 };
        foreach (var c in _customers.Values) counts[c.Tier] = counts.GetValueOrDefault(c.Tier) + 1;
        // The entry tier first, then by name (the tier ladder's order is the loyalty program's, not known here).
        var tiers = counts
            .OrderBy(t => t.Key == DefaultTier ? 0 : 1)
            .ThenBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new TierCount(t.Key, t.Value))
            .ToList();
        return new TierDistributionResult(_customers.Count, tiers);
    }

    private double Loyalty(CustomerStats c) =>
        CustomerProfileBuilder.Loyalty(
            CustomerState.Empty with
            {
                Orders = c.Orders,
                GrossSpend = c.NetSpend,
                Categories = c.Categories.Count == 0 ? CustomerState.Empty.Categories : c.Categories.ToImmutableHashSet(StringComparer.Ordinal),
            },
            _weights);

    private CustomerStats Customer(string customerId)
    {
        if (!_customers.TryGetValue(customerId, out var c))
        {
            c = new CustomerStats(0, 0m, new HashSet<string>(StringComparer.Ordinal), DefaultTier);
            _customers[customerId] = c;
        }

        return c;
    }

    public override void Save(ModelStore store)
    {
        var n = _customers.Count;
        var s = new Snapshot
        {
            EventsConsumed = EventsConsumed,
            Ids = new string[n], Orders = new int[n], Spend = new decimal[n], Categories = new string[n][], Tiers = new string[n],
        };
        var i = 0;
        // Sorted, so that equal models save equal bytes whatever the history of the dictionary.
        foreach (var (id, c) in _customers.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            s.Ids[i] = id;
            s.Orders[i] = c.Orders;
            s.Spend[i] = c.NetSpend;
            s.Categories[i] = [.. c.Categories.Order(StringComparer.Ordinal)];
            s.Tiers[i] = c.Tier;
            i++;
        }

        store.Save(ModelName, Offset, s);
    }

    /// <summary>A customer's running loyalty inputs (net spend = purchases − refunds, as the profile's) and tier.</summary>
    private sealed class CustomerStats(int orders, decimal netSpend, HashSet<string> categories, string tier)
    {
        public int Orders { get; set; } = orders;
        public decimal NetSpend { get; set; } = netSpend;
        public HashSet<string> Categories { get; } = categories;
        public string Tier { get; set; } = tier;
    }

    /// <summary>What is saved: every customer's loyalty inputs and tier, with the offset alongside.</summary>
    public sealed class Snapshot
    {
        public long EventsConsumed { get; set; }
        public string[] Ids { get; set; } = [];
        public int[] Orders { get; set; } = [];
        public decimal[] Spend { get; set; } = [];
        public string[][] Categories { get; set; } = [];
        public string[] Tiers { get; set; } = [];
    }
}
