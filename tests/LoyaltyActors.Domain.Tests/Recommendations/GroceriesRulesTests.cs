using LoyaltyActors.Domain.Recommendations;
using LoyaltyActors.Tests;
using Xunit;

namespace LoyaltyActors.Domain.Tests.Recommendations;

/// <summary>
/// The arules <c>Groceries</c> data (9,835 baskets, 169 items): the model must reproduce the published figures of
/// <c>summary(Groceries)</c> and <c>apriori</c> (see shared/data/groceries/README.md) and an independent recount.
/// Labels are trimmed, as arules <c>read.transactions</c> does (two labels carry a trailing space in the file).
/// </summary>
public sealed class GroceriesRulesTests
{
    private static readonly Lazy<(List<string[]> Baskets, CoOccurrenceModel Model)> Loaded = new(() =>
    {
        var baskets = BasketOracle.ReadBaskets(Path.Combine(TestData.Root, "groceries", "groceries.csv"));
        var model = new CoOccurrenceModel();
        foreach (var basket in baskets) Assert.Equal(0, model.AddOrder(basket));
        return (baskets, model);
    });

    private static (List<string[]> Baskets, CoOccurrenceModel Model) Groceries()
    {
        TestData.Require("groceries/groceries.csv");
        return Loaded.Value;
    }

    [SkippableFact]
    public void Item_counts_match_arules_summary()
    {
        var (_, model) = Groceries();

        Assert.Equal(9835, model.Orders);
        Assert.Equal(169, model.DistinctItems);
        Assert.Equal(0, model.CappedOrders);
        Assert.Equal(0, model.SkippedPairs);
        Assert.Equal(2513, model.ItemCount("whole milk"));
        Assert.Equal(0.2555160, Math.Round((double)model.ItemCount("whole milk") / model.Orders, 7));
        Assert.Equal(0.1934926, Math.Round((double)model.ItemCount("other vegetables") / model.Orders, 7));
        Assert.True(model.ItemCount("cream cheese") > 0, "labels are trimmed");
        Assert.Equal(0, model.ItemCount("cream cheese "));

        (string, long)[] top10 =
        [
            ("whole milk", 2513), ("other vegetables", 1903), ("rolls/buns", 1809), ("soda", 1715), ("yogurt", 1372),
            ("bottled water", 1087), ("root vegetables", 1072), ("tropical fruit", 1032), ("shopping bags", 969), ("sausage", 924),
        ];
        Assert.Equal(top10, model.Popular(10));
        Assert.Equal(43367, model.Popular(1000).Sum(p => p.Count));
        Assert.Equal(34055, model.Popular(1000).Skip(5).Sum(p => p.Count)); // "(Other)" after the top 5 in summary(Groceries)
    }

    [SkippableFact]
    public void Top_co_occurring_pairs_match_arules_summary()
    {
        var (_, model) = Groceries();

        Assert.Equal(736, model.PairCount("other vegetables", "whole milk"));
        Assert.Equal(736, model.PairCount("whole milk", "other vegetables"));
        Assert.Equal(0.074835, Math.Round(736.0 / model.Orders, 6));
        var snapshot = model.ToSnapshot();
        var top5 = Enumerable.Range(0, snapshot.PairCounts.Length)
            .OrderByDescending(p => snapshot.PairCounts[p]).Take(5)
            .Select(p => (snapshot.Skus[snapshot.PairFirst[p]], snapshot.Skus[snapshot.PairSecond[p]], snapshot.PairCounts[p]))
            .ToArray();
        Assert.Equal(
            [
                ("other vegetables", "whole milk", 736L), ("rolls/buns", "whole milk", 557L), ("whole milk", "yogurt", 551L),
                ("root vegetables", "whole milk", 481L), ("other vegetables", "root vegetables", 466L),
            ],
            top5);
    }

    [SkippableFact]
    public void Apriori_at_support_0_006_and_confidence_0_25_gives_the_published_150_two_item_rules()
    {
        var (_, model) = Groceries();

        var rules = model.Rules(0.006, 0.25);

        Assert.Equal(150, rules.Count);
        Assert.True(rules.Min(r => r.Count) >= 60, "0.006 × 9,835 = 59.01, so a rule needs 60 baskets");
        var herbs = rules[0];
        Assert.Equal(("herbs", "root vegetables", 69L), (herbs.Antecedent, herbs.Consequent, herbs.Count));
        Assert.Equal(0.007015760, Math.Round(herbs.Support, 9));
        Assert.Equal(0.43125, herbs.Confidence, 12);
        Assert.Equal(3.956477, Math.Round(herbs.Lift, 6));
        var berries = rules[1];
        Assert.Equal(("berries", "whipped/sour cream"), (berries.Antecedent, berries.Consequent));
        Assert.Equal(0.009049314, Math.Round(berries.Support, 9));
        Assert.Equal(0.2721713, Math.Round(berries.Confidence, 7));
        Assert.Equal(3.796886, Math.Round(berries.Lift, 6));
        Assert.Equal(0.074835, Math.Round(rules.Max(r => r.Support), 6));
        Assert.True(rules.Min(r => r.Lift) >= 0.9932 - 5e-5, "the 463 published rules have lift ≥ 0.9932");
        Assert.Null(BasketOracle.OrderViolation(rules));
        Assert.Equal(rules.Take(7), model.Rules(0.006, 0.25, limit: 7));
    }

