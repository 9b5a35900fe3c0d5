using System.Runtime;
using LoyaltyActors.Host.Replay;
using Xunit;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// The bulk replay's allocation budget (<see cref="AllocationBudget"/>): a no-GC region from the start, ended by the
/// runtime's collection once the budget is spent, and none left behind. The region is process-wide; no other test of
/// this assembly opens one (replays run in processes of their own), and other tests' allocations can only end it early.
/// </summary>
public sealed class AllocationBudgetTests
{
    [Fact]
    public void A_budget_opens_a_region_at_once_and_disposing_it_leaves_none()
    {
        using (var budget = AllocationBudget.TryStart(256L << 20))
        {
            Assert.NotNull(budget);
            Assert.True(AllocationBudget.Active);
            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
            Assert.InRange(budget.Bytes, 16L << 20, 256L << 20);
        }

        Assert.False(AllocationBudget.Active);
    }

    [Fact]
    public void Spending_more_than_the_budget_ends_the_region_with_a_collection_and_disposing_after_that_is_quiet()
    {
        var collectionsBefore = GC.CollectionCount(0);
        using var budget = AllocationBudget.TryStart(16L << 20);
        Assert.NotNull(budget);
        var entered = GC.CollectionCount(0);

        var spent = 0L;
        while (spent < 2 * budget.Bytes) spent += new byte[64 << 10].Length;

        Assert.False(AllocationBudget.Active);
        Assert.True(GC.CollectionCount(0) > entered, "the runtime collects when the budget is spent");
        Assert.True(entered > collectionsBefore, "entering the region starts from a collection");
        budget.Dispose();
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }
}
