using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LoyaltyActors.Domain.Customers;
using LoyaltyActors.Domain.Tests.Support;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Domain.Tests;

/// <summary>
/// The lifetimes-compatible summary (DESIGN §3) against lifetimes' own unit test, its published CDNOW figures
/// (/work/shared/data/cdnow-lifetimes/README.md) and an independent brute-force oracle on random data.
/// </summary>
public sealed class LifetimesSummaryTests
{
    private static readonly DateTime UnixEpoch = new(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly LocalDate CdnowEnd = new(1997, 9, 30);

    // ---- lifetimes' unit test (test_summary_data_from_transaction_data) ----

    private static readonly (int Id, DateTime Day)[] LifetimesUnitRows =
    [
        (1, new DateTime(2015, 2, 1)), (1, new DateTime(2015, 2, 6)),
        (2, new DateTime(2015, 1, 1)),
        (3, new DateTime(2015, 1, 1)), (3, new DateTime(2015, 1, 2)), (3, new DateTime(2015, 1, 5)),
    ];

    public static TheoryData<int, int, double, double> LifetimesUnitExpectations => new()
    {
        { 1, 1, 5, 6 },
        { 2, 0, 0, 37 },
        { 3, 2, 4, 37 },
    };

    [Theory]
    [MemberData(nameof(LifetimesUnitExpectations))]
    public void Summary_of_a_day_map_matches_lifetimes_unit_test(int id, int frequency, double recency, double t)
    {
        var days = LifetimesUnitRows.Where(r => r.Id == id)
            .Select(r => new KeyValuePair<int, DaySpend>(DaysSinceEpoch(r.Day), new DaySpend(1, 0m)));

        var summary = LifetimesSummaries.Compute(days, new LocalDate(2015, 2, 7), SummaryFrequency.Day);

        Assert.NotNull(summary);
        Assert.Equal(frequency, summary.Value.Frequency);
        Assert.Equal(recency, summary.Value.Recency, 1e-12);
        Assert.Equal(t, summary.Value.T, 1e-12);
    }

    [Theory]
    [MemberData(nameof(LifetimesUnitExpectations))]
    public void Summary_of_purchases_folded_into_customer_state_matches_lifetimes_unit_test(int id, int frequency, double recency, double t)
    {
        var state = CustomerState.Empty;
        var n = 0;
        foreach (var row in LifetimesUnitRows.Where(r => r.Id == id))
        {
            n++;
            var at = Instant.FromDateTimeUtc(DateTime.SpecifyKind(row.Day, DateTimeKind.Utc).AddHours(9 + n));
            state = state.Accept(CustomerScenario.Purchase($"e-{n}", $"O-{n}", at, CustomerScenario.Line("SKU-1", "cd", 1, 10m)), PointsPolicy.Default);
        }

        var summary = LifetimesSummaries.Compute(state.PurchaseDays, new LocalDate(2015, 2, 7), SummaryFrequency.Day);

        Assert.NotNull(summary);
        Assert.Equal((frequency, recency, t), (summary.Value.Frequency, summary.Value.Recency, summary.Value.T));
    }

    [Fact]
    public void Customer_without_purchases_up_to_the_end_has_no_summary()
    {
        var day = DaysSinceEpoch(new DateTime(2015, 3, 1));
        Assert.Null(LifetimesSummaries.Compute([], new LocalDate(2015, 2, 7), SummaryFrequency.Day));
        Assert.Null(LifetimesSummaries.Compute([new(day, new DaySpend(1, 5m))], new LocalDate(2015, 2, 7), SummaryFrequency.Day));
    }

    [Fact]
    public void Weekly_summary_groups_monday_to_sunday_and_keeps_the_whole_week_of_the_observation_end()
    {
        // DESIGN §3 step 1: purchases are mapped to their period start before comparing with the end's period,
        // so a Friday purchase in the end's week counts even when the end is that Wednesday.
        DateTime Day(int d) => new(2024, 1, d, 0, 0, 0, DateTimeKind.Utc); // 2024-01-01 is a Monday
        var purchases = new (DateTime Day, decimal Amount)[]
        {
            (Day(7), 10m),  // Sunday, week of Jan 1
            (Day(8), 1m),   // Monday, week of Jan 8
            (Day(14), 2m),  // Sunday, same week of Jan 8
            (Day(19), 4m),  // Friday, week of Jan 15, after the end (Wed Jan 17) but in its week
            (Day(22), 100m), // Monday, week of Jan 22: after the end's week, ignored
        };
        var days = purchases.Select(p => new KeyValuePair<int, DaySpend>(DaysSinceEpoch(p.Day), new DaySpend(1, p.Amount)));

        var summary = LifetimesSummaries.Compute(days, new LocalDate(2024, 1, 17), SummaryFrequency.Week);

        // periods: Jan 1 (10), Jan 8 (1 + 2), Jan 15 (4) → 2 repeats, recency 2 weeks, T 2 weeks, monetary (3 + 4) / 2
        Assert.Equal(new LifetimesSummary(2, 2, 2, 3.5m), summary);
    }

    [Fact]
    public void Frequency_multiplier_divides_recency_and_t_but_not_frequency_or_monetary()
    {
        var days = new[] { 0, 3, 10 }.Select(d => new KeyValuePair<int, DaySpend>(d + 20_000, new DaySpend(1, d + 1m)));

        var summary = LifetimesSummaries.Compute(days, EpochDays.ToDate(20_014), SummaryFrequency.Day, 2.5);

        Assert.Equal(new LifetimesSummary(2, 10 / 2.5, 14 / 2.5, (4m + 11m) / 2), summary);
    }

    // ---- CDNOW_sample.txt, published by lifetimes ----

    [SkippableFact]
    public void Cdnow_sample_folded_through_customer_state_reproduces_lifetimes_published_summary()
    {
        var summaries = CdnowSummariesThroughTheFold();

        Assert.Equal(2_357, summaries.Count);
        Assert.Equal(2_457, summaries.Values.Sum(s => s.Frequency));
        Assert.Equal(946, summaries.Values.Count(s => s.Frequency > 0));
        Assert.Equal((2, 30.43, 38.86), Rounded(summaries[1]));
        Assert.Equal((1, 1.71, 38.86), Rounded(summaries[2]));
        Assert.Equal((0, 0.00, 38.86), Rounded(summaries[3]));
        Assert.Equal((7, 29.43, 38.86), Rounded(summaries[6]));
        // ID 1's exact mean is (29.73 + 14.96) / 2 = 22.345; the published table rounds halves away from zero
        Assert.Equal(22.35m, decimal.Round(summaries[1].MonetaryValue, 2, MidpointRounding.AwayFromZero));
        Assert.Equal(73.74m, decimal.Round(summaries[6].MonetaryValue, 2, MidpointRounding.AwayFromZero));
    }

    [SkippableFact]
    public void Cdnow_sample_monetary_value_of_repeat_customers_matches_hardies_published_statistics()
    {
        var repeaters = CdnowSummariesThroughTheFold().Values
            .Where(s => s.Frequency > 0)
            .Select(s => (double)s.MonetaryValue)
            .OrderBy(m => m)
            .ToList();

        var mean = repeaters.Average();
        var std = Math.Sqrt(repeaters.Sum(m => (m - mean) * (m - mean)) / (repeaters.Count - 1)); // pandas' describe(): ddof = 1
        var median = (repeaters[repeaters.Count / 2 - 1] + repeaters[repeaters.Count / 2]) / 2;    // 946 values: mean of the middle two

        Assert.Equal(946, repeaters.Count);
        Assert.Equal(35.078, Math.Round(mean, 3));
        Assert.Equal(30.284, Math.Round(std, 3));
        Assert.Equal(2.99, Math.Round(repeaters[0], 3));
        Assert.Equal(27.4975, Math.Round(median, 4));
        Assert.Equal(299.634, Math.Round(repeaters[^1], 3));
    }

    [SkippableFact]
    public void Cdnow_sample_day_maps_give_the_same_summaries_as_the_fold_and_the_oracle()
    {
        var rows = CdnowSample.Rows();
        var viaFold = CdnowSummariesThroughTheFold();
        var end = new DateTime(1997, 9, 30, 0, 0, 0, DateTimeKind.Utc);

        foreach (var customer in rows.GroupBy(r => r.SampleId))
        {
            var dayMap = customer
                .GroupBy(r => DaysSinceEpoch(r.Date))
                .OrderBy(g => g.Key)
                .Select(g => new KeyValuePair<int, DaySpend>(g.Key, new DaySpend(g.Count(), g.Sum(r => r.Dollars))));
            var direct = LifetimesSummaries.Compute(dayMap, CdnowEnd, SummaryFrequency.Day, 7);
            var oracle = LifetimesOracle.Summarise(customer.Select(r => new TimedPurchase(r.Date, r.Dollars)), end, SummaryFrequency.Day, 7);

            AssertSame(oracle, direct, $"ID {customer.Key} from a day map");
            AssertSame(oracle, viaFold[customer.Key], $"ID {customer.Key} through the fold");
        }
    }

    // ---- the oracle on random data ----

    [Property(MaxTest = 300)]
    public Property Summary_equals_a_brute_force_oracle_for_days_and_weeks_and_any_multiplier() =>
        Prop.ForAll(SummaryCaseArb, c =>
        {
            var expected = LifetimesOracle.Summarise(c.Purchases, c.End, c.Freq, c.Multiplier);
            var endDate = LocalDate.FromDateTime(c.End);

            // straight from a day map the test builds itself
            var dayMap = c.Purchases
                .GroupBy(p => DaysSinceEpoch(p.At))
                .OrderBy(g => g.Key)
                .Select(g => new KeyValuePair<int, DaySpend>(g.Key, new DaySpend(g.Count(), g.Sum(p => p.Amount))));
            AssertSame(expected, LifetimesSummaries.Compute(dayMap, endDate, c.Freq, c.Multiplier), "day map");

            // and through the real decide + apply loop, in the generated (unsorted) order
            var state = CustomerState.Empty;
            for (var i = 0; i < c.Purchases.Count; i++)
            {
                var p = c.Purchases[i];
                state = state.Accept(CustomerScenario.Purchase($"e-{i}", $"O-{i}", Instant.FromDateTimeUtc(p.At),
                    CustomerScenario.Line("SKU-1", "cd", 1, p.Amount)), PointsPolicy.Default);
            }

            AssertSame(expected, LifetimesSummaries.Compute(state.PurchaseDays, endDate, c.Freq, c.Multiplier), "fold");
        });

    public sealed record SummaryCase(IReadOnlyList<TimedPurchase> Purchases, DateTime End, SummaryFrequency Freq, double Multiplier)
    {
        public override string ToString() =>
            $"{Freq} ×{Multiplier} end {End:yyyy-MM-dd ddd}: " + string.Join(", ", Purchases.Select(p => $"{p.At:yyyy-MM-dd ddd HH:mm:ss} {p.Amount}"));
    }

    private static Arbitrary<SummaryCase> SummaryCaseArb
    {
        get
        {
            // windows around the Unix epoch (negative days), a leap day, a year end and the CDNOW era
            var bases = new[]
            {
                new DateTime(1969, 11, 20, 0, 0, 0, DateTimeKind.Utc), new DateTime(1997, 1, 1, 0, 0, 0, DateTimeKind.Utc),
                new DateTime(2000, 2, 10, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc),
            };
            var purchase = from day in Gen.Choose(0, 90)
                           from second in Gen.Choose(0, 86_399)
                           from cents in Gen.Frequency((1, Gen.Constant(0)), (9, Gen.Choose(1, 50_000)))
                           select (Day: day, Second: second, Amount: cents / 100m);
            var gen = from b in Gen.Elements(bases)
                      from list in Gen.ListOf(purchase)
                      from endDay in Gen.Choose(-7, 100)
                      from freq in Gen.Elements(SummaryFrequency.Day, SummaryFrequency.Week)
                      from multiplier in Gen.Elements(1.0, 7.0, 2.5)
                      select new SummaryCase(
                          list.Select(p => new TimedPurchase(b.AddDays(p.Day).AddSeconds(p.Second), p.Amount)).ToList(),
                          b.AddDays(endDay), freq, multiplier);
            return gen.ToArbitrary();
        }
    }

    // ---- helpers ----

    private static int DaysSinceEpoch(DateTime t) => (int)Math.Floor((DateTime.SpecifyKind(t, DateTimeKind.Utc) - UnixEpoch).TotalDays);

    private static (int, double, double) Rounded(LifetimesSummary s) =>
        (s.Frequency, Math.Round(s.Recency, 2), Math.Round(s.T, 2));

    private static void AssertSame(LifetimesSummary? expected, LifetimesSummary? actual, string what)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{what}: expected {Show(expected)}, got {Show(actual)}");
            return;
        }

