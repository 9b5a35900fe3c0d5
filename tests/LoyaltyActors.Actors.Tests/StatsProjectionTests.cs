using System.Collections.Immutable;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Scoring;
using LoyaltyActors.Storage;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Actors.Tests;

/// <summary>The dashboard's statistics: loyalty histogram and tier counts folded from the journal.</summary>
public sealed class StatsProjectionTests : IDisposable
{
    private static readonly LoyaltyWeights Weights = new(A: 1.2, B: 0.8, C: 0.5, Bias: -2.5, FrequencyScale: 4, SpendScale: 300, VarietyScale: 3);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "loyalty-stats-tests", Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(10)]
    [InlineData(100)]
    public void Histogram_counts_every_customer_in_the_bin_of_its_loyalty_score(int bins)
    {
        var events = History(4_000);
        var stats = StatsProjection.Empty(Weights);
        foreach (var e in events) stats.Apply(e);

        var expected = new long[bins];
        foreach (var score in OracleScores(events).Values) expected[Math.Min(bins - 1, (int)Math.Floor(score * bins))]++;

        var result = (LoyaltyHistogramResult)stats.Answer(new GetLoyaltyHistogram(bins))!;
        Assert.Equal(events.Select(e => e.CustomerId).Distinct().Count(), result.Customers);
        Assert.Equal(expected, result.Bins.Select(b => b.Customers));
        Assert.Equal(bins, result.Bins.Count);
        for (var i = 0; i < bins; i++)
        {
            Assert.Equal(i / (double)bins, result.Bins[i].From, 12);
            Assert.Equal((i + 1) / (double)bins, result.Bins[i].To, 12);
        }
    }

    [Fact]
    public void Each_customers_score_is_the_one_its_profile_shows()
    {
        var events = History(2_000);
        var stats = StatsProjection.Empty(Weights);
        foreach (var e in events) stats.Apply(e);
        var oracle = OracleScores(events);

        foreach (var customer in events.GroupBy(e => e.CustomerId))
        {
            var state = CustomerState.Empty.ApplyAll(customer.Select(e => e.Event));
            var profile = CustomerProfileBuilder.Build(customer.Key, state, Instant.FromUtc(2030, 1, 1, 0, 0),
                new ScoringSettings(new BehaviorWeights(), Weights), PopulationStats.Neutral);
            Assert.Equal(oracle[customer.Key], stats.LoyaltyOf(customer.Key)!.Value, 12);
            Assert.Equal(profile.Loyalty, stats.LoyaltyOf(customer.Key)!.Value, 12);
        }
    }

    [Fact]
    public void A_customer_counts_from_its_first_event_of_any_kind_and_starts_in_base()
    {
        var at = Instant.FromUtc(2025, 3, 1, 10, 0);
        var stats = StatsProjection.Empty(Weights);
        stats.Apply(new JournalEvent("viewer", 1, 1, new ItemViewed("v-1", at, "sku-1", 3)));
        stats.Apply(new JournalEvent("buyer", 1, 2, Purchase("p-1", at, "o-1", ("sku-1", "books", 2, 10m))));

        var tiers = (TierDistributionResult)stats.Answer(GetTierDistribution.Instance)!;
        Assert.Equal(2, tiers.Customers);
        Assert.Equal([new TierCount("base", 2)], tiers.Tiers);
        var histogram = (LoyaltyHistogramResult)stats.Answer(new GetLoyaltyHistogram(10))!;
        Assert.Equal(2, histogram.Bins.Sum(b => b.Customers));
    }

    [Fact]
    public void An_empty_model_answers_no_customers_and_the_entry_tier()
    {
        var stats = StatsProjection.Empty(Weights);

        var tiers = (TierDistributionResult)stats.Answer(GetTierDistribution.Instance)!;
        Assert.Equal(0, tiers.Customers);
        Assert.Equal([new TierCount("base", 0)], tiers.Tiers);
        var histogram = (LoyaltyHistogramResult)stats.Answer(new GetLoyaltyHistogram(5))!;
        Assert.Equal(0, histogram.Customers);
        Assert.All(histogram.Bins, b => Assert.Equal(0, b.Customers));
    }

    [Fact]
    public void A_tier_change_moves_the_customer_and_survives_a_save()
    {
        var at = Instant.FromUtc(2025, 3, 1, 10, 0);
        var stats = StatsProjection.Empty(Weights);
        for (var i = 1; i <= 3; i++) stats.Apply(new JournalEvent($"c-{i}", 1, i, Purchase($"p-{i}", at, $"o-{i}", ("sku-1", "books", 1, 10m))));
        stats.RecordTierChange("c-2", "silver");
        stats.RecordTierChange("c-3", "gold");
        stats.RecordTierChange("c-3", "silver");

        var path = Path.Combine(_dir, "tiers.db");
        Directory.CreateDirectory(_dir);
        using (var store = new ModelStore(path)) stats.Save(store);
        using var reopened = new ModelStore(path);
        var loaded = StatsProjection.Load(reopened, Weights);

        foreach (var model in new[] { stats, loaded })
        {
            var tiers = (TierDistributionResult)model.Answer(GetTierDistribution.Instance)!;
            Assert.Equal([new TierCount("base", 1), new TierCount("silver", 2)], tiers.Tiers.Where(t => t.Customers > 0));
            Assert.Equal(3, tiers.Customers);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(555)]
    [InlineData(2_999)]
    public void Resumed_from_a_snapshot_it_answers_as_an_uninterrupted_run(int cut)
    {
        var events = History(3_000);
        var whole = StatsProjection.Empty(Weights);
        foreach (var e in events) whole.Apply(e);

        var path = Path.Combine(_dir, $"resume-{cut}.db");
        Directory.CreateDirectory(_dir);
        var first = StatsProjection.Empty(Weights);
        using (var store = new ModelStore(path))
        {
            foreach (var e in events.Take(cut)) first.Apply(e);
            first.Save(store);
        }

        using var reopened = new ModelStore(path);
        var resumed = StatsProjection.Load(reopened, Weights);
        Assert.Equal(cut, resumed.Offset);
        // An overlap replayed by the stream must be harmless.
        foreach (var e in events.Skip(Math.Max(0, cut - 10))) resumed.Apply(e);

        Assert.Equal(whole.EventsConsumed, resumed.EventsConsumed);
        Assert.Equal(((LoyaltyHistogramResult)whole.Answer(new GetLoyaltyHistogram(50))!).Bins,
            ((LoyaltyHistogramResult)resumed.Answer(new GetLoyaltyHistogram(50))!).Bins);
        foreach (var id in events.Select(e => e.CustomerId).Distinct())
            Assert.Equal(whole.LoyaltyOf(id), resumed.LoyaltyOf(id));
    }

    /// <summary>Loyalty of every customer computed here from the raw events: L = σ(a·orders/FS + b·net/SS + c·variety/VS + bias).</summary>
    private static Dictionary<string, double> OracleScores(IEnumerable<JournalEvent> events)
    {
        var scores = new Dictionary<string, double>();
        foreach (var customer in events.GroupBy(e => e.CustomerId))
        {
            var orders = customer.Count(e => e.Event is PurchaseRecorded);
            var gross = customer.Select(e => e.Event).OfType<PurchaseRecorded>().SelectMany(p => p.Lines).Sum(l => l.Qty * l.UnitPrice);
            var refunded = customer.Select(e => e.Event).OfType<ReturnRecorded>().SelectMany(r => r.Lines).Sum(l => l.Amount);
            var variety = customer.Select(e => e.Event).OfType<PurchaseRecorded>().SelectMany(p => p.Lines)
                .Select(l => l.Category).Where(c => c != "").Distinct().Count();
            var x = Weights.A * orders / Weights.FrequencyScale + Weights.B * (double)(gross - refunded) / Weights.SpendScale
                    + Weights.C * variety / Weights.VarietyScale + Weights.Bias;
            scores[customer.Key] = 1 / (1 + Math.Exp(-x));
        }

        return scores;
    }

    private static PurchaseRecorded Purchase(string eventId, Instant at, string orderId, params (string Sku, string Category, int Qty, decimal Price)[] lines) =>
        new(eventId, at, orderId, "web", lines.Select(l => new PurchasedLine(l.Sku, l.Category, l.Qty, l.Price, 0)).ToImmutableArray(), 1);

    /// <summary>Purchases (some without a category, some large), returns, views and reviews of 400 customers.</summary>
    private static List<JournalEvent> History(int count)
    {
        var random = new Random(11);
        var start = Instant.FromUtc(2024, 1, 1, 0, 0);
        var events = new List<JournalEvent>(count);
        var orders = new List<(string Customer, string Order, ImmutableArray<PurchasedLine> Lines)>();
        var seq = new Dictionary<string, long>();
        for (var offset = 1; events.Count < count; offset++)
        {
            var customer = $"c-{random.Next(400)}";
            var at = start + Duration.FromHours(offset);
            CustomerEvent e;
            var roll = random.Next(10);
            if (roll < 6 || orders.Count == 0)
            {
                var lines = Enumerable.Range(0, 1 + random.Next(4))
                    .Select(_ => new PurchasedLine($"sku-{random.Next(40)}", random.Next(5) == 0 ? "" : $"cat-{random.Next(8)}",
                        1 + random.Next(3), random.Next(4) == 0 ? 150m + random.Next(300) : 1 + random.Next(40), 0))
                    .ToImmutableArray();
                var orderId = $"o-{offset}";
                orders.Add((customer, orderId, lines));
                e = new PurchaseRecorded($"e-{offset}", at, orderId, "web", lines, 1);
            }
            else if (roll < 7)
            {
                var (owner, orderId, lines) = orders[random.Next(orders.Count)];
                customer = owner;
                e = new ReturnRecorded($"e-{offset}", at, orderId, "store",
                    [new ReturnedLine(0, lines[0].Sku, 1, lines[0].UnitPrice, 0)]);
            }
            else if (roll < 9) e = new ItemViewed($"e-{offset}", at, $"sku-{random.Next(40)}", 5);
            else e = new ReviewPosted($"e-{offset}", at, $"sku-{random.Next(40)}", 1 + random.Next(5));

            seq[customer] = seq.GetValueOrDefault(customer) + 1;
            events.Add(new JournalEvent(customer, seq[customer], offset, e));
        }

        return events;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
