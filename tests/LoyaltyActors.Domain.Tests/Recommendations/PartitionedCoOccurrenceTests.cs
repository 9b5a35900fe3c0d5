using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LoyaltyActors.Domain.Recommendations;
using TestData = LoyaltyActors.Tests.TestData;
using Xunit;

namespace LoyaltyActors.Domain.Tests.Recommendations;

/// <summary>
/// A model split into P SKU partitions must answer exactly what one whole model answers: the same rules, similar items
/// and recommendations (the same doubles), and the same counts, whatever the split, the cap and the removals.
/// </summary>
public sealed class PartitionedCoOccurrenceTests
{
    private static CoOccurrenceModel[] Split(IEnumerable<string[]> baskets, int partitions, int cap = 1000)
    {
        var parts = Enumerable.Range(0, partitions).Select(i => new CoOccurrenceModel(cap, new SkuPartition(i, partitions))).ToArray();
        foreach (var basket in baskets)
            foreach (var part in parts) part.AddOrder(basket);
        return parts;
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);

    private static IReadOnlyList<Recommendation> Recommend(CoOccurrenceModel[] parts, string[] recent, IReadOnlySet<string> bought, int limit) =>
        CoOccurrenceModel.MergeRecommendations(recent, parts.Select(p => p.CoPurchases(recent, bought, limit)).ToList(), limit);

    private static IReadOnlyList<SimilarItem> Similar(CoOccurrenceModel[] parts, string sku, int limit, SimilarityMeasure measure, long minPairCount) =>
        parts[SkuPartition.Of(sku, parts.Length)].Similar(sku, limit, measure, minPairCount);

    // ---- Groceries ----

    private static readonly Lazy<(List<string[]> Baskets, CoOccurrenceModel Whole)> Groceries = new(() =>
    {
        var baskets = BasketOracle.ReadBaskets(Path.Combine(TestData.Root, "groceries", "groceries.csv"));
        var whole = new CoOccurrenceModel();
        foreach (var basket in baskets) whole.AddOrder(basket);
        return (baskets, whole);
    });

    public static TheoryData<int> PartitionCounts => [1, 3, 4];

    [SkippableTheory]
    [MemberData(nameof(PartitionCounts))]
    public void Partitioned_Groceries_answer_exactly_what_the_whole_model_answers(int partitions)
    {
        TestData.Require("groceries/groceries.csv");
        var (baskets, whole) = Groceries.Value;
        var parts = Split(baskets, partitions);

        // Every partition holds a share of the pairs, all of them together the whole model's.
        Assert.Equal(whole.DistinctPairs, parts.Sum(p => p.DistinctPairs));
        if (partitions > 1) Assert.All(parts, p => Assert.True(p.DistinctPairs > 0 && p.DistinctPairs < whole.DistinctPairs, $"partition {p.Partition} owns a share"));
        Assert.All(parts, p => Assert.Equal((whole.Orders, whole.DistinctItems), (p.Orders, p.DistinctItems)));

        foreach (var (support, confidence) in new[] { (0.0, 0.0), (0.001, 0.1), (0.006, 0.25), (0.01, 0.5), (0.05, 0.0) })
        {
            foreach (var limit in new int?[] { null, 1, 10, 100 })
            {
                var expected = whole.Rules(support, confidence, limit);
                var merged = CoOccurrenceModel.MergeRules(parts.Select(p => p.Rules(support, confidence, limit)), limit);
                Assert.Equal(expected, merged); // records: the same strings and the very same doubles
            }
        }

        Assert.Equal(150, CoOccurrenceModel.MergeRules(parts.Select(p => p.Rules(0.006, 0.25))).Count); // the published figure

        var skus = whole.Popular(1000).Select(p => p.Sku).ToArray();
        foreach (var sku in skus)
        {
            Assert.Equal(whole.Similar(sku, 10, SimilarityMeasure.Lift, 5), Similar(parts, sku, 10, SimilarityMeasure.Lift, 5));
            Assert.Equal(whole.Similar(sku, 1000, SimilarityMeasure.Cosine, 1), Similar(parts, sku, 1000, SimilarityMeasure.Cosine, 1));
        }

        // Customers: each basket's items as recent purchases, some bought items excluded, some unknown SKUs.
        var random = new Random(partitions);
        for (var i = 0; i < 300; i++)
        {
            var recent = baskets[random.Next(baskets.Count)].Concat(baskets[random.Next(baskets.Count)]).Append("no such item").ToArray();
            var bought = recent.Concat(skus.Where(_ => random.Next(20) == 0)).ToHashSet(StringComparer.Ordinal);
            foreach (var limit in new[] { 1, 10, 200 })
                Assert.Equal(Json(whole.Recommend(recent, bought, limit)), Json(Recommend(parts, recent, bought, limit)));
        }

        Assert.Equal(Json(whole.Recommend([], new HashSet<string>(), 5)), Json(Recommend(parts, [], new HashSet<string>(), 5)));
    }

    [Fact]
    public void A_partition_refuses_questions_only_the_whole_or_another_partition_can_answer()
    {
        var parts = Split([["a", "b", "c", "d", "e", "f"]], 3);
        var notOwner = parts.First(p => !p.Partition.Owns("a"));
        Assert.Throws<ArgumentException>(() => notOwner.Similar("a", 5));
        Assert.Throws<InvalidOperationException>(() => parts[0].Recommend(["a"], new HashSet<string>(), 5));
    }

