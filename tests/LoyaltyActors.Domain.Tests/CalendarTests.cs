using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LoyaltyActors.Domain.Customers;
using NodaTime;
using Xunit;

namespace LoyaltyActors.Domain.Tests;

/// <summary><see cref="Calendar"/> against NodaTime's calendar arithmetic on the UTC local date-time.</summary>
public sealed class CalendarTests
{
    private static Arbitrary<(Instant At, Period Period)> Cases()
    {
        // Days near month ends and 29 February, before and after 1970, at any time of day down to the nanosecond.
        var at = from year in Gen.Elements(1, 2, 1600, 1899, 1969, 1970, 2000, 2023, 2024, 2100, 9998, 9999)
                 from month in Gen.Choose(1, 12)
                 from day in Gen.Elements(1, 15, 28, 29, 30, 31)
                 from nanos in Gen.Elements(0L, 1L, 999_999_999L, NodaConstants.NanosecondsPerDay - 1, 43_200_000_000_123L)
                 select new LocalDate(year, month, Math.Min(day, CalendarSystem.Iso.GetDaysInMonth(year, month)))
                     .AtMidnight().PlusNanoseconds(nanos).InUtc().ToInstant();
        var small = Gen.Elements(0, 0, 1, -1, 2, 11, 12, 13, -13, 25);
        var period = from years in small
                     from months in small
                     from weeks in small
                     from days in Gen.Elements(0, 0, 1, -1, 30, 31, 365, -366, 100_000)
                     from hours in Gen.Elements(0, 0, 0, 1)
                     select new PeriodBuilder { Years = years, Months = months, Weeks = weeks, Days = days, Hours = hours }.Build();
        return Gen.Zip(at, period).ToArbitrary();
    }

    [Property(MaxTest = 2000)]
    public Property Plus_and_minus_are_nodatime_arithmetic_on_the_utc_date_and_time() =>
        Prop.ForAll(Cases(), c =>
        {
            Assert.Equal(Reference(() => c.At.InUtc().LocalDateTime.Plus(c.Period).InUtc().ToInstant()), Reference(() => Calendar.Plus(c.At, c.Period)));
            Assert.Equal(Reference(() => c.At.InUtc().LocalDateTime.Minus(c.Period).InUtc().ToInstant()), Reference(() => Calendar.Minus(c.At, c.Period)));
        });

    [Fact]
    public void A_month_after_the_31st_of_january_is_the_last_day_of_february_and_years_come_before_months()
    {
        var at = Instant.FromUtc(2024, 1, 31, 10, 30);
        Assert.Equal(Instant.FromUtc(2024, 2, 29, 10, 30), Calendar.Plus(at, Period.FromMonths(1)));
        // 29 February 2024 + 1 year is 28 February 2025; a month later, 28 March (not 29).
        var leap = Instant.FromUtc(2024, 2, 29, 0, 0);
        Assert.Equal(Instant.FromUtc(2025, 3, 28, 0, 0), Calendar.Plus(leap, new PeriodBuilder { Years = 1, Months = 1 }.Build()));
    }

    /// <summary>The result, or the type of the exception thrown (out of the calendar's range).</summary>
    private static object Reference(Func<Instant> compute)
    {
        try
        {
            return compute();
        }
        catch (Exception ex)
        {
            return ex.GetType();
        }
    }
}