    [SkippableFact]
    public void Apriori_at_support_0_001_and_confidence_0_5_has_the_published_11_two_item_rules()
    {
        var (_, model) = Groceries();

        Assert.Equal(11, model.Rules(0.001, 0.5).Count);
    }

    [SkippableTheory]
    [InlineData(6, 1000, 25, 100)]
    [InlineData(1, 1000, 5, 10)]
    [InlineData(5, 1000, 5, 10)]
    [InlineData(1, 100, 1, 10)]
    [InlineData(1, 1000, 8, 10)]
    [InlineData(0, 1, 0, 1)]
    public void The_full_two_item_rule_set_equals_an_independent_recount(long supNum, long supDen, long confNum, long confDen)
    {
        var (baskets, model) = Groceries();

        var expected = BasketOracle.Rules(baskets, supNum, supDen, confNum, confDen);
        var rules = model.Rules((double)supNum / supDen, (double)confNum / confDen);

        Assert.Null(BasketOracle.Difference(expected, rules));
        Assert.Null(BasketOracle.OrderViolation(rules));
        if (supNum == 0 && confNum == 0) Assert.Equal(2 * model.DistinctPairs, rules.Count);
    }

    [SkippableFact]
    public void Snapshot_round_trip_and_removing_every_basket_are_exact()
    {
        var (baskets, model) = Groceries();

        var restored = CoOccurrenceModel.FromSnapshot(model.ToSnapshot());
        Assert.Equal(BasketOracle.Json(model.ToSnapshot()), BasketOracle.Json(restored.ToSnapshot()));
        Assert.Equal(model.Rules(0.001, 0.1), restored.Rules(0.001, 0.1));

        foreach (var basket in baskets.AsEnumerable().Reverse()) restored.RemoveOrder(basket);
        Assert.Equal(BasketOracle.Json(new CoOccurrenceModel().ToSnapshot()), BasketOracle.Json(restored.ToSnapshot()));
        Assert.Equal(0, restored.DistinctItems);
        Assert.Equal(0, restored.DistinctPairs);
    }

    [SkippableFact]
    public void Similar_items_and_recommendations_are_consistent_with_the_rules()
    {
        var (_, model) = Groceries();

        // with the default minimum of 2 co-occurrences a rare item (rubbing alcohol) tops the lift ranking; 60 baskets is
        // the support the published rules need
        var similar = model.Similar("herbs", 5, minPairCount: 60);
        Assert.Equal("root vegetables", similar[0].Sku);
        Assert.Equal(69, similar[0].PairCount);
        Assert.Equal(3.956477, Math.Round(similar[0].Lift, 6));
        Assert.Equal(69 / Math.Sqrt(160.0 * 1072), similar[0].Cosine, 12);
        Assert.Equal(similar.OrderByDescending(s => s.Lift).Select(s => s.Lift), similar.Select(s => s.Lift));

        var recommendations = model.Recommend(["herbs", "beef"], new HashSet<string> { "herbs", "beef", "whole milk" }, 10);
        Assert.Equal(10, recommendations.Count);
        Assert.Equal("root vegetables", recommendations[0].Sku);
        Assert.All(recommendations, r => Assert.DoesNotContain(r.Sku, new[] { "herbs", "beef", "whole milk" }));
        var rootVegetables = recommendations[0];
        // beef: 171 × log2(3.04) ≈ 274 outweighs herbs: 69 × log2(3.96) ≈ 137, so it comes first
        Assert.Equal(["beef", "herbs"], rootVegetables.Evidence.Select(e => e.BecauseOf));
        Assert.Equal(rootVegetables.Evidence.Sum(e => e.CoCount * Math.Log2(e.Lift)), rootVegetables.Score, 9);
        foreach (var e in rootVegetables.Evidence)
        {
            var rule = model.Rules(0, 0).Single(r => r.Antecedent == e.BecauseOf && r.Consequent == "root vegetables");
            Assert.Equal((rule.Count, rule.Lift, rule.Confidence), (e.CoCount, e.Lift, e.Confidence));
        }
    }
}
