namespace LoyaltyActors.Domain.Customers;

/// <summary>
/// How purchases earn points. A line earns ⌊qty × unit price × <see cref="PerCurrencyUnit"/>⌋ points.
/// <see cref="Version"/> is recorded in every purchase so a later rule change never rewrites history.
/// </summary>
public sealed record PointsPolicy(decimal PerCurrencyUnit, int Version)
{
    public static PointsPolicy Default { get; } = new(1m, 1);

    public long PointsFor(int qty, decimal unitPrice) => (long)decimal.Floor(qty * unitPrice * PerCurrencyUnit);

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
