using System.Collections.Immutable;
using LoyaltyActors.Domain.Customers;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Domain.Tests;

/// <summary>
/// How the state is kept (small string sets, the shared seldom part) changes nothing of what it holds: the same
/// sets, counts and values as the collections they stand for, across the sizes where the form changes.
/// </summary>
public sealed class CompactStateTests
{
    /// <summary>Ids added in a scrambled order, with repeats, against a plain hash set, at every size up to well past the array form.</summary>
    [Fact]
    public void A_small_string_set_holds_what_a_hash_set_holds_at_every_size()
    {
        var ids = Enumerable.Range(0, 3 * SmallStringSet.MaxArray).Select(i => $"id-{i * 7919 % 101:D3}").ToList();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        object? set = null;
        foreach (var id in ids.Concat(ids.Take(5)).Append("ID-001").Append("id-00"))
        {
            var before = set;
            var wasIn = expected.Contains(id);
            set = SmallStringSet.Add(set, id);
            expected.Add(id);
            if (wasIn) Assert.Same(before, set);

            Assert.Equal(expected.Count, SmallStringSet.Count(set));
            Assert.True(SmallStringSet.ToSet(set).SetEquals(expected));
            foreach (var probe in ids.Append("ID-001").Append("id-00").Append("id-").Append(""))
                Assert.Equal(expected.Contains(probe), SmallStringSet.Contains(set, probe));
        }

        Assert.IsType<ImmutableHashSet<string>>(set);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(SmallStringSet.MaxArray)]
    [InlineData(SmallStringSet.MaxArray + 1)]
    public void A_state_built_from_sets_gives_the_same_sets_back(int n)
    {
        var ids = ImmutableHashSet.CreateRange(StringComparer.Ordinal, Enumerable.Range(0, n).Select(i => $"e-{n - i}"));
        var categories = ImmutableHashSet.CreateRange(StringComparer.Ordinal, Enumerable.Range(0, n).Select(i => $"c-{i}"));
        var state = CustomerState.Empty with { EventIds = ids, Categories = categories };

        Assert.True(state.EventIds.SetEquals(ids));
        Assert.True(state.Categories.SetEquals(categories));
        Assert.Equal((n, n), (state.EventCount, state.CategoryCount));
        Assert.All(ids, id => Assert.True(state.HasSeen(id)));
        Assert.False(state.HasSeen("e-0"));
    }

    [Fact]
    public void Setting_seldom_values_keeps_them_exactly_and_leaves_the_rest()
    {
        var review = Instant.FromUtc(2026, 1, 1, 0, 0);
        var state = CustomerState.Empty with { ReturnedAmount = 0.00m, PointsDebt = 4, NextTierReview = review };

        // 0.00m equals 0m but is not the same value to keep (it is written with its scale).
        Assert.Equal(2, state.ReturnedAmount.Scale);
        Assert.Equal((4L, review), (state.PointsDebt, state.NextTierReview));
        Assert.Equal((0, 0L, 0L, 0L, 0, (Instant?)null), (state.Returns, state.PointsReversed, state.PointsRedeemed, state.PointsExpired, state.DiscardedReturns, state.TierSince));
        Assert.True(state.Rewards.IsEmpty);

        // The value it was made from is untouched.
        Assert.Equal((0, 0L, (Instant?)null), (CustomerState.Empty.ReturnedAmount.Scale, CustomerState.Empty.PointsDebt, CustomerState.Empty.NextTierReview));
    }

    [Fact]
    public void The_positional_constructor_keeps_its_seldom_values()
    {
        var e = CustomerState.Empty;
        var state = new CustomerState(e.EventIds, 0, 0m, 1.50m, 2, null, null, e.Categories, 0, 0d, 0, 0,
            e.PurchaseDays, e.OrdersById, 10L, 3L, 4L, null);

        Assert.Equal((1.50m, 2, 3L, 4L), (state.ReturnedAmount, state.Returns, state.PointsReversed, state.PointsRedeemed));
        Assert.Equal(2, state.ReturnedAmount.Scale);
        Assert.Equal(new CustomerState(e.EventIds, 0, 0m, 1.50m, 2, null, null, e.Categories, 0, 0d, 0, 0,
            e.PurchaseDays, e.OrdersById, 10L, 3L, 4L, null), state);
        Assert.NotEqual(state with { Returns = 3 }, state);
    }
}
