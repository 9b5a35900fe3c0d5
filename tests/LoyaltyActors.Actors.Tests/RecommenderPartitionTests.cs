using System.Text.Json;
using LoyaltyActors.Actors.Projections;
using LoyaltyActors.Domain.Recommendations;
using LoyaltyActors.Storage;
using Xunit;

namespace LoyaltyActors.Actors.Tests;

/// <summary>
/// The recommender split into SKU partitions: each partition saved and resumed on its own (each crashed at another
/// point, as independent actors do) must end where an uninterrupted run ends, and the merged answers must be the whole
/// model's; a change of the partition count starts the new partitions afresh and says so.
/// </summary>
public sealed class RecommenderPartitionTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "loyalty-recommender-partition-tests", Guid.NewGuid().ToString("N"));

    public RecommenderPartitionTests() => Directory.CreateDirectory(_dir);

    public static TheoryData<int> PartitionCounts => [1, 3, 4];

    [Theory]
    [InlineData(5)]
    [InlineData(40)] // past the scan: a hash set
    public void A_purchases_order_skus_are_its_distinct_skus_in_first_seen_order(int lines)
    {
        var purchase = new LoyaltyActors.Domain.Customers.PurchaseRecorded("p", NodaTime.Instant.FromUtc(2026, 1, 1, 0, 0), "o", "web",
            [.. Enumerable.Range(0, lines).Select(i => new LoyaltyActors.Domain.Customers.PurchasedLine($"S{(i * 7) % (lines / 2 + 1)}", "c", 1, 1m, 1))], 1);
        var expected = purchase.Lines.Select(l => l.Sku).Distinct(StringComparer.Ordinal).ToArray();
        Assert.True(expected.Length < lines);
        Assert.Equal(expected, RecommenderProjection.OrderSkus(purchase));
    }

    [Theory]
    [MemberData(nameof(PartitionCounts))]
    public void Partitions_fed_shared_batches_answer_what_one_whole_model_answers(int partitions)
    {
        var (settings, events, whole) = WholeModel(partitions);
        var fed = EmptyPartitions(settings);
        foreach (var chunk in events.Chunk(500))
        {
            var batch = FeedBatch.Of(chunk);
            foreach (var p in fed)
                for (var i = 0; i < batch.Events.Count; i++) p.Apply(batch.Events[i], batch.OrderSkus[i], batch.OrderKeys[i]);
        }

        AssertSameAnswers(whole, fed);
    }

    [Theory]
    [MemberData(nameof(PartitionCounts))]
    public void Partitions_saved_at_different_offsets_and_resumed_answer_what_one_uninterrupted_model_answers(int partitions)
    {
        var (settings, events, whole) = WholeModel(partitions);
        var uninterrupted = EmptyPartitions(settings);
        foreach (var e in events)
            foreach (var p in uninterrupted) p.Apply(e);

        // Each partition crashes at its own point, after saving under its own name in the one model store.
        var path = Path.Combine(_dir, $"models-{partitions}.db");
        using (var store = new ModelStore(path))
        {
            var first = RecommenderPartitions.Load(store, settings);
            Assert.All(first, p => Assert.Equal(0, p.Offset));
            for (var i = 0; i < partitions; i++)
            {
                foreach (var e in events.Take(400 + 800 * i)) first[i].Apply(e);
                first[i].Save(store);
            }
        }

        using var reopened = new ModelStore(path);
        var resumed = RecommenderPartitions.Load(reopened, settings);
        for (var i = 0; i < partitions; i++)
        {
            Assert.Equal(events[400 + 800 * i - 1].Offset, resumed[i].Offset);
            Assert.Equal(partitions == 1 ? "recommender" : $"recommender-{i}of{partitions}", resumed[i].Name);
        }

        // The stream restarts from the least offset: the others see events they have already counted, harmlessly.
        foreach (var e in events.Skip(300))
            foreach (var p in resumed) p.Apply(e);

        for (var i = 0; i < partitions; i++)
        {
            Assert.Equal(events.Count, resumed[i].EventsConsumed);
            Assert.Equal(Saved(uninterrupted[i]), Saved(resumed[i]));
        }

        AssertSameAnswers(whole, resumed);
    }

    [Fact]
    public void A_saved_single_model_is_counted_afresh_when_the_partition_count_changes_and_the_change_is_logged()
    {
        var events = ProjectionResumeTests.History(1_000);
        var path = Path.Combine(_dir, "layout.db");
        using var store = new ModelStore(path);
        var single = RecommenderProjection.Empty(new RecommenderSettings(Partitions: 1));
        foreach (var e in events) single.Apply(e);
        single.Save(store);

        var log = new List<string>();
        var four = RecommenderPartitions.Load(store, new RecommenderSettings(Partitions: 4), log.Add);
        Assert.All(four, p => Assert.Equal((0L, 0L), (p.Offset, p.EventsConsumed)));
        Assert.Equal(4, log.Count);
        Assert.All(log, line => Assert.Contains("Loyalty:Recommender:Partitions is 4 but the saved recommender has 1 partition(s)", line));

        // Counted afresh, the four answer what the single one does.
        foreach (var e in events)
            foreach (var p in four) p.Apply(e);
        AssertSameAnswers(single, four);
        foreach (var p in four) p.Save(store);

        // And back: the single model resumes from its own saved offset (it is consistent with it), without a warning.
        log.Clear();
        var back = RecommenderPartitions.Load(store, new RecommenderSettings(Partitions: 1), log.Add);
        Assert.Equal(single.Offset, back[0].Offset);
        Assert.Empty(log);

        // Three partitions find the other layouts and say so.
        RecommenderPartitions.Load(store, new RecommenderSettings(Partitions: 3), log.Add);
        Assert.Equal(3, log.Count);
    }

    /// <summary>The settings for <paramref name="partitions"/>, a history of 3,000 events, and the whole model of it.</summary>
    private static (RecommenderSettings Settings, List<JournalEvent> Events, RecommenderProjection Whole) WholeModel(int partitions)
    {
        var settings = new RecommenderSettings(MaxPairsPerOrder: 6, SimilarMinPairCount: 1, Partitions: partitions);
        var events = ProjectionResumeTests.History(3_000);
        var whole = RecommenderProjection.Empty(settings with { Partitions = 1 });
        foreach (var e in events) whole.Apply(e);
        return (settings, events, whole);
    }

    private static RecommenderProjection[] EmptyPartitions(RecommenderSettings settings) =>
        Enumerable.Range(0, settings.Partitions).Select(i => RecommenderProjection.Empty(settings, new SkuPartition(i, settings.Partitions))).ToArray();

    private static void AssertSameAnswers(RecommenderProjection whole, IReadOnlyList<RecommenderProjection> partitions)
    {
        foreach (var (support, confidence, limit) in new (double, double, int?)[] { (0, 0, null), (0.001, 0.1, null), (0.002, 0.3, 5), (0.0005, 0, 1) })
        {
            var q = new GetRules(support, confidence, limit);
            Assert.Equal(((RulesResult)whole.Answer(q)!).Rules, ((RulesResult)RecommenderPartitions.Answer(partitions, q)).Rules);
        }

        for (var sku = 0; sku < 45; sku++)
        {
            var q = new GetSimilarItems($"sku-{sku}", 10, sku % 2 == 0 ? SimilarityMeasure.Lift : SimilarityMeasure.Cosine);
            Assert.Equal(Json(whole.Answer(q)), Json(RecommenderPartitions.Answer(partitions, q)));
        }

        for (var c = 0; c < 40; c++)
        {
            string[] recent = [$"sku-{c}", $"sku-{(c * 7) % 40}", $"sku-{(c * 13) % 41}"];
            var q = new GetRecommendations(recent, new HashSet<string>([$"sku-{(c * 3) % 40}", .. recent], StringComparer.Ordinal), 1 + c % 12);
            Assert.Equal(Json(whole.Answer(q)), Json(RecommenderPartitions.Answer(partitions, q)));
        }

        var status = (RecommenderStatus)whole.Answer(GetRecommenderStatus.Instance)!;
        Assert.Equal(status with { Partitions = partitions.Count },
            (RecommenderStatus)RecommenderPartitions.Answer(partitions, GetRecommenderStatus.Instance));
        Assert.True(status.DistinctPairs > 0);
    }

    private static string Json(object? value) => JsonSerializer.Serialize(value);

    private string Saved(RecommenderProjection projection)
    {
        using var store = new ModelStore(Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".db"));
        projection.Save(store);
        return JsonSerializer.Serialize(store.Load<RecommenderProjection.Snapshot>(projection.Name)!.Model);
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
