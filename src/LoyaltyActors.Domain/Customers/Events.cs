using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using NodaTime;

namespace LoyaltyActors.Domain.Customers;

/// <summary>
/// A fact recorded in a customer's journal. Events carry their own business time
/// (<see cref="OccurredAt"/>), so folding them never reads a clock. The customer id is the
/// journal's persistence id and is not repeated inside the event.
/// </summary>
public abstract record CustomerEvent(string EventId, Instant OccurredAt);

/// <summary>What an order line adds to its event's totals.</summary>
public interface ILineTotals
{
    decimal Amount { get; }

    long Points { get; }
}

/// <summary>
/// An event's totals over its lines. Loops over the array itself: LINQ over an <see cref="ImmutableArray{T}"/> boxes an
/// enumerator on every call, and the totals are asked for on every fold and by every projection. One method per line
/// type: a generic one over these classes ran shared code that found each line's property through a runtime lookup.
/// </summary>
internal static class LineTotals
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static decimal Amount(ImmutableArray<PurchasedLine> lines)
    {
        var sum = 0m;
        foreach (var l in lines) sum += l.Amount;
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long Points(ImmutableArray<PurchasedLine> lines)
    {
        var sum = 0L;
        foreach (var l in lines) sum = checked(sum + l.Points);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static decimal Amount(ImmutableArray<ReturnedLine> lines)
    {
        var sum = 0m;
        foreach (var l in lines) sum += l.Amount;
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long Points(ImmutableArray<ReturnedLine> lines)
    {
        var sum = 0L;
        foreach (var l in lines) sum = checked(sum + l.Points);
        return sum;
    }
}

/// <summary>
/// A purchased line with the points it earned under the rule version of its purchase; <paramref name="Rule"/>
/// names the earning rule that set its rate: <c>base</c> or <c>category:&lt;name&gt;</c> (a category bonus).
/// </summary>
/// <remarks>
/// A struct held inline in its purchase's array: an object per line was the largest single allocation of a replay
/// (Online Retail: 405,000 lines, 29 MB) and of a server's ingest.
/// </remarks>
public readonly record struct PurchasedLine(string Sku, string Category, int Qty, decimal UnitPrice, long Points, string Rule = PointsPolicy.BaseRule)
    : ILineTotals
{
    /// <summary>Qty × unit price, in the deployment currency.</summary>
    public decimal Amount
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => Qty * UnitPrice;
    }
}

/// <summary>
/// An order was bought. <paramref name="RuleVersion"/> is the points rule version used, <paramref name="Tier"/>
/// the tier whose multiplier applied, and the order's points form one lot that expires at
/// <paramref name="ExpiresAt"/> (never when null).
/// </summary>
public sealed record PurchaseRecorded(
    string EventId, Instant OccurredAt, string OrderId, string Channel,
    ImmutableArray<PurchasedLine> Lines, int RuleVersion, string Tier = TierNames.Base, Instant? ExpiresAt = null)
    : CustomerEvent(EventId, OccurredAt)
{
    /// <summary>Σ of the lines' amounts.</summary>
    public decimal Amount => LineTotals.Amount(Lines);

    /// <summary>Σ of the lines' points.</summary>
    public long Points => LineTotals.Points(Lines);
}

/// <summary>
/// Units of line <paramref name="LineIndex"/> of an order went back: <paramref name="Amount"/> is
/// refunded at the original unit price and <paramref name="Points"/> are taken back.
/// </summary>
public sealed record ReturnedLine(int LineIndex, string Sku, int Qty, decimal Amount, long Points) : ILineTotals;

/// <summary>
/// Lines of an order went back. <paramref name="RuleVersion"/> is the points rule version the order earned
/// under (its points are reversed under that version). <paramref name="ReconciledFrom"/> is the event id of
/// the held return this settles, when the return arrived before its order.
/// </summary>
public sealed record ReturnRecorded(
    string EventId, Instant OccurredAt, string OrderId, string Channel,
    ImmutableArray<ReturnedLine> Lines, int RuleVersion = 0, string? ReconciledFrom = null) : CustomerEvent(EventId, OccurredAt)
{
    /// <summary>Σ of the lines' amounts.</summary>
    public decimal Amount => LineTotals.Amount(Lines);

    /// <summary>Σ of the lines' points.</summary>
    public long Points => LineTotals.Points(Lines);
}

public sealed record ItemViewed(string EventId, Instant OccurredAt, string Sku, double DwellSeconds)
    : CustomerEvent(EventId, OccurredAt);

/// <summary>A review with a rating from 1 to 5.</summary>
public sealed record ReviewPosted(string EventId, Instant OccurredAt, string Sku, int Rating)
    : CustomerEvent(EventId, OccurredAt);

/// <summary><paramref name="Points"/> (&gt; 0) were spent on <paramref name="Reward"/>.</summary>
public sealed record PointsRedeemed(string EventId, Instant OccurredAt, long Points, string Reward)
    : CustomerEvent(EventId, OccurredAt);

/// <summary>
/// A return arrived for an order this customer has not recorded (yet): kept, and settled into a
/// <see cref="ReturnRecorded"/> when the order arrives (or discarded, with the reason, if it cannot apply).
/// </summary>
public sealed record ReturnHeld(
    string EventId, Instant OccurredAt, string OrderId, string Channel, ImmutableArray<ReturnLineInput> Lines)
    : CustomerEvent(EventId, OccurredAt);

/// <summary>
/// Facts the loyalty program derives (expiry, tiers, rewards, timers), never sent by a client. Their ids
/// are derived from the event or tick that caused them, and they are not idempotency keys.
/// </summary>
public abstract record ProgramEvent(string EventId, Instant OccurredAt) : CustomerEvent(EventId, OccurredAt);

/// <summary>The rest of the lot earned by order <paramref name="LotOrderId"/> expired at <see cref="CustomerEvent.OccurredAt"/>.</summary>
public sealed record PointsExpired(string EventId, Instant OccurredAt, string LotOrderId, long Points, int RuleVersion)
    : ProgramEvent(EventId, OccurredAt);

/// <summary>
/// The tier was set (an upgrade, or a review that may keep or lower it). <paramref name="TrailingSpend"/> is the
/// spend that decided it; the next review is due at <paramref name="NextReviewAt"/> (none for the base tier).
/// </summary>
public sealed record TierChanged(
    string EventId, Instant OccurredAt, string From, string To, decimal TrailingSpend, string Reason, Instant? NextReviewAt)
    : ProgramEvent(EventId, OccurredAt);

/// <summary>A reward was earned under rule <paramref name="RuleId"/> (version <paramref name="RuleVersion"/>).</summary>
public sealed record RewardIssued(string EventId, Instant OccurredAt, string RuleId, int RuleVersion, string Reward, string Trigger)
    : ProgramEvent(EventId, OccurredAt);

/// <summary>The customer asks to be woken at <paramref name="At"/> (expiry or tier review due), or never when null.</summary>
public sealed record WakeUpScheduled(string EventId, Instant OccurredAt, Instant? At) : ProgramEvent(EventId, OccurredAt);

/// <summary>The held return <paramref name="HeldEventId"/> could not be applied to its order when it arrived.</summary>
public sealed record HeldReturnDiscarded(string EventId, Instant OccurredAt, string OrderId, string HeldEventId, string Reason)
    : ProgramEvent(EventId, OccurredAt);

/// <summary>
/// The customer was erased: every earlier event of the customer is deleted from the journal, and each read model and
/// aggregate drops what it holds for the customer when it reads this tombstone. It carries nothing about the customer.
/// </summary>
public sealed record CustomerErased(string EventId, Instant OccurredAt) : ProgramEvent(EventId, OccurredAt);
