using System.Collections.Immutable;
using NodaTime;

namespace LoyaltyActors.Domain.Customers;

/// <summary>
/// A fact recorded in a customer's journal. Events carry their own business time
/// (<see cref="OccurredAt"/>), so folding them never reads a clock. The customer id is the
/// journal's persistence id and is not repeated inside the event.
/// </summary>
public abstract record CustomerEvent(string EventId, Instant OccurredAt);

/// <summary>A purchased line with the points it earned under the rule version of its purchase.</summary>
public sealed record PurchasedLine(string Sku, string Category, int Qty, decimal UnitPrice, long Points)
{
    /// <summary>Qty × unit price, in the deployment currency.</summary>
    public decimal Amount => Qty * UnitPrice;
}

/// <summary>An order was bought. <paramref name="RuleVersion"/> is the points rule version used.</summary>
public sealed record PurchaseRecorded(
    string EventId, Instant OccurredAt, string OrderId, string Channel,
    ImmutableArray<PurchasedLine> Lines, int RuleVersion) : CustomerEvent(EventId, OccurredAt)
{
    /// <summary>Σ of the lines' amounts.</summary>
    public decimal Amount => Lines.Sum(l => l.Amount);

    /// <summary>Σ of the lines' points.</summary>
    public long Points => Lines.Sum(l => l.Points);
}

/// <summary>
/// Units of line <paramref name="LineIndex"/> of an order went back: <paramref name="Amount"/> is
/// refunded at the original unit price and <paramref name="Points"/> are taken back.
/// </summary>
public sealed record ReturnedLine(int LineIndex, string Sku, int Qty, decimal Amount, long Points);

public sealed record ReturnRecorded(
    string EventId, Instant OccurredAt, string OrderId, string Channel,
    ImmutableArray<ReturnedLine> Lines) : CustomerEvent(EventId, OccurredAt)
{
    /// <summary>Σ of the lines' amounts.</summary>
    public decimal Amount => Lines.Sum(l => l.Amount);

    /// <summary>Σ of the lines' points.</summary>
    public long Points => Lines.Sum(l => l.Points);
}

public sealed record ItemViewed(string EventId, Instant OccurredAt, string Sku, double DwellSeconds)
    : CustomerEvent(EventId, OccurredAt);

/// <summary>A review with a rating from 1 to 5.</summary>
public sealed record ReviewPosted(string EventId, Instant OccurredAt, string Sku, int Rating)
    : CustomerEvent(EventId, OccurredAt);

/// <summary><paramref name="Points"/> (&gt; 0) were spent on <paramref name="Reward"/>.</summary>
public sealed record PointsRedeemed(string EventId, Instant OccurredAt, long Points, string Reward)
    : CustomerEvent(EventId, OccurredAt);
