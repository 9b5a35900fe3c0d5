using LoyaltyActors.Domain.Customers;
using NodaTime;

namespace LoyaltyActors.Actors.Customers;

/// <summary>Every command and query to a customer carries its id; routing reads only this.</summary>
public interface ICustomerMessage
{
    string CustomerId { get; }
}

/// <summary>
/// Record these commands, in order, for one customer. The reply, <see cref="RecordEventsResult"/>,
/// is sent only after every accepted event is durably in the journal.
/// </summary>
public sealed record RecordEvents(string CustomerId, IReadOnlyList<CustomerCommand> Commands) : ICustomerMessage;

/// <summary>One decision per command, in the order sent.</summary>
public sealed record RecordEventsResult(IReadOnlyList<Decision> Outcomes);

/// <summary>The profile now, or as of a past instant.</summary>
public sealed record GetProfile(string CustomerId, Instant? AsOf = null) : ICustomerMessage;

/// <summary><see cref="Profile"/> is null when the customer has recorded nothing.</summary>
public sealed record ProfileResult(CustomerProfile? Profile);

/// <summary>The lifetimes summary as of a date.</summary>
public sealed record GetSummary(string CustomerId, LocalDate AsOf, SummaryFrequency Frequency, double FrequencyMultiplier)
    : ICustomerMessage;

/// <param name="Known">False when the customer has recorded nothing.</param>
/// <param name="Summary">Null when the customer had no purchase up to the date.</param>
public sealed record SummaryResult(bool Known, LifetimesSummary? Summary);

/// <summary>Sent by the region to a customer that asked to passivate: stop now, nothing is in flight.</summary>
public sealed class StopCustomer
{
    public static StopCustomer Instance { get; } = new();

    private StopCustomer()
    {
    }
}

/// <summary>Diagnostics: the raw state, and the snapshot recovery started from (null: none).</summary>
internal sealed record GetCustomerState(string CustomerId) : ICustomerMessage;

internal sealed record CustomerStateResult(CustomerState State, long? RecoveredFromSnapshotAt, long LastSequenceNr);

/// <summary>
/// Rebuild this customer's read model (its snapshot) from its journal alone, ignoring snapshots. The reply says
/// whether the state the customer was running with equalled the rebuilt one.
/// </summary>
public sealed record RebuildCustomer(string CustomerId) : ICustomerMessage;

public sealed record RebuildCustomerResult(string CustomerId, long Events, bool Matched);

/// <summary>What the customer bought: the SKUs of its most recent orders, newest first, and every SKU ever bought.</summary>
public sealed record GetPurchasedItems(string CustomerId, int RecentOrders = 3) : ICustomerMessage;

/// <param name="Known">False when the customer has recorded nothing.</param>
public sealed record PurchasedItemsResult(bool Known, IReadOnlyList<string> Recent, IReadOnlySet<string> Bought);

/// <summary>Published on the event stream once rewards of one customer are durably in the journal.</summary>
public sealed record RewardsPersisted(string CustomerId, IReadOnlyList<RewardIssued> Rewards);

/// <summary>
/// Erase the customer (right to be forgotten): a <see cref="CustomerErased"/> tombstone is persisted, every earlier event
/// and every snapshot is deleted, and the aggregates drop the customer when they read the tombstone.
/// </summary>
public sealed record EraseCustomerData(string CustomerId) : ICustomerMessage;

/// <param name="Known">False when the customer had recorded nothing (nothing was written).</param>
/// <param name="EventsDeleted">Journal entries deleted (every event before the tombstone).</param>
public sealed record EraseCustomerResult(bool Known, long EventsDeleted);
