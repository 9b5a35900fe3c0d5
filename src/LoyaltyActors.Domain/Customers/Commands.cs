using NodaTime;

namespace LoyaltyActors.Domain.Customers;

/// <summary>
/// Something a till, a web shop or an operator asks a customer to record. One wire-format v1 event
/// becomes exactly one command; <see cref="EventId"/> is its idempotency key.
/// </summary>
public abstract record CustomerCommand(string EventId, string CustomerId, Instant OccurredAt);

/// <summary>One line of a purchase as sent: <paramref name="Qty"/> &gt; 0, <paramref name="UnitPrice"/> ≥ 0 in the deployment currency.</summary>
/// <remarks>
/// A struct: the readers and the wire format hand a purchase's lines over as an array of them, which the decider reads
/// without an enumerator (an object per line was, after the purchased lines, the largest allocation of a replay).
/// </remarks>
public readonly record struct PurchaseLineInput(string Sku, string Category, int Qty, decimal UnitPrice);

/// <summary>One line of a return: the SKU and how many units of it go back.</summary>
public sealed record ReturnLineInput(string Sku, int Qty);

public sealed record RecordPurchase(
    string EventId, string CustomerId, Instant OccurredAt, string OrderId, string Channel,
    IReadOnlyList<PurchaseLineInput> Lines) : CustomerCommand(EventId, CustomerId, OccurredAt);

public sealed record RecordReturn(
    string EventId, string CustomerId, Instant OccurredAt, string OrderId, string Channel,
    IReadOnlyList<ReturnLineInput> Lines) : CustomerCommand(EventId, CustomerId, OccurredAt);

public sealed record RecordView(string EventId, string CustomerId, Instant OccurredAt, string Sku, double DwellSeconds)
    : CustomerCommand(EventId, CustomerId, OccurredAt);

public sealed record RecordReview(string EventId, string CustomerId, Instant OccurredAt, string Sku, int Rating)
    : CustomerCommand(EventId, CustomerId, OccurredAt);

public sealed record RedeemPoints(string EventId, string CustomerId, Instant OccurredAt, long Points, string Reward)
    : CustomerCommand(EventId, CustomerId, OccurredAt);

/// <summary>
/// Not from the wire: time has passed (wall clock <paramref name="OccurredAt"/>); record what fell due meanwhile
/// (lot expiry, tier reviews). Sent by the customer's persisted wake-up timer.
/// </summary>
public sealed record AdvanceClock(string CustomerId, Instant OccurredAt)
    : CustomerCommand("tick@" + OccurredAt.ToUnixTimeTicks(), CustomerId, OccurredAt);

/// <summary>Not from the wire: an operator erases the customer (right to be forgotten).</summary>
public sealed record EraseCustomer(string CustomerId, Instant OccurredAt)
    : CustomerCommand("erase@" + OccurredAt.ToUnixTimeTicks(), CustomerId, OccurredAt);
