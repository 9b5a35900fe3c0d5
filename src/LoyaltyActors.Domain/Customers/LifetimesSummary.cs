using NodaTime;

namespace LoyaltyActors.Domain.Customers;

/// <summary>The period purchases are grouped by: a UTC calendar day or a Monday-to-Sunday week.</summary>
public enum SummaryFrequency
{
    Day,
    Week,
}

/// <summary>
/// What Python lifetimes' <c>summary_data_from_transaction_data</c> returns for one customer.
/// <see cref="Recency"/> and <see cref="T"/> are in periods divided by the frequency multiplier.
/// </summary>
/// <param name="Frequency">Distinct purchase periods − 1 (repeat periods), ≥ 0.</param>
/// <param name="Recency">Last period start − first period start.</param>
/// <param name="T">Observation-end period start − first period start.</param>
/// <param name="MonetaryValue">Mean per-period spend over the repeat periods; 0 when <see cref="Frequency"/> is 0.</param>
public readonly record struct LifetimesSummary(int Frequency, double Recency, double T, decimal MonetaryValue);

public static class LifetimesSummaries
{
    public static SummaryFrequency ParseFrequency(string value) => value switch
    {
        "D" or "d" => SummaryFrequency.Day,
        "W" or "w" => SummaryFrequency.Week,
        _ => throw new ArgumentException($"freq must be D or W, not '{value}'", nameof(value)),
    };

    /// <summary>
    /// The summary as of <paramref name="observationEnd"/> (inclusive) from purchases grouped by UTC day
    /// (<paramref name="purchaseDays"/>: epoch day → gross amount, ascending by day). Null when the customer
    /// made no purchase in a period up to the end's period.
    /// </summary>
    public static LifetimesSummary? Compute(
        IEnumerable<KeyValuePair<int, DaySpend>> purchaseDays,
        LocalDate observationEnd,
        SummaryFrequency frequency,
        double frequencyMultiplier = 1)
    {
        if (frequencyMultiplier <= 0 || double.IsNaN(frequencyMultiplier))
            throw new ArgumentOutOfRangeException(nameof(frequencyMultiplier), "freq_multiplier must be positive");

        var endPeriod = PeriodStart(EpochDays.Of(observationEnd), frequency);
        var first = int.MinValue;
        var last = int.MinValue;
        var periods = 0;
        var current = int.MinValue;
        var currentSum = 0m;
        var repeatSum = 0m;

        foreach (var (day, spend) in purchaseDays)
        {
            var period = PeriodStart(day, frequency);
            if (period > endPeriod) break;
            if (period != current)
            {
                if (periods > 1) repeatSum += currentSum;
                if (periods == 0) first = period;
                current = period;
                currentSum = 0m;
                periods++;
            }

            currentSum += spend.Amount;
            last = period;
        }

        if (periods == 0) return null;
        if (periods > 1) repeatSum += currentSum;

        var unitDays = frequency == SummaryFrequency.Week ? 7.0 : 1.0;
        var repeats = periods - 1;
        return new LifetimesSummary(
            repeats,
            (last - first) / unitDays / frequencyMultiplier,
            (endPeriod - first) / unitDays / frequencyMultiplier,
            repeats == 0 ? 0m : repeatSum / repeats);
    }

    private static int PeriodStart(int epochDay, SummaryFrequency frequency) =>
        frequency == SummaryFrequency.Week ? EpochDays.WeekStart(epochDay) : epochDay;
}
