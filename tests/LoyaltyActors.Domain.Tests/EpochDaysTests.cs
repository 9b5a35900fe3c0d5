using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LoyaltyActors.Domain.Customers;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Domain.Tests;

/// <summary>UTC calendar days since 1970-01-01, the key of a customer's purchase-day map and of the summary periods.</summary>
public sealed class EpochDaysTests
{
    private static readonly LocalDate Epoch = new(1970, 1, 1);

    [Theory]
    [InlineData(1970, 1, 1, 0, 0, 0, 0)]
    [InlineData(1970, 1, 1, 23, 59, 59, 0)]
    [InlineData(1970, 1, 2, 0, 0, 0, 1)]
    [InlineData(1969, 12, 31, 23, 59, 59, -1)]
    [InlineData(1969, 12, 31, 0, 0, 0, -1)]
    [InlineData(1969, 12, 30, 23, 59, 59, -2)]
    public void Epoch_day_of_an_instant_is_its_utc_calendar_day_also_before_1970(int y, int mo, int d, int h, int mi, int s, int expected)
    {
        Assert.Equal(expected, EpochDays.Of(Instant.FromUtc(y, mo, d, h, mi, s)));
    }

    [Fact]
    public void Last_tick_before_the_epoch_is_day_minus_one()
    {
        Assert.Equal(-1, EpochDays.Of(Instant.FromUnixTimeTicks(-1)));
    }

    [Property(MaxTest = 500)]
    public Property Epoch_day_of_a_date_counts_days_from_1970_for_years_1_to_9999() =>
        Prop.ForAll(DayNumbers(Period.DaysBetween(Epoch, new LocalDate(1, 1, 1)), Period.DaysBetween(Epoch, LocalDate.MaxIsoValue)).ToArbitrary(),
            n => AssertRoundTrip(n));

    [Theory]
    [InlineData(0, 12, 31)]
    [InlineData(0, 1, 1)]
    [InlineData(-400, 1, 1)]
    public void Epoch_day_of_a_date_is_exact_for_years_before_year_one(int year, int month, int day)
    {
        // NodaTime's ISO calendar is proleptic with astronomical years: year 0 is a leap year (= 1 BC).
        var date = new LocalDate(year, month, day);
        Assert.Equal(Period.DaysBetween(Epoch, date), EpochDays.Of(date));
    }

    [Property(MaxTest = 500)]
    public Property Week_start_is_the_monday_on_or_before_the_day() =>
        Prop.ForAll(DayNumbers(-800_000, 800_000).ToArbitrary(), n =>
        {
            var monday = EpochDays.WeekStart(n);
            var date = EpochDays.ToDate(monday);
            Assert.Equal(IsoDayOfWeek.Monday, date.DayOfWeek);
            Assert.InRange(n - monday, 0, 6);
        });

    private static void AssertRoundTrip(int n)
    {
        var date = Epoch.PlusDays(n);
        Assert.Equal(n, EpochDays.Of(date));
        Assert.Equal(date, EpochDays.ToDate(n));
        Assert.Equal(n, EpochDays.Of(date.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant()));
        Assert.Equal(n, EpochDays.Of(date.At(new LocalTime(23, 59, 59)).InUtc().ToInstant()));
    }

    private static Gen<int> DayNumbers(int min, int max) =>
        Gen.OneOf(Gen.Choose(min, max), Gen.Choose(-1_000, 1_000), Gen.Elements(min, max, -1, 0, 1));
}
