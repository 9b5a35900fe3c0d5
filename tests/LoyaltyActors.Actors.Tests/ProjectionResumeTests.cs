using System.Collections.Immutable;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Storage;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Actors.Tests;

/// <summary>A projection saved and reloaded half-way must end exactly where an uninterrupted one ends.</summary>
public sealed class ProjectionResumeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "loyalty-projection-tests", Guid.NewGuid().ToString("N"));

    public static TheoryData<int> Cuts => [1, 137, 1_000, 2_999];

    [Theory]
    [MemberData(nameof(Cuts))]
    public void Segments_resumed_from_a_snapshot_equal_an_uninterrupted_run(int cut)
    {
        var settings = new SegmentSettings(K: 4, MinCustomersToSeed: 20, SweepEveryEvents: 250);
        var events = History(3_000);
        var whole = SegmentsProjection.Empty(settings);
        foreach (var e in events) whole.Apply(e);

        var resumed = Resume(events, cut, () => SegmentsProjection.Empty(settings), store => SegmentsProjection.Load(store, settings));
        Assert.Equal(whole.Offset, resumed.Offset);
        Assert.Equal(whole.EventsConsumed, resumed.EventsConsumed);
        Assert.Equal(Saved(whole), Saved(resumed));
    }

    [Theory]
    [MemberData(nameof(Cuts))]
    public void Recommender_resumed_from_a_snapshot_equals_an_uninterrupted_run(int cut)
    {
        var settings = new RecommenderSettings(MaxPairsPerOrder: 3);
        var events = History(3_000);
        var whole = RecommenderProjection.Empty(settings);
        foreach (var e in events) whole.Apply(e);

        var resumed = Resume(events, cut, () => RecommenderProjection.Empty(settings), store => RecommenderProjection.Load(store, settings));
        Assert.Equal(whole.EventsConsumed, resumed.EventsConsumed);
        Assert.Equal(Saved(whole), Saved(resumed));
    }

    [Fact]
    public void Segments_answer_the_same_whatever_order_the_journal_interleaved_the_customers_in()
    {
        // A clean replay writes customers' events in another interleaving than a crashed-and-resumed one.
        var settings = new SegmentSettings(K: 5, MinCustomersToSeed: 20, SweepEveryEvents: 400);
        var events = History(3_000);
        var shuffled = Interleave(events, seed: 99);
        Assert.NotEqual(events.Select(e => e.Event.EventId), shuffled.Select(e => e.Event.EventId));

        var a = SegmentsProjection.Empty(settings);
        foreach (var e in events) a.Apply(e);
        var b = SegmentsProjection.Empty(settings);
        foreach (var e in shuffled) b.Apply(e);

        var ra = (SegmentsResult)a.Answer(GetSegments.Instance)!;
        var rb = (SegmentsResult)b.Answer(GetSegments.Instance)!;
        Assert.Equal(ra.Segments.Select(x => (x.Label, x.Size)), rb.Segments.Select(x => (x.Label, x.Size)));
        Assert.Equal(ra.Inertia, rb.Inertia, 9);
        foreach (var id in events.Select(e => e.CustomerId).Distinct())
            Assert.Equal(((CustomerSegmentResult)a.Answer(new GetCustomerSegment(id))!).Segment,
                ((CustomerSegmentResult)b.Answer(new GetCustomerSegment(id))!).Segment);
    }

    /// <summary>The same per-customer histories, interleaved differently, with fresh journal offsets.</summary>
    private static List<JournalEvent> Interleave(List<JournalEvent> events, int seed)
    {
        var random = new Random(seed);
        var queues = events.GroupBy(e => e.CustomerId).Select(g => new Queue<JournalEvent>(g)).ToList();
        var result = new List<JournalEvent>(events.Count);
        while (queues.Count > 0)
        {
            var i = random.Next(queues.Count);
            var next = queues[i].Dequeue();
            result.Add(next with { Offset = result.Count + 1 });
            if (queues[i].Count == 0) queues.RemoveAt(i);
        }

        return result;
    }

    [Fact]
    public void Events_at_or_before_the_offset_are_not_counted_again()
    {
        var events = History(500);
        var projection = RecommenderProjection.Empty(new RecommenderSettings());
        foreach (var e in events) projection.Apply(e);
        var once = Saved(projection);
        foreach (var e in events) projection.Apply(e);
        Assert.Equal(once, Saved(projection));
        Assert.Equal(events.Count, projection.EventsConsumed);
    }

    private T Resume<T>(IReadOnlyList<JournalEvent> events, int cut, Func<T> empty, Func<ModelStore, T> load) where T : JournalProjection
    {
        var first = empty();
        using (var store = new ModelStore(Path.Combine(_dir, $"{typeof(T).Name}-{cut}.db")))
        {
            foreach (var e in events.Take(cut)) first.Apply(e);
            first.Save(store);
        }

        using var reopened = new ModelStore(Path.Combine(_dir, $"{typeof(T).Name}-{cut}.db"));
        var resumed = load(reopened);
        // The host restarts the stream after the saved offset, but a replayed overlap must be harmless too.
        foreach (var e in events.Skip(Math.Max(0, cut - 10))) resumed.Apply(e);
        return resumed;
    }

    private string Saved(JournalProjection projection)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".db");
        using var store = new ModelStore(path);
        projection.Save(store);
        return projection switch
        {
            SegmentsProjection => System.Text.Json.JsonSerializer.Serialize(store.Load<SegmentsProjection.Snapshot>(projection.Name)!.Model),
            RecommenderProjection => System.Text.Json.JsonSerializer.Serialize(store.Load<RecommenderProjection.Snapshot>(projection.Name)!.Model),
            _ => throw new ArgumentOutOfRangeException(nameof(projection)),
        };
    }

    /// <summary>Purchases, some full and partial returns, views and reviews of 300 customers, in journal order.</summary>
    internal static List<JournalEvent> History(int count)
    {
        var random = new Random(7);
        var start = Instant.FromUtc(2024, 1, 1, 0, 0);
        var events = new List<JournalEvent>(count);
        var orders = new List<(string Customer, string Order, ImmutableArray<PurchasedLine> Lines)>();
        var seq = new Dictionary<string, long>();
        for (var offset = 1; events.Count < count; offset++)
        {
            var customer = $"c-{random.Next(300)}";
            var at = start + Duration.FromHours(offset);
            seq[customer] = seq.GetValueOrDefault(customer) + 1;
            CustomerEvent e;
            var roll = random.Next(10);
            if (roll < 6 || orders.Count == 0)
            {
                var lines = Enumerable.Range(0, 1 + random.Next(5))
                    .Select(i => new PurchasedLine($"sku-{random.Next(40)}", $"cat-{random.Next(6)}", 1 + random.Next(3), 1 + random.Next(50), 0))
                    .ToImmutableArray();
                var orderId = $"o-{offset}";
                orders.Add((customer, orderId, lines));
                e = new PurchaseRecorded($"e-{offset}", at, orderId, "web", lines, 1);
            }
            else if (roll < 8)
            {
                var (owner, orderId, lines) = orders[random.Next(orders.Count)];
                customer = owner;
                seq[customer] = seq.GetValueOrDefault(customer) + 1;
                var full = random.Next(2) == 0;
                var returned = lines.Select((l, i) => new ReturnedLine(i, l.Sku, full ? l.Qty : 1, l.UnitPrice * (full ? l.Qty : 1), 0)).ToImmutableArray();
                e = new ReturnRecorded($"e-{offset}", at, orderId, "store", returned);
            }
            else if (roll == 8) e = new ItemViewed($"e-{offset}", at, $"sku-{random.Next(40)}", 5);
            else e = new ReviewPosted($"e-{offset}", at, $"sku-{random.Next(40)}", 1 + random.Next(5));

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
