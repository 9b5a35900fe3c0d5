using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LoyaltyActors.Domain.Recommendations;
using Xunit;

namespace LoyaltyActors.Domain.Tests.Recommendations;

/// <summary>
/// Properties of <see cref="CoOccurrenceModel"/> over generated baskets (duplicates inside a basket, empty baskets,
/// SKUs that differ only in case or by a space) and caps small enough to bite: the counts are exact itemset supports,
/// removal undoes addition, the order of orders does not matter, the cap is applied and reported identically both
/// ways, and a snapshot keeps everything.
/// </summary>
public sealed class CoOccurrencePropertyTests
{
    private static readonly string[] Alphabet = ["a", "b", "B", "c", "d", "e", "é", "a b", "z", "0"];
    private static readonly int[] Caps = [0, 1, 2, 3, 7, 20, 1000];

    private static Gen<string[]> Basket =>
        from size in Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 4)), (3, Gen.Choose(5, 14)))
        from items in Gen.ArrayOf(Gen.Elements(Alphabet), size)
        select items;

    private static Gen<List<string[]>> Baskets => Gen.ListOf(Basket).Select(b => b.Take(40).ToList());

    public sealed record Case(List<string[]> Baskets, List<string[]> More, int Cap, int Seed)
    {
        public override string ToString() =>
            $"cap {Cap}, seed {Seed}, baskets [{Show(Baskets)}], more [{Show(More)}]";

        private static string Show(List<string[]> baskets) => string.Join(" | ", baskets.Select(b => string.Join(",", b)));
    }

    private static Arbitrary<Case> Cases =>
        (from baskets in Baskets
         from more in Baskets
         from cap in Gen.Elements(Caps)
         from seed in Gen.Choose(0, int.MaxValue)
         select new Case(baskets, more, cap, seed)).ToArbitrary();

    private static CoOccurrenceModel Build(IEnumerable<string[]> baskets, int cap)
    {
        var model = new CoOccurrenceModel(cap);
        foreach (var basket in baskets) model.AddOrder(basket);
        return model;
    }

    /// <summary>The same baskets in another order, each with its SKUs in another order.</summary>
    private static List<string[]> Shuffled(IEnumerable<string[]> baskets, int seed)
    {
        var random = new Random(seed);
        var list = baskets.Select(b => b.ToArray()).ToArray();
        random.Shuffle(list);
        foreach (var basket in list) random.Shuffle(basket);
        return list.ToList();
    }

    private static long Pairs(string[] basket)
    {
        long k = basket.Distinct(StringComparer.Ordinal).Count();
        return k * (k - 1) / 2;
    }

    [Property(MaxTest = 200)]
    public Property Counts_equal_exact_one_and_two_itemset_support() =>
        Prop.ForAll(Cases, c =>
        {
            var model = Build(c.Baskets, 1000);
            var items = BasketOracle.ItemCounts(c.Baskets);
            var pairs = BasketOracle.PairCounts(c.Baskets);

            Assert.Equal(c.Baskets.Count, model.Orders);
            Assert.Equal(items.Count, model.DistinctItems);
            Assert.Equal(pairs.Count, model.DistinctPairs);
            foreach (var a in Alphabet)
            {
                Assert.Equal(items.GetValueOrDefault(a), model.ItemCount(a));
                foreach (var b in Alphabet.Where(b => b != a))
                {
                    var key = string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);
                    Assert.Equal(pairs.GetValueOrDefault(key), model.PairCount(a, b));
                }
            }
        });

    [Property(MaxTest = 200)]
    public Property Rules_equal_an_exact_recount_at_any_thresholds() =>
        Prop.ForAll(
            (from baskets in Baskets
             from supNum in Gen.Choose(0, 20)
             from confNum in Gen.Choose(0, 20)
             select (baskets, supNum, confNum)).ToArbitrary(),
            t =>
            {
                var model = Build(t.baskets, 1000);
                var rules = model.Rules(t.supNum / 20.0, t.confNum / 20.0);

                Assert.Null(BasketOracle.Difference(BasketOracle.Rules(t.baskets, t.supNum, 20, t.confNum, 20), rules));
                Assert.Null(BasketOracle.OrderViolation(rules));
                Assert.Equal(rules.Take(3), model.Rules(t.supNum / 20.0, t.confNum / 20.0, limit: 3));
            });

    [Property(MaxTest = 200)]
    public Property Adding_then_removing_orders_restores_the_model_exactly() =>
        Prop.ForAll(Cases, c =>
        {
            var model = Build(c.Baskets, c.Cap);
            var before = BasketOracle.Json(model.ToSnapshot());

            foreach (var basket in c.More) model.AddOrder(basket);
            foreach (var basket in Shuffled(c.More, c.Seed)) model.RemoveOrder(basket);
            Assert.Equal(before, BasketOracle.Json(model.ToSnapshot()));

            foreach (var basket in Shuffled(c.Baskets, c.Seed + 1)) model.RemoveOrder(basket);
            Assert.Equal(BasketOracle.Json(new CoOccurrenceModel(c.Cap).ToSnapshot()), BasketOracle.Json(model.ToSnapshot()));
        });

    [Property(MaxTest = 200)]
    public Property The_order_of_orders_and_of_skus_inside_them_does_not_matter() =>
        Prop.ForAll(Cases, c =>
            Assert.Equal(
                BasketOracle.Json(Build(c.Baskets.Concat(c.More), c.Cap).ToSnapshot()),
                BasketOracle.Json(Build(Shuffled(c.Baskets.Concat(c.More), c.Seed), c.Cap).ToSnapshot())));

    [Property(MaxTest = 200)]
    public Property The_cap_is_applied_and_reported_per_order_and_undone_identically() =>
        Prop.ForAll(Cases, c =>
        {
            var model = new CoOccurrenceModel(c.Cap);
            foreach (var basket in c.Baskets)
                Assert.Equal(Math.Max(0, Pairs(basket) - c.Cap), model.AddOrder(basket));

            var snapshot = model.ToSnapshot();
            Assert.Equal(c.Baskets.Sum(b => Math.Min(Pairs(b), c.Cap)), snapshot.PairCounts.Sum());
            Assert.Equal(c.Baskets.Count(b => Pairs(b) > c.Cap), model.CappedOrders);
            Assert.Equal(c.Baskets.Sum(b => Math.Max(0, Pairs(b) - c.Cap)), model.SkippedPairs);

            // items stay exact under the cap; pairs never exceed the exact count
            var items = BasketOracle.ItemCounts(c.Baskets);
            var pairs = BasketOracle.PairCounts(c.Baskets);
            Assert.All(Alphabet, a => Assert.Equal(items.GetValueOrDefault(a), model.ItemCount(a)));
            for (var p = 0; p < snapshot.PairCounts.Length; p++)
                Assert.InRange(snapshot.PairCounts[p], 1, pairs[(snapshot.Skus[snapshot.PairFirst[p]], snapshot.Skus[snapshot.PairSecond[p]])]);

            // removing capped orders takes back exactly the same pairs and the same report
            foreach (var basket in Shuffled(c.Baskets, c.Seed)) model.RemoveOrder(basket);
            Assert.Equal((0L, 0L, 0L), (model.CappedOrders, model.SkippedPairs, model.DistinctPairs));
        });

    [Property(MaxTest = 150)]
    public Property A_snapshot_round_trip_preserves_counts_queries_and_later_updates() =>
        Prop.ForAll(Cases, c =>
        {
            var model = Build(c.Baskets, c.Cap);
            var json = BasketOracle.Json(model.ToSnapshot());
            var restored = CoOccurrenceModel.FromSnapshot(System.Text.Json.JsonSerializer.Deserialize<CoOccurrenceSnapshot>(json)!);

            Assert.Equal(json, BasketOracle.Json(restored.ToSnapshot()));
            Assert.Equal((model.MaxPairsPerOrder, model.Orders, model.CappedOrders, model.SkippedPairs, model.DistinctItems, model.DistinctPairs),
                (restored.MaxPairsPerOrder, restored.Orders, restored.CappedOrders, restored.SkippedPairs, restored.DistinctItems, restored.DistinctPairs));
            Assert.Equal(model.Rules(0, 0), restored.Rules(0, 0));
            Assert.Equal(model.Popular(100), restored.Popular(100));
            foreach (var sku in Alphabet)
            {
                Assert.Equal(model.Similar(sku, 100, SimilarityMeasure.Cosine, 1), restored.Similar(sku, 100, SimilarityMeasure.Cosine, 1));
                var a = model.Recommend([sku], new HashSet<string>(), 5);
                var b = restored.Recommend([sku], new HashSet<string>(), 5);
                Assert.Equal(a.Select(r => (r.Sku, r.Score, r.Reason)), b.Select(r => (r.Sku, r.Score, r.Reason)));
                Assert.Equal(a.SelectMany(r => r.Evidence), b.SelectMany(r => r.Evidence));
            }

            // the restored model keeps counting like the original
            foreach (var basket in c.More)
            {
                model.AddOrder(basket);
                restored.AddOrder(basket);
            }

            Assert.Equal(BasketOracle.Json(model.ToSnapshot()), BasketOracle.Json(restored.ToSnapshot()));
        });
}
