using LoyaltyActors.Domain.Recommendations;
using Xunit;

namespace LoyaltyActors.Domain.Tests.Recommendations;

/// <summary>Hand-made baskets: recommendations, similar items, thresholds at the edge, refusals.</summary>
public sealed class CoOccurrenceModelTests
{
    private static readonly HashSet<string> Nothing = [];

    /// <summary>
    /// 20 orders. bread: 8, butter: 7, jam: 4, milk: 10, cereal: 4, beer: 2, chips: 2.
    /// {bread, butter} 6, {bread, jam} 4, {butter, jam} 2, {butter, milk} 1, {milk, cereal} 4, {beer, chips} 2.
    /// </summary>
    private static CoOccurrenceModel Shop()
    {
        var model = new CoOccurrenceModel();
        string[][] orders =
        [
            ["bread", "butter"], ["bread", "butter"], ["bread", "butter"], ["bread", "butter"],
            ["bread", "butter", "jam"], ["bread", "butter", "jam"], ["bread", "jam"], ["bread", "jam"],
            ["butter", "milk"],
            ["milk", "cereal"], ["milk", "cereal"], ["milk", "cereal"], ["milk", "cereal"],
            ["milk"], ["milk"], ["milk"], ["milk"], ["milk"],
            ["beer", "chips"], ["beer", "chips", "beer"],
        ];
        foreach (var order in orders) model.AddOrder(order);
        model.AddOrder(["beer", "chips"]);
        model.RemoveOrder(["chips", "beer"]);
        return model;
    }

    [Fact]
    public void Duplicates_inside_an_order_count_once()
    {
        var model = Shop();

        Assert.Equal(20, model.Orders);
        Assert.Equal(2, model.ItemCount("beer"));
        Assert.Equal(2, model.PairCount("beer", "chips"));
        Assert.Equal(2, model.PairCount("chips", "beer"));
        Assert.Equal(2, model.PairCount("beer", "beer")); // the itemset {beer}
        Assert.Equal(0, model.PairCount("beer", "unknown"));
        Assert.Equal(7, model.DistinctItems);
    }

    [Fact]
    public void Recommend_scores_co_purchases_by_summed_local_mutual_information_and_excludes_what_was_bought()
    {
        var model = Shop();

        var recommendations = model.Recommend(["bread", "butter"], new HashSet<string> { "bread", "butter", "milk" }, 1);

        var jam = Assert.Single(recommendations);
        Assert.Equal(("jam", Recommendation.CoPurchase), (jam.Sku, jam.Reason));
        // bread ⇒ jam: 4 of 8 orders, lift 4·20/(8·4) = 2.5; butter ⇒ jam: 2 of 7, lift 2·20/(7·4) = 10/7
        Assert.Equal(
            [new RecommendationEvidence("bread", 4, 2.5, 0.5), new RecommendationEvidence("butter", 2, 40.0 / 28, 2.0 / 7)],
            jam.Evidence);
        Assert.Equal(4 * Math.Log2(2.5) + 2 * Math.Log2(40.0 / 28), jam.Score, 12);
    }

    [Fact]
    public void Recommend_fills_up_with_popular_items_not_bought_after_the_co_purchases()
    {
        var model = Shop();

        var recommendations = model.Recommend(["bread"], new HashSet<string> { "bread", "milk" }, 4);

        // bread's companions: butter (6, lift 120/56 > 1) and jam (4, lift 2.5); then the most popular of the rest
        Assert.Equal(
            [("butter", Recommendation.CoPurchase), ("jam", Recommendation.CoPurchase), ("cereal", Recommendation.Popularity), ("beer", Recommendation.Popularity)],
            recommendations.Select(r => (r.Sku, r.Reason)));
        Assert.Equal(6 * Math.Log2(6 * 20.0 / (8 * 7)), recommendations[0].Score, 12);
        Assert.Equal(4.0 / 20, recommendations[2].Score);
        Assert.Empty(recommendations[2].Evidence);
    }

    [Fact]
    public void Recommend_for_an_empty_history_is_the_most_popular_items_not_bought()
    {
        var model = Shop();

        var recommendations = model.Recommend([], new HashSet<string> { "milk" }, 3);

        Assert.Equal(["bread", "butter", "cereal"], recommendations.Select(r => r.Sku));
        Assert.All(recommendations, r => Assert.Equal(Recommendation.Popularity, r.Reason));
        Assert.Equal([8 / 20.0, 7 / 20.0, 4 / 20.0], recommendations.Select(r => r.Score));
        Assert.Empty(new CoOccurrenceModel().Recommend(["bread"], Nothing, 5));
    }

    [Fact]
    public void Recommend_ignores_one_off_and_negative_associations()
    {
        var model = Shop();

        // butter–milk co-occur once (below the default minimum of 2) and with lift 20/70 < 1
        var fromMilk = model.Recommend(["milk"], Nothing, 10);
        Assert.Equal(("cereal", Recommendation.CoPurchase), (fromMilk[0].Sku, fromMilk[0].Reason));
        Assert.All(fromMilk.Skip(1), r => Assert.Equal(Recommendation.Popularity, r.Reason));
        Assert.DoesNotContain(fromMilk, r => r.Sku == "milk");

        var withOneOffs = model.Recommend(["milk"], Nothing, 10, minPairCount: 1);
        Assert.DoesNotContain(withOneOffs, r => r.Sku == "butter" && r.Reason == Recommendation.CoPurchase);
    }

