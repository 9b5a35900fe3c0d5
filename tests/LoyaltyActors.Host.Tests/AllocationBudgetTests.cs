using System.Runtime;
using LoyaltyActors.Host.Replay;
using Xunit;

namespace LoyaltyActors.Host.Tests;

/// <summary>
/// The bulk replay's allocation budget (<see cref="AllocationBudget"/>): a no-GC region entered again once mostly spent,
/// and none left behind. The region is process-wide; no other test of this assembly opens one (replays run in processes
/// of their own), and other tests' allocations can only end a region early, which the budget must survive.
/// </summary>
public sealed class AllocationBudgetTests
{
    [Fact]
    public void A_budget_opens_a_region_enters_a_new_one_as_it_is_spent_and_leaves_none_behind()
    {
        var collectionsBefore = GC.CollectionCount(0);
        using (var budget = AllocationBudget.TryStart(64L << 20))
        {
            Assert.NotNull(budget);
            Assert.Equal(1, budget.Regions);
            Assert.InRange(budget.Bytes, 16L << 20, 64L << 20);

            // Three budgets' worth of garbage: without a fresh region after each, the first one ends at its first
            // collection and the rest runs under the usual budgets.
            var spent = 0L;
            while (spent < 3 * budget.Bytes)
            {
                spent += new byte[256 << 10].Length;
                budget.Check();
            }

            Assert.True(budget.Regions >= 3, $"{budget.Regions} region(s) for three budgets of allocation");
            Assert.True(GC.CollectionCount(0) - collectionsBefore >= budget.Regions,
                "each region is entered with one collection, so the garbage of the region before is gone");
        }

        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }
}