        var e = expected.Value;
        var a = actual.Value;
        var same = e.Frequency == a.Frequency
                   && Math.Abs(e.Recency - a.Recency) <= 1e-9
                   && Math.Abs(e.T - a.T) <= 1e-9
                   && Math.Abs(e.MonetaryValue - a.MonetaryValue) <= 1e-9m;
        Assert.True(same, $"{what}: expected {Show(expected)}, got {Show(actual)}");
    }

    private static string Show(LifetimesSummary? s) =>
        s is { } v ? string.Create(CultureInfo.InvariantCulture, $"({v.Frequency}, {v.Recency:R}, {v.T:R}, {v.MonetaryValue})") : "null";

    /// <summary>Every CDNOW sample row as one purchase command, decided and folded per customer (key = sample id).</summary>
    private static Dictionary<int, LifetimesSummary> CdnowSummariesThroughTheFold()
    {
        var result = new Dictionary<int, LifetimesSummary>();
        foreach (var customer in CdnowSample.Rows().GroupBy(r => r.SampleId))
        {
            var state = CustomerState.Empty;
            foreach (var row in customer)
            {
                // noon UTC plus a minute per row: same-day purchases stay on their calendar day
                var at = Instant.FromDateTimeUtc(row.Date.AddHours(12).AddMinutes(row.Line % 600));
                var purchase = new RecordPurchase($"cdnow-{row.Line}", customer.Key.ToString(CultureInfo.InvariantCulture), at,
                    $"row-{row.Line}", "replay", [new PurchaseLineInput("CD", "music", 1, row.Dollars)]);
                state = state.Accept(purchase, PointsPolicy.Default);
            }

            var summary = LifetimesSummaries.Compute(state.PurchaseDays, CdnowEnd, SummaryFrequency.Day, 7);
            Assert.NotNull(summary);
            result[customer.Key] = summary.Value;
        }

        return result;
    }
}
