using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LoyaltyActors.Domain.Customers;
using Xunit;

namespace LoyaltyActors.Domain.Tests;

/// <summary>The purchase-day table against a sorted dictionary doing the same operations.</summary>
public sealed class PurchaseDayTableTests
{
    /// <summary>A step: a purchase (amount in cents) on a day, or (when <c>Set</c>) the day overwritten.</summary>
    public sealed record Step(int Day, int Cents, bool Set);

    private static Arbitrary<Step[]> StepsArb() =>
        Gen.Choose(0, 60).SelectMany(n =>
                (from day in Gen.Choose(-5, 40)
                 from cents in Gen.Choose(0, 50_000)
                 from set in Gen.Elements(false, false, false, true)
                 select new Step(day, cents, set)).ArrayOf(n))
            .ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Every_version_holds_what_a_sorted_dictionary_holds_after_the_same_steps() =>
        Prop.ForAll(StepsArb(), steps =>
        {
            var table = PurchaseDayTable.Empty;
            var model = new SortedDictionary<int, DaySpend>();
            var versions = new List<(PurchaseDayTable Table, KeyValuePair<int, DaySpend>[] Expected)>();
            foreach (var step in steps)
            {
                var amount = step.Cents / 100m;
                if (step.Set)
                {
                    var spend = new DaySpend(step.Cents % 7, amount);
                    table = table.SetItem(step.Day, spend);
                    model[step.Day] = spend;
                }
                else
                {
                    table = table.AddPurchase(step.Day, amount);
                    model.TryGetValue(step.Day, out var before);
                    model[step.Day] = new DaySpend(before.Purchases + 1, before.Amount + amount);
                }

                versions.Add((table, model.ToArray()));
            }

            // Earlier versions are unchanged by later steps.
            foreach (var (version, expected) in versions)
            {
                Assert.Equal(expected, version.ToArray());
                Assert.Equal(expected.Length, version.Count);
            }

            for (var day = -7; day <= 42; day++)
            {
                Assert.Equal(model.TryGetValue(day, out var spend), table.TryGetValue(day, out var got));
                Assert.Equal(spend, got);
                for (var through = day - 1; through <= 42; through += 3)
                {
                    var after = day;
                    Assert.Equal(model.Where(d => d.Key > after && d.Key <= through).Sum(d => d.Value.Amount), table.AmountBetween(after, through));
                }
            }

            var enumerated = new List<KeyValuePair<int, DaySpend>>();
            foreach (var pair in table) enumerated.Add(pair);
            Assert.Equal(model.ToArray(), enumerated);
            Assert.Equal(table, PurchaseDayTable.Create(model.Reverse()));
            Assert.Equal(table, PurchaseDayTable.Create(model.ToArray())); // ascending already, as a snapshot holds them
        });

    [Fact]
    public void Creating_from_a_day_given_twice_names_the_day()
    {
        var ex = Assert.Throws<ArgumentException>(() => PurchaseDayTable.Create(
            [new(5, new DaySpend(1, 1m)), new(3, new DaySpend(1, 2m)), new(5, new DaySpend(2, 3m))]));
        Assert.Contains("day 5", ex.Message);
        // Twice in a row, in otherwise ascending order.
        ex = Assert.Throws<ArgumentException>(() => PurchaseDayTable.Create(
            [new(3, new DaySpend(1, 1m)), new(7, new DaySpend(1, 2m)), new(7, new DaySpend(2, 3m))]));
        Assert.Contains("day 7", ex.Message);
    }

    [Fact]
    public void Tables_with_the_same_days_are_equal_and_others_are_not()
    {
        var a = PurchaseDayTable.Empty.AddPurchase(3, 10m).AddPurchase(1, 5m);
        var b = PurchaseDayTable.Empty.AddPurchase(1, 5m).AddPurchase(3, 10m);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b.AddPurchase(3, 0m));
        Assert.NotEqual(a, PurchaseDayTable.Empty);
    }
}