    [Fact]
    public void Similar_ranks_by_the_chosen_measure_and_honours_the_minimum_pair_count()
    {
        var model = Shop();

        var byLift = model.Similar("bread", 10);
        Assert.Equal(["jam", "butter"], byLift.Select(s => s.Sku)); // lift 2.5 > 120/56
        Assert.Equal(new SimilarItem("jam", 2.5, 4, 2.5, 4 / Math.Sqrt(32)), byLift[0]);

        var byCosine = model.Similar("bread", 10, SimilarityMeasure.Cosine);
        Assert.Equal(["butter", "jam"], byCosine.Select(s => s.Sku)); // 6/√56 ≈ 0.80 > 4/√32 ≈ 0.71
        Assert.Equal(byCosine.Select(s => s.Cosine), byCosine.Select(s => s.Score));

        Assert.Contains(model.Similar("butter", 10, minPairCount: 1), s => s.Sku == "milk");
        Assert.DoesNotContain(model.Similar("butter", 10), s => s.Sku == "milk");
        Assert.Single(model.Similar("bread", 1));
        Assert.Empty(model.Similar("unknown", 10));
    }

    [Fact]
    public void Thresholds_are_compared_exactly_on_counts()
    {
        // 0.28 × 25 is 7.000000000000001 in doubles; a rule holding in exactly 7 of 25 orders still meets support 0.28
        var model = new CoOccurrenceModel();
        for (var i = 0; i < 7; i++) model.AddOrder(["x", "y"]);
        for (var i = 0; i < 18; i++) model.AddOrder(["x"]);

        Assert.True(0.28 * 25 > 7);
        var rules = model.Rules(0.28, 0.28);
        Assert.Equal([("x", "y"), ("y", "x")], rules.Select(r => (r.Antecedent, r.Consequent)));
        Assert.Equal(new AssociationRule("x", "y", 0.28, 0.28, 1.0, 7), rules[0]);
        var strict = Assert.Single(model.Rules(0.28, 0.28000001));
        Assert.Equal(("y", "x"), (strict.Antecedent, strict.Consequent));
        Assert.Empty(model.Rules(0.28000001, 0));
    }

    [Fact]
    public void Removing_an_order_that_is_not_counted_is_refused_and_changes_nothing()
    {
        var model = Shop();
        var before = BasketOracle.Json(model.ToSnapshot());

        Assert.Throws<InvalidOperationException>(() => model.RemoveOrder(["bread", "unknown"]));
        Assert.Throws<InvalidOperationException>(() => model.RemoveOrder(["bread", "cereal"])); // both counted, the pair not
        Assert.Throws<InvalidOperationException>(() => new CoOccurrenceModel().RemoveOrder([]));
        Assert.Equal(before, BasketOracle.Json(model.ToSnapshot()));
    }

    [Fact]
    public void A_capped_order_counts_all_items_and_spreads_its_pairs_over_them()
    {
        var model = new CoOccurrenceModel(maxPairsPerOrder: 4);

        string[] order = ["e", "d", "c", "b", "a"];
        Assert.Equal(6, model.AddOrder(order)); // 10 pairs, 4 counted
        Assert.Equal(["e", "d", "c", "b", "a"], order); // sorted for the cap, but not the caller's array (memos share it)

        Assert.Equal((1L, 6L), (model.CappedOrders, model.SkippedPairs));
        Assert.All(new[] { "a", "b", "c", "d", "e" }, s => Assert.Equal(1, model.ItemCount(s)));
        // neighbours in ordinal order first: a–b, b–c, c–d, d–e
        Assert.Equal([1L, 1L, 1L, 1L, 0L], new[] { ("a", "b"), ("b", "c"), ("c", "d"), ("d", "e"), ("a", "c") }.Select(p => model.PairCount(p.Item1, p.Item2)));
    }

    [Theory]
    [InlineData(7, "ab bc cd de ac bd ce")]
    [InlineData(9, "ab bc cd de ac bd ce ad be")]
    [InlineData(10, "ab bc cd de ac bd ce ad be ae")]
    [InlineData(1, "ab")]
    public void A_capped_order_takes_its_pairs_by_distance_then_position(int cap, string expected)
    {
        var model = new CoOccurrenceModel(maxPairsPerOrder: cap);
        model.AddOrder(["c", "a", "e", "b", "d"]);

        var counted = expected.Split(' ').Select(p => (p[..1], p[1..])).ToHashSet();
        string[] skus = ["a", "b", "c", "d", "e"];
        foreach (var x in skus)
        foreach (var y in skus.Where(y => string.CompareOrdinal(x, y) < 0))
            Assert.Equal(counted.Contains((x, y)) ? 1L : 0L, model.PairCount(x, y));
        Assert.Equal(10L - counted.Count, model.SkippedPairs);
    }

    [Fact]
    public void Invalid_arguments_and_snapshots_are_refused()
    {
        var model = Shop();

        Assert.Throws<ArgumentOutOfRangeException>(() => new CoOccurrenceModel(-1));
        Assert.Throws<ArgumentException>(() => model.AddOrder(["bread", ""]));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Rules(1.5, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Rules(double.NaN, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Rules(0.1, 0.5, limit: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Similar("bread", 5, minPairCount: 0));
        Assert.Equal(20, model.Orders);

        var broken = model.ToSnapshot();
        broken.PairCounts[0] = 1000;
        Assert.Throws<InvalidDataException>(() => CoOccurrenceModel.FromSnapshot(broken));
        var future = model.ToSnapshot();
        future.Version = 2;
        Assert.Throws<InvalidDataException>(() => CoOccurrenceModel.FromSnapshot(future));
    }
}
