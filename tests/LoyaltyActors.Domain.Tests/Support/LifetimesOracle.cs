using LoyaltyActors.Domain.Customers;

namespace LoyaltyActors.Domain.Tests.Support;

/// <summary>One purchase as a brute-force summary sees it: a UTC time and its gross amount.</summary>
public sealed record TimedPurchase(DateTime At, decimal Amount);

/// <summary>
/// A brute-force re-statement of DESIGN §3 (lifetimes' <c>summary_data_from_transaction_data</c>), written
/// without the production code's helpers: <see cref="DateTime"/> arithmetic and LINQ grouping over the whole
/// purchase list, no epoch days, no streaming.
/// </summary>
internal static class LifetimesOracle
{
    public static LifetimesSummary? Summarise(
        IEnumerable<TimedPurchase> purchases, DateTime observationEnd, SummaryFrequency freq, double multiplier)
    {
        // 1. each purchase (and the end) is mapped to the start of its period; periods after the end's period are dropped
        DateTime PeriodStart(DateTime t) => freq switch
        {
            SummaryFrequency.Day => t.Date,
            SummaryFrequency.Week => t.Date.AddDays(-((int)t.DayOfWeek + 6) % 7), // back to Monday
            _ => throw new ArgumentOutOfRangeException(nameof(freq)),
        };
        var unitDays = freq == SummaryFrequency.Week ? 7.0 : 1.0;
        var end = PeriodStart(observationEnd);

        // 2. one purchase per period, amounts summed
        var periods = purchases
            .Select(p => new { Start = PeriodStart(p.At), p.Amount })
            .Where(p => p.Start <= end)
            .GroupBy(p => p.Start)
            .Select(g => new { Start = g.Key, Sum = g.Sum(p => p.Amount) })
            .OrderBy(p => p.Start)
            .ToList();
        if (periods.Count == 0) return null;

        // 3. frequency, recency, T in freq units / multiplier; 4. monetary over repeat periods only
        var first = periods.First().Start;
        var repeats = periods.Skip(1).ToList();
        return new LifetimesSummary(
            repeats.Count,
            (periods.Last().Start - first).TotalDays / unitDays / multiplier,
            (end - first).TotalDays / unitDays / multiplier,
            repeats.Count == 0 ? 0m : repeats.Average(p => p.Sum));
    }
}
