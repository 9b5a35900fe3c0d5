using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using NodaTime;

namespace LoyaltyActors.Domain.Customers;

/// <summary>
/// How purchases earn points. A line earns ⌊qty × unit price × (<see cref="PerCurrencyUnit"/> + the bonus of
/// its category) × the tier multiplier⌋ points. <see cref="Version"/> is recorded in every purchase so a later
/// rule change never rewrites history; each order's points form a lot that expires after <see cref="Expiry"/>.
/// </summary>
public sealed record PointsPolicy(decimal PerCurrencyUnit, int Version)
{
    /// <summary>The rule name of a line earning at the base rate.</summary>
    public const string BaseRule = "base";

    public static PointsPolicy Default { get; } = new(1m, 1);

    /// <summary>Extra points per currency unit, by category (ordinal, case-sensitive names).</summary>
    public ImmutableDictionary<string, decimal> CategoryBonuses { get; init; } = ImmutableDictionary<string, decimal>.Empty;

    /// <summary>How long a lot lives after its purchase; null = points never expire.</summary>
    public Period? Expiry { get; init; }

    public long PointsFor(int qty, decimal unitPrice) => (long)decimal.Floor(qty * unitPrice * PerCurrencyUnit);

    /// <summary>Points of one line and the name of the rule that set its rate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (long Points, string Rule) PointsFor(int qty, decimal unitPrice, string category, decimal tierMultiplier)
    {
        var rate = PerCurrencyUnit;
        var rule = BaseRule;
        if (category.Length > 0 && CategoryBonuses.TryGetValue(category, out var bonus))
        {
            rate += bonus;
            rule = CategoryRule(category);
        }

        // qty × unit price × rate × multiplier, left to right, each step exact or rounded as decimal rounds it; a step by
        // exactly 1 (the base rate, the base tier) changes no value and is skipped: decimal products are not cheap.
        var amount = qty * unitPrice;
        if (rate != 1m) amount *= rate;
        if (tierMultiplier != 1m) amount *= tierMultiplier;
        return ((long)decimal.Floor(amount), rule);
    }

    // The rule names of the categories with a bonus, one instance each: a purchase's order keeps its event's lines (and
    // with them their rule names) for as long as the customer's state holds the order.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> CategoryRules = new(StringComparer.Ordinal);

    /// <summary><c>category:&lt;name&gt;</c>, the rule name of a line earning <paramref name="category"/>'s bonus, as one shared instance.</summary>
    public static string CategoryRule(string category) => CategoryRules.GetOrAdd(category, static c => "category:" + c);

    /// <summary>When a lot earned at <paramref name="earnedAt"/> expires (UTC calendar arithmetic), or null.</summary>
    public Instant? ExpiryOf(Instant earnedAt) => Expiry is { } p ? Calendar.Plus(earnedAt, p) : null;

    /// <summary>
    /// Points to take back when <paramref name="qty"/> more units of a line go back, given
    /// the units the line already returned: proportional, rounded so that returning
    /// every unit (in any number of steps) takes back exactly the points the line earned.
    /// </summary>
    public static long PointsToReverse(OrderLine line, int qty)
    {
        // Int128: points × units can exceed a long at the wire limits.
        var before = (long)((Int128)line.Points * line.ReturnedQty / line.Qty);
        var after = (long)((Int128)line.Points * (line.ReturnedQty + qty) / line.Qty);
        return after - before;
    }
}

/// <summary>Calendar arithmetic on instants in UTC (a month after 31 January is the last day of February).</summary>
/// <remarks>
/// The result is NodaTime's <c>instant.InUtc().LocalDateTime.Plus(period)</c> back in UTC. A period of whole years,
/// months, weeks and days (every period a loyalty program has: expiry, tier window) between years 1 and 9999 is added
/// to the UTC date as <see cref="DateOnly"/> adds them, which is the ISO calendar's rule too (years, then months, the
/// day cut to the month's last; then weeks, then days), and the time of day is kept. Done twice per purchase: through a
/// zoned date-time it cost the Online Retail replay ~16 ms, this way ~7. Anything else takes NodaTime's way.
/// </remarks>
public static class Calendar
{
    private const long TicksPerDay = NodaConstants.TicksPerDay;

    /// <summary><see cref="DateOnly.DayNumber"/> of 1970-01-01.</summary>
    private static readonly int UnixEpochDayNumber = new DateOnly(1970, 1, 1).DayNumber;

    private static readonly int MaxDayNumber = DateOnly.MaxValue.DayNumber;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Instant Plus(Instant instant, Period period) =>
        TryShiftDate(instant, period, 1, out var shifted) ? shifted : instant.InUtc().LocalDateTime.Plus(period).InUtc().ToInstant();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Instant Minus(Instant instant, Period period) =>
        TryShiftDate(instant, period, -1, out var shifted) ? shifted : instant.InUtc().LocalDateTime.Minus(period).InUtc().ToInstant();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryShiftDate(Instant instant, Period period, int sign, out Instant shifted)
    {
        shifted = instant;
        if (period.HasTimeComponent) return false;
        var ticks = instant.ToUnixTimeTicks();
        var from = ticks / TicksPerDay - (ticks % TicksPerDay < 0 ? 1 : 0) + UnixEpochDayNumber;
        if (from < 0 || from > MaxDayNumber) return false;

        var date = DateOnly.FromDayNumber((int)from);
        // Years first (29 February to the 28th in a common year), then months (the day cut to the month's last).
        var year = date.Year + sign * (long)period.Years;
        if (year < 1 || year > 9999) return false;
        var dayOfMonth = Math.Min(date.Day, DateTime.DaysInMonth((int)year, date.Month));
        var months = year * 12 + date.Month - 1 + sign * (long)period.Months;
        if (months < 12 || months >= 12 * 10_000L) return false;
        var (landedYear, landedMonth) = ((int)(months / 12), (int)(months % 12) + 1);
        dayOfMonth = Math.Min(dayOfMonth, DateTime.DaysInMonth(landedYear, landedMonth));
        // Weeks, then days, each kept within the calendar as NodaTime keeps every step (or throws).
        var weeks = new DateOnly(landedYear, landedMonth, dayOfMonth).DayNumber + sign * 7L * period.Weeks;
        var landed = weeks + sign * (long)period.Days;
        if (weeks < 0 || weeks > MaxDayNumber || landed < 0 || landed > MaxDayNumber) return false;
        shifted = instant + Duration.FromDays(landed - from);
        return true;
    }
}