    [Fact]
    public void The_partition_of_a_sku_is_a_stable_hash()
    {
        // FNV-1a 32 of the UTF-8 bytes, computed independently here: "a" = 0xE40C292C, "whole milk" below.
        Assert.Equal((int)(0xE40C292Cu % 4), SkuPartition.Of("a", 4));
        Assert.Equal((int)(Fnv1a("whole milk") % 7), SkuPartition.Of("whole milk", 7));
        Assert.Equal((int)(Fnv1a("café") % 5), SkuPartition.Of("café", 5));
        Assert.Equal(0, SkuPartition.Of("anything", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SkuPartition(4, 4));

        static uint Fnv1a(string s)
        {
            var h = 2166136261u;
            foreach (var b in System.Text.Encoding.UTF8.GetBytes(s)) h = unchecked((h ^ b) * 16777619u);
            return h;
        }
    }

    // ---- properties ----

    private static readonly string[] Alphabet = ["a", "b", "B", "c", "d", "e", "é", "a b", "z", "0", "milk", "bread"];
    private static readonly int[] Caps = [0, 1, 2, 3, 7, 1000];

    private static Gen<string[]> Basket =>
        from size in Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 4)), (3, Gen.Choose(5, 14)))
        from items in Gen.ArrayOf(Gen.Elements(Alphabet), size)
        select items;

    public sealed record Case(List<string[]> Baskets, List<int> Removed, int Partitions, int Cap)
    {
        public override string ToString() =>
            $"P {Partitions}, cap {Cap}, removed [{string.Join(",", Removed)}], baskets [{string.Join(" | ", Baskets.Select(b => string.Join(",", b)))}]";
    }

    private static Arbitrary<Case> Cases =>
        (from baskets in Gen.ListOf(Basket).Select(b => b.Take(40).ToList())
         from removed in Gen.ListOf(Gen.Choose(0, 39)).Select(r => r.Distinct().ToList())
         from partitions in Gen.Choose(1, 6)
         from cap in Gen.Elements(Caps)
         select new Case(baskets, removed, partitions, cap)).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Any_split_over_partitions_counts_what_one_model_counts() =>
        Prop.ForAll(Cases, c =>
        {
            var whole = new CoOccurrenceModel(c.Cap);
            foreach (var basket in c.Baskets) whole.AddOrder(basket);
            var parts = Split(c.Baskets, c.Partitions, c.Cap);
            foreach (var i in c.Removed.Where(i => i < c.Baskets.Count))
            {
                whole.RemoveOrder(c.Baskets[i]);
                foreach (var part in parts) part.RemoveOrder(c.Baskets[i]);
            }

            // An independent recount of what is left (uncapped): with no cap biting, the counts are the exact supports.
            var left = c.Baskets.Where((_, i) => !c.Removed.Contains(i)).ToList();
            var pairs = BasketOracle.PairCounts(left);
            Assert.Equal(whole.DistinctPairs, parts.Sum(p => p.DistinctPairs));
            foreach (var part in parts)
                Assert.Equal((whole.Orders, whole.DistinctItems, whole.CappedOrders, whole.SkippedPairs),
                    (part.Orders, part.DistinctItems, part.CappedOrders, part.SkippedPairs));

            foreach (var a in Alphabet)
            {
                var owner = parts[SkuPartition.Of(a, c.Partitions)];
                Assert.All(parts, p => Assert.Equal(whole.ItemCount(a), p.ItemCount(a)));
                foreach (var b in Alphabet.Where(b => b != a))
                {
                    Assert.Equal(whole.PairCount(a, b), owner.PairCount(a, b));
                    if (whole.CappedOrders == 0)
                        Assert.Equal(pairs.GetValueOrDefault(string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a)), owner.PairCount(a, b));
                }

                Assert.Equal(Json(whole.Similar(a, 20, SimilarityMeasure.Lift, 1)), Json(owner.Similar(a, 20, SimilarityMeasure.Lift, 1)));
            }

            var merged = CoOccurrenceModel.MergeRules(parts.Select(p => p.Rules(0, 0)));
            Assert.Equal(whole.Rules(0, 0), merged);
            string[] recent = ["a", "milk", "z", "unknown"];
            var bought = new HashSet<string>(["a", "B"], StringComparer.Ordinal);
            Assert.Equal(Json(whole.Recommend(recent, bought, 5, 1)),
                Json(CoOccurrenceModel.MergeRecommendations(recent, parts.Select(p => p.CoPurchases(recent, bought, 5, 1)).ToList(), 5)));

            // Each partition's snapshot restores it exactly.
            foreach (var part in parts)
            {
                var restored = CoOccurrenceModel.FromSnapshot(part.ToSnapshot());
                Assert.Equal(part.Partition, restored.Partition);
                Assert.Equal(part.DistinctPairs, restored.DistinctPairs);
                Assert.Equal(BasketOracle.Json(part.ToSnapshot()), BasketOracle.Json(restored.ToSnapshot()));
            }
        });
}
